"""``melodystudio lyrics`` and ``melodystudio eval lyrics`` end to end with the shipped model."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from pathlib import Path

import pytest

from melodystudio.cli.lyrics import NO_LYRIC_MODEL
from melodystudio.cli.main import main
from melodystudio.core import PPQ
from melodystudio.engine.melody import MelodyEngine
from melodystudio.io import load_song
from melodystudio.lyrics import parse_lyrics

SHIPPED = Path(__file__).resolve().parents[2] / "models" / "melody"
TWINKLE = "Twinkle, twinkle, little star,\nHow I won_-der what you are!"


@pytest.fixture(scope="module")
def shipped() -> MelodyEngine:
    return MelodyEngine.load(SHIPPED, provider="cpu")


def _model() -> list[str]:
    return ["--model", str(SHIPPED), "--provider", "cpu"]


@pytest.mark.parametrize("ext", [".mid", ".musicxml"])
def test_lyrics_to_files_that_read_back_with_their_lyrics(tmp_path: Path, ext: str, shipped: MelodyEngine,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"twinkle{ext}"
    assert main(["lyrics", TWINKLE, "--meter", "3/4", "--key", "D", "--tempo", "90", "--variations", "2",
                 "--seed", "5", "--range", "C4-G5", "-o", str(out), *_model()]) == 0
    printed = capsys.readouterr()
    expected = parse_lyrics(TWINKLE)
    n = len(expected.syllables)  # 15: one held note on "won"
    assert n == 15
    for letter, seed in (("A", 5), ("B", 6)):
        path = tmp_path / f"twinkle-{letter}{ext}"
        song, _ = load_song(path)
        # 7 + 8 notes at a syllable per quarter: 3 + 3 bars of 3/4, which the model may not fill
        used = song.timeline.bar_at(song.notes[-1].end - 1) + 1
        bars = "6 bars of 3/4" + (f" (the notes end in bar {used})" if used < 6 else "")
        assert f"wrote {path}: variation {letter}, {bars}, {n} notes for {n} syllables, seed {seed}" in printed.out
        assert len(song.notes) == n
        assert song.lyric_text() == "Twinkle twinkle little star\nHow I wonder what you are"
        assert sum(1 for note in song.notes if note.lyric is not None and note.lyric.melisma) == 1
        assert all(60 <= note.pitch <= 79 for note in song.notes)
        assert song.notes[-1].end <= 6 * 3 * PPQ
        assert [str(ts) for ts in song.time_signatures] == ["3/4"] and song.keys[0].label() == "D major"
        assert round(song.tempos[0].bpm) == 90
    assert not out.exists()
    no_lyrics = NO_LYRIC_MODEL.format(dir=shipped.model_dir)
    assert (no_lyrics in printed.err) == (not shipped.supports_lyrics)


def test_lyrics_from_a_file_with_bars_and_pick(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "words.txt"
    text.write_text("Row, row, row your boat\nGently down the stream, blorptastic 21 times\n", encoding="utf-8")
    out = tmp_path / "boat.mstudio"
    assert main(["lyrics", "--lyrics-file", str(text), "--bars", "8", "--variations", "3", "--pick", "B",
                 "--seed", "1", "--breath", "3", "-o", str(out), *_model()]) == 0
    printed = capsys.readouterr()
    song, _ = load_song(out)
    used = song.timeline.bar_at(song.notes[-1].end - 1) + 1
    bars = "8 bars of 4/4" + (f" (the notes end in bar {used})" if used < 8 else "")
    assert f"wrote {out}: variation B, {bars}, 17 notes for 17 syllables, seed 2" in printed.out
    assert "note: 'blorptastic' is not in the pronouncing dictionary: sung as blorp-tas-tic" in printed.err
    assert song.lyric_text() == "Row row row your boat\nGently down the stream blorptastic twenty one times"
    assert song.notes[-1].end <= 8 * 4 * PPQ


@pytest.mark.parametrize(("args", "message"), [
    (["   "], "the lyrics are empty"),
    (["我爱你 你爱我"], "the lyrics do not look like English"),
    ([], "give the lyrics as text or with --lyrics-file FILE"),
    (["la la", "--lyrics-file", "x.txt"], "either as text or with --lyrics-file, not both"),
    (["--lyrics-file", "missing.txt"], "cannot read the lyrics file missing.txt: No such file or directory"),
    (["la la la", "--bars", "0"], "--bars must be 1 or more, not 0"),
    (["la la la", "--variations", "2", "--pick", "3"], "--pick 3 asks for a variation beyond the 2 generated"),
    (["la la la", "--key", "H"], "'H' is not a key"),
    (["la la la", "--breath", "0.5"], "the breath after a line must be 1-8 notes, not 0.5"),
    (["la " * 120, "--bars", "4"], "120 syllables do not fit in bars 1-4 at a sixteenth each"),
])
def test_bad_input_is_one_line_and_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str],
                                          message: str, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["lyrics", *args, "-o", "out.mid", *_model()]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("melodystudio: error:") == 1
    assert not list(tmp_path.glob("out*"))


def test_a_whole_song_is_set_in_groups_of_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    verse = "Row, row, row your boat\nGently down the stream\nMerrily merrily merrily merrily\nLife is but a dream\n"
    out = tmp_path / "song.mid"
    assert main(["lyrics", verse * 6, "--seed", "2", "--pick", "A", "-o", str(out), *_model()]) == 0  # 162 syllables
    assert "54 bars of 4/4, 162 notes for 162 syllables" in capsys.readouterr().out
    notes = load_song(out)[0].notes
    assert len(notes) == 162 and [n.lyric.text for n in notes[:3] if n.lyric] == ["Row", "row", "row"]


def test_unreadable_lyrics_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("caf\xe9 au lait".encode("latin-1"))
    assert main(["lyrics", "--lyrics-file", str(latin1), "-o", str(tmp_path / "o.mid"), *_model()]) == 1
    assert f"cannot read the lyrics file {latin1}: it is not UTF-8 text" in capsys.readouterr().err


def test_bad_meter_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["lyrics", "la la", "--meter", "7/5", "-o", "o.mid"])
    assert stop.value.code == 2
    assert "time signature denominator 5 is not one of" in capsys.readouterr().err


# -- eval lyrics ------------------------------------------------------------------------------------
def _record(song_id: str, split: str, phrases: int, notes_per_phrase: int = 8) -> dict[str, object]:
    """A lyrics_melody line: 'la-dy' words, quarter notes (2 units), one phrase per 4/4 bar."""
    n = phrases * notes_per_phrase
    return {"id": song_id, "split": split, "syllables": ["la", "dy"] * (n // 2),
            "pitch": [60 + (i * 5) % 12 for i in range(n)], "dur": [2.0] * n, "rest": [0.0] * n,
            "word": [i // 2 for i in range(n)], "phrase": [i // notes_per_phrase for i in range(n)]}


def test_eval_lyrics_quick_writes_both_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "lyrics_melody.jsonl.gz"
    records = [_record("a", "test", 12), _record("b", "train", 12), _record("c", "test", 10),
               _record("d", "test", 3)]  # d: 3 bars only, no case
    with gzip.open(data, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in records)
    out = tmp_path / "reports"
    assert main(["eval", "lyrics", "--data", str(data), "--cases", "5", "--seed", "3", "--out", str(out),
                 *_model()]) == 0
    printed = capsys.readouterr().out
    result = json.loads((out / "lyrics_eval.json").read_text())
    assert result["command"] == (f"melodystudio eval lyrics --cases 5 --seed 3 --temperature 0.9 "
                                 f"--out {out} --provider cpu --model {SHIPPED} --data {data}")
    assert result["options"]["top_p"] == 1.0  # auto: no nucleus cut when setting a lyric
    assert result["options"]["degree_weights"] == [0.0, 1.0]  # the shipped prior's
    assert result["data"]["test_songs"] == 3 and result["data"]["songs_making_a_case"] == 2
    # 8 quarter notes a phrase = 2 bars of 4/4: 4 phrases reach 8 bars
    assert [(c["id"], c["bars"], c["phrases"], c["syllables"]) for c in result["data"]["cases"]] == [
        ("a", 8, 4, 32), ("c", 8, 4, 32)]
    for system in ("lyrics", "baseline"):
        figures = result["results"][system]
        assert figures["one_note_per_syllable"] == 1.0 and figures["bar_fit"] == 1.0
        assert 0 <= figures["DP"] <= 100 and figures["MD"] >= 0
        assert figures["stressed_syllables"] == 32  # "la" of every "la-dy" (unknown word: first syllable)
    human = result["results"]["human"]
    assert human["stress_on_strong_beats"] == 1.0  # every "la" on beat 1 or 3 (equal notes: no pickup)
    # pitches repeat every 12 notes; peaks at notes 2, 4, 7, 9, 11 (mod 12), "la" on the even ones:
    # notes 2, 4, 14, 16, 26, 28 of each case's 32
    assert human["stress_on_peaks"] == pytest.approx(12 / 32)
    # phrases of 8 notes: interior ends at notes 8, 16 and 24 of each case; equal quarters, no rests
    assert human["phrase_ends"] == 6
    assert human["phrase_end_lengthened"] == 0.0 and human["other_notes_lengthened"] == 0.0
    assert human["phrase_end_ioi_ratio"] == 1.0  # a quarter after every note
    assert result["options"]["phrase_breath"] == 2.0  # the engine's
    for system in ("lyrics", "baseline"):
        assert result["results"][system]["phrase_ends"] == 6
        assert 0 <= result["results"][system]["phrase_end_stable"] <= 1
    assert result["published"]["SongGLM base"]["MD"] == 3.85
    assert result["results"]["other_songs"] is None  # both eligible songs are cases
    markdown = (out / "lyrics_eval.md").read_text()
    assert "| SongGLM base (published, its own data) | 96.83 | 96.50 | 96.48 | 94.10 | 3.85 |" in markdown
    assert "(2 of 3 test songs make one)" in markdown
    assert "| human melodies | 6 | 0.0% (0.0%) | 0.0% (32.1%) | 1.00 |" in markdown  # 9 of 28 others stable
    # the validation songs instead: only "v" is one
    with gzip.open(data, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in [_record("v", "valid", 12), *records])
    assert main(["eval", "lyrics", "--data", str(data), "--cases", "5", "--seed", "3", "--out", str(out),
                 "--split", "valid", "--degree-weights", "0", "0", "--phrase-breath", "1", *_model()]) == 0
    result = json.loads((out / "lyrics_eval.json").read_text())
    assert result["command"].endswith("--split valid --degree-weights 0 0 --phrase-breath 1")
    assert result["options"]["split"] == "valid"
    assert result["options"]["degree_weights"] == [0.0, 0.0] and result["options"]["phrase_breath"] == 1.0
    assert ("scale-degree prior weights 0 inside phrases / 0 at their ends, a line's last note paced as 1 notes"
            in (out / "lyrics_eval.md").read_text())
    assert [c["id"] for c in result["data"]["cases"]] == ["v"] and result["data"]["test_songs"] == 1
    assert "| human melodies | 32 | 100.0% | 37.5% | – | – |" in markdown
    assert f"wrote {out / 'lyrics_eval.json'} and {out / 'lyrics_eval.md'}" in printed


def test_eval_lyrics_scores_other_songs_as_a_human_reference(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "lyrics_melody.jsonl.gz"
    with gzip.open(data, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(_record(name, "test", 12)) + "\n" for name in "ab")
    assert main(["eval", "lyrics", "--data", str(data), "--cases", "1", "--out", str(tmp_path), *_model()]) == 0
    result = json.loads((tmp_path / "lyrics_eval.json").read_text())
    assert len(result["data"]["cases"]) == 1
    other = result["results"]["other_songs"]
    assert other["pairs"] == 1 and other["MD"] == 0.0  # the two songs carry the same melody
    assert "| human melodies of 1 other test songs | 100.00 | 100.00 | 100.00 | 100.00 | 0.00 |" in \
        (tmp_path / "lyrics_eval.md").read_text()
    assert "other test songs' melodies: DA 100.00" in capsys.readouterr().out


def test_eval_lyrics_scores_training_songs_as_a_set_reference(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "lyrics_melody.jsonl.gz"
    halves = _record("t4", "train", 12)
    halves["dur"] = [1.0] * len(halves["dur"])  # eighth notes: another duration share than the cases'
    records = [_record("a", "test", 12), _record("b", "test", 12), *(_record(f"t{i}", "train", 12) for i in (1, 2, 3)),
               halves]
    with gzip.open(data, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in records)
    assert main(["eval", "lyrics", "--data", str(data), "--cases", "2", "--draws", "2", "--out", str(tmp_path),
                 *_model()]) == 0
    train = json.loads((tmp_path / "lyrics_eval.json").read_text())["results"]["train_songs"]
    assert train["songs"] == 2 and train["sets"] == 2 and "MD" not in train
    same, other = sorted(train["draws"], key=lambda d: -d["DD"])
    assert same == {"DA": 100.0, "DP": 100.0, "DD": 100.0, "DIOI": 100.0}  # the set without t4: the cases' melodies
    assert other["DD"] < 100.0 and train["spread"]["DD"] > 0
    assert train["DD"] == pytest.approx((same["DD"] + other["DD"]) / 2)
    markdown = (tmp_path / "lyrics_eval.md").read_text()
    row = (f"| human melodies of 2 training songs (2 sets) | {train['DA']:.2f} ± {train['spread']['DA']:.2f} | "
           f"{train['DP']:.2f} ± {train['spread']['DP']:.2f} | {train['DD']:.2f} ± {train['spread']['DD']:.2f} | ")
    assert row in markdown and "| – |" in markdown.split(row)[1].splitlines()[0]
    assert "MD pairs each melody with the human one" in markdown
    assert f"2 training songs' melodies (2 sets): DA {train['DA']:.2f} ± " in capsys.readouterr().out
    # fewer training songs than one set: no row
    with gzip.open(data, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in records[:3])
    assert main(["eval", "lyrics", "--data", str(data), "--cases", "2", "--out", str(tmp_path), *_model()]) == 0
    assert json.loads((tmp_path / "lyrics_eval.json").read_text())["results"]["train_songs"] is None
    assert "training songs" not in (tmp_path / "lyrics_eval.md").read_text()


def test_eval_lyrics_draws_average_songglm_figures_and_pool_the_rest(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "lyrics_melody.jsonl.gz"
    with gzip.open(data, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(_record(name, "test", 12)) + "\n" for name in "abc")
    one, three = tmp_path / "one", tmp_path / "three"
    assert main(["eval", "lyrics", "--data", str(data), "--cases", "3", "--out", str(one), *_model()]) == 0
    assert main(["eval", "lyrics", "--data", str(data), "--cases", "3", "--draws", "3", "--out", str(three),
                 *_model()]) == 0
    single = json.loads((one / "lyrics_eval.json").read_text())
    result = json.loads((three / "lyrics_eval.json").read_text())
    assert "--draws 3" in result["command"] and result["options"]["draws"] == 3
    assert "draws" not in single["results"]["lyrics"] and single["options"]["draws"] == 1
    for system in ("lyrics", "baseline"):
        figures, draws = result["results"][system], result["results"][system]["draws"]
        assert len(draws) == 3
        for name in ("DA", "DP", "DD", "DIOI", "MD"):
            assert draws[0][name] == single["results"][system][name]  # draw 0 is the single run's
            values = [d[name] for d in draws]
            assert figures[name] == pytest.approx(sum(values) / 3)
            mean = sum(values) / 3
            assert figures["spread"][name] == pytest.approx((sum((v - mean) ** 2 for v in values) / 2) ** 0.5)
        assert figures["phrase_ends"] == 3 * single["results"][system]["phrase_ends"]  # pooled
        assert figures["stressed_syllables"] == 3 * 16 * 3  # 3 cases of 16 "la" each, 3 draws
    assert len({d["MD"] for d in result["results"]["lyrics"]["draws"]}) > 1  # other seeds, other melodies
    markdown = (three / "lyrics_eval.md").read_text()
    dd = result["results"]["lyrics"]
    assert f"{dd['DD']:.2f} ± {dd['spread']['DD']:.2f}" in markdown
    assert "Means ± standard deviations over 3 draws" in markdown
    assert f"| model, lyrics heard | 2 | {dd['draws'][2]['DA']:.2f} |" in markdown
    assert f"DD {dd['DD']:.2f} ± {dd['spread']['DD']:.2f}" in capsys.readouterr().out
    assert main(["eval", "lyrics", "--draws", "0", "--out", str(tmp_path), *_model()]) == 1
    assert "--draws 1-20" in capsys.readouterr().err


def test_eval_lyrics_bad_data_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "lyrics", "--data", str(tmp_path / "none.jsonl.gz"), "--out", str(tmp_path),
                 *_model()]) == 1
    assert "cannot read the lyrics_melody data" in capsys.readouterr().err
    assert main(["eval", "lyrics", "--degree-weights", "0", "11", "--out", str(tmp_path), *_model()]) == 1
    assert "--degree-weights must each be 0-10" in capsys.readouterr().err
    assert main(["eval", "lyrics", "--phrase-breath", "0.5", "--out", str(tmp_path), *_model()]) == 1
    assert "the breath after a line must be 1-8 notes, not 0.5" in capsys.readouterr().err


def test_eval_case_puts_the_estimated_downbeat_on_a_bar_line() -> None:
    from melodystudio.corpus.lyric_cases import case_of

    # an eighth-note pickup, then half notes (4 units): the long notes mark beats 1 and 3
    n = 20
    record = {"id": "x", "split": "test", "syllables": ["oh"] * n, "pitch": [60] * n, "dur": [1.0] + [4.0] * (n - 1),
              "rest": [2.0] + [0.0] * (n - 1), "word": list(range(n)), "phrase": [i // 4 for i in range(n)]}
    case = case_of(record)
    assert case is not None
    assert [note.onset for note in case.human[:3]] == [1680, 1920, 2880]  # the pickup ends bar 0
    # phrases of 4 notes; the 4th phrase ends at 1680 + 240 + 15 * 960 = 16320: bar 9 of 4/4
    assert (case.bars, case.phrases, len(case.syllables)) == (9, 4, 16)
    assert [note.lyric.text for note in case.human[:2] if note.lyric] == ["oh", "oh"]
    assert case_of({**record, "dur": [40.0] * n}) is None  # the first phrase alone passes 16 bars


def test_eval_case_key_is_estimated_from_the_human_melody() -> None:
    from melodystudio.corpus.lyric_cases import melody_key
    from tests.conftest import twinkle

    assert melody_key(twinkle().notes).label() == "C major"
    transposed = [replace(n, pitch=n.pitch + 6) for n in twinkle().notes]
    assert melody_key(transposed).label() == "F# major"
    a_minor = [replace(n, pitch=p) for n, p in zip(twinkle().notes, [69, 72, 76, 74, 72, 71, 69, 68, 69, 71, 69, 69])]
    assert melody_key(a_minor).label() == "A minor"
