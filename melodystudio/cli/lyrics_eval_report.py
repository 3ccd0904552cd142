"""The Markdown page of ``melodystudio eval lyrics``, written from its JSON result (formatting only)."""

from __future__ import annotations

from typing import Any

from melodystudio.evaluation.melody_eval_report import DASH, fmt, table

SONGGLM = ("DA", "DP", "DD", "DIOI", "MD")
SYSTEM_NAMES = {"lyrics": "model, lyrics heard", "baseline": "model, lyrics hidden (baseline)",
                "human": "human melodies"}


def fmt_share(value: float | None) -> str:
    return DASH if value is None else f"{100 * value:.1f}%"


def _degree_note(opts: dict[str, Any]) -> str:
    weights = opts.get("degree_weights")
    if weights is None:
        return ""
    return f", scale-degree prior weights {weights[0]:g} inside phrases / {weights[1]:g} at their ends"


def _breath_note(opts: dict[str, Any]) -> str:
    breath = opts.get("phrase_breath")
    return "" if breath is None else f", a line's last note paced as {breath:g} notes"


def songglm_figure(figures: dict[str, Any], name: str) -> str:
    """One SongGLM figure, with its standard deviation over the draws when there were several."""
    spread = figures.get("spread")
    return fmt(figures[name], 2) + ("" if spread is None else f" ± {spread[name]:.2f}")


def songglm_line(figures: dict[str, Any]) -> str:
    """'DA 99.63 DP 97.67 ...' for the console (a mean ± its standard deviation over several draws)."""
    return " ".join(f"{name} {songglm_figure(figures, name)}" for name in SONGGLM)


def _ratio(value: float | None) -> str:
    return DASH if value is None else f"{value:.2f}"


def render(result: dict[str, Any]) -> str:
    r, opts, m = result["results"], result["options"], result["machine"]
    lines = ["# Lyrics to melody: evaluation", "",
             f"`{result['command']}`", "",
             f"{result['created']}; model `{result['model']['directory']}` "
             f"({'with' if result['model']['supports_lyrics'] else 'without'} lyric conditioning, manifest sha256 "
             f"`{result['model']['manifest_sha256'][:12]}`); {opts['cases']} cases from "
             f"`{result['data']['path']}` ({result['data']['songs_making_a_case']} of "
             f"{result['data']['test_songs']} {opts.get('split', 'test')} songs make one), seed {opts['seed']}, "
             f"temperature {opts['temperature']} (pitches {opts.get('pitch_temperature', opts['temperature'])}), "
             f"top-p {opts['top_p']}{_degree_note(opts)}{_breath_note(opts)}.", "",
             f"Machine: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable), {m['provider']}, "
             f"{m['onnx_threads']} onnxruntime threads.", "",
             "## SongGLM's metrics against the human melodies", ""]
    rows = [[SYSTEM_NAMES[s], *(songglm_figure(r[s], k) for k in SONGGLM)] for s in ("lyrics", "baseline")]
    if r.get("other_songs"):
        rows.append([f"human melodies of {r['other_songs']['pairs']} other test songs",
                     *(fmt(r["other_songs"][k], 2) for k in SONGGLM)])
    if r.get("train_songs"):
        t = r["train_songs"]
        rows.append([f"human melodies of {t['songs']} training songs ({t['sets']} sets)",
                     *(songglm_figure(t, k) for k in SONGGLM[:-1]), DASH])
    rows += [[f"{name} (published, its own data)", *(fmt(v[k], 2) for k in SONGGLM)]
             for name, v in result["published"].items()]
    lines += table(["melodies", "DA %", "DP %", "DD %", "DIOI %", "MD"], rows)
    if r.get("train_songs"):
        lines += ["", "DA, DP, DD and DIOI compare the two sets as wholes, not song by song, so real melodies of "
                  "other songs show what a system writing human-like melodies scores at this set size: the "
                  "training songs' row holds the human melodies of other lyrics (openings drawn as the cases "
                  "are, disjoint sets as large as the cases' set). MD pairs each melody with the human one of "
                  "its own lyric, so that row has none."]
    draws = opts.get("draws", 1)
    if draws > 1:
        lines += ["", f"Means ± standard deviations over {draws} draws (every case set {draws} times, other seeds); "
                  "each draw's set scored alone:", ""]
        rows = [[SYSTEM_NAMES[s], str(k), *(fmt(d[name], 2) for name in SONGGLM)]
                for s in ("lyrics", "baseline") for k, d in enumerate(r[s]["draws"])]
        lines += table(["melodies", "draw", "DA %", "DP %", "DD %", "DIOI %", "MD"], rows)
    lines += ["", "## Stressed syllables", ""]
    rows = [[SYSTEM_NAMES[s], str(r[s]["stressed_syllables"]), fmt_share(r[s]["stress_on_strong_beats"]),
             fmt_share(r[s]["stress_on_peaks"]), fmt_share(r[s].get("one_note_per_syllable")),
             fmt_share(r[s].get("bar_fit"))] for s in ("lyrics", "baseline", "human")]
    lines += table(["melodies", "stressed syllables", "on strong beats", "on melodic peaks",
                    "one note per syllable", "inside the bars"], rows)
    if "phrase_ends" in r["lyrics"]:  # reports before phrase ends were measured lack them
        lines += ["", "## Phrase ends", "",
                  "The last note of each phrase that another phrase follows, and (in brackets) the other notes "
                  "but the last: lengthened, the next onset at least twice the melody's median inter-onset "
                  "interval away (a long note or a rest); stable, on the tonic triad of the song's key; IOI "
                  "ratio, the mean inter-onset interval after a phrase end over that after the other notes.", ""]
        rows = [[SYSTEM_NAMES[s], str(r[s]["phrase_ends"]),
                 f"{fmt_share(r[s]['phrase_end_lengthened'])} ({fmt_share(r[s]['other_notes_lengthened'])})",
                 f"{fmt_share(r[s]['phrase_end_stable'])} ({fmt_share(r[s]['other_notes_stable'])})",
                 _ratio(r[s].get("phrase_end_ioi_ratio"))]
                for s in ("lyrics", "baseline", "human")]
        lines += table(["melodies", "phrase ends", "lengthened (other notes)", "stable (other notes)", "IOI ratio"],
                       rows)
    lines += ["", "## Timings (seconds)", "",
              ", ".join(f"{k} {v}" for k, v in result["timings"].items()), "", "## Method", ""]
    lines += [f"- {note}" for note in result["notes"]]
    return "\n".join(lines) + "\n"
