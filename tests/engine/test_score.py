"""Scoring: per-note surprisal left to right, equal to the torch model's teacher-forced NLL."""

from __future__ import annotations

import math

import numpy as np
import pytest

from melodystudio.core import Song
from melodystudio.core.progress import run_to_end
from melodystudio.engine import context
from melodystudio.engine.melody import MelodyEngine
from melodystudio.tokens import glm
from melodystudio.tokens.compound import BAR, DUR, PITCH, POS
from melodystudio.tokens.heads import CASCADE
from tests.engine.conftest import scale_song

CASCADE_COLUMNS = [BAR, POS, DUR, PITCH]  # what a note is; KIND, METER and KEY ride along


def test_every_note_gets_finite_positive_bits(engine: MelodyEngine, song: Song) -> None:
    result = run_to_end(engine.score(song))
    assert [s.note for s in result.notes] == list(song.notes) and result.windows == 1
    for s in result.notes:
        assert all(math.isfinite(x) and x >= 0 for x in (s.kind, s.bar, s.pos, s.duration, s.pitch))
        assert s.onset == pytest.approx(s.bar + s.pos)
        assert s.total == pytest.approx(s.kind + s.onset + s.duration + s.pitch)
    assert result.mean_pitch_bits == pytest.approx(np.mean([s.pitch for s in result.notes]))
    assert 0 < result.mean_onset_bits < result.mean_total_bits


def test_bits_match_the_torch_model(torch_model_dir, song: Song) -> None:  # (MelodyGLM, Path)
    import torch

    model, directory = torch_model_dir
    engine = MelodyEngine.load(directory, provider="cpu", threads=1)
    tune = engine.tokenizer.encode(song).tokens.astype(np.int64)
    batch = glm.collate([glm.build_example(tune, [glm.continuation_span(tune, 0)], glm.n_bars_of(tune))])
    x, p1, p2, a, target = (torch.from_numpy(getattr(batch, k)) for k in ("inputs", "pos1", "pos2", "a_len", "target"))
    with torch.no_grad():
        h = model.hidden(x, p1, p2, a)[0, int(a[0]):]  # part B: START, notes
        logits = model.heads(h, target[0, int(a[0]):])
    expected = np.stack([torch.nn.functional.cross_entropy(lg, y.clamp(min=0), reduction="none").numpy()
                         for lg, y in zip(logits, target[0, int(a[0]):].unbind(1))], axis=1)[:len(tune)] / math.log(2)
    got = np.array([(s.kind, s.bar, s.pos, s.duration, s.pitch) for s in run_to_end(engine.score(song)).notes])
    assert got.shape == (len(song.notes), len(CASCADE))
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=0)


def test_a_long_song_is_scored_in_windows(engine: MelodyEngine) -> None:
    song = scale_song(bars=40)  # 160 notes: more than one window of the tiny model holds
    progress = []
    result = run_to_end(engine.score(song), progress.append)
    windows = context.score_windows(song, engine.tokenizer, engine.limits)
    assert result.windows == len(windows) > 1
    assert [s.note for s in result.notes] == list(song.notes)
    fractions = [p.fraction for p in progress]
    assert len(progress) == len(song.notes) and fractions == sorted(fractions) and fractions[-1] == 1.0


def test_later_windows_continue_from_the_notes_before(engine: MelodyEngine) -> None:
    song = scale_song(bars=40)  # 4 notes a bar
    per_window = min(engine.limits.max_notes, engine.limits.window_notes or engine.limits.max_notes)
    windows = context.score_windows(song, engine.tokenizer, engine.limits)
    assert windows[0].blank_bar == 0 and windows[0].skip == 0 and windows[0].first_note == 0
    scored = 0
    for w in windows:
        blank = glm.continuation_span(w.tokens, w.blank_bar)
        assert w.first_note == scored and len(w.tokens) <= per_window
        n_scored = len(w.tokens) - blank.start - w.skip
        assert n_scored >= 1
        # the window's notes are the song's: the prompt the notes before the scored ones
        first = w.first_note - w.skip - blank.start
        want = engine.tokenizer.encode(song, song.timeline.bar_at(song.notes[first].onset)).tokens
        np.testing.assert_array_equal(w.tokens[:, CASCADE_COLUMNS], want[:len(w.tokens), CASCADE_COLUMNS])
        scored += n_scored
    assert scored == len(song.notes)
    for w in windows[1:]:  # whole bars of up to half a window of the notes before
        prompt = glm.continuation_span(w.tokens, w.blank_bar).start
        assert w.blank_bar >= 1 and 0 < prompt <= per_window // 2 and prompt % 4 == 0


def test_a_later_window_matches_the_torch_model_continuing(torch_model_dir) -> None:  # (MelodyGLM, Path)
    import torch

    model, directory = torch_model_dir
    engine = MelodyEngine.load(directory, provider="cpu", threads=1)
    song = scale_song(bars=40)
    w = context.score_windows(song, engine.tokenizer, engine.limits)[1]
    span = glm.continuation_span(w.tokens, w.blank_bar)
    batch = glm.collate([glm.build_example(w.tokens, [span], glm.n_bars_of(w.tokens))])
    x, p1, p2, a, target = (torch.from_numpy(getattr(batch, k)) for k in ("inputs", "pos1", "pos2", "a_len", "target"))
    with torch.no_grad():
        h = model.hidden(x, p1, p2, a)[0, int(a[0]):]
        logits = model.heads(h, target[0, int(a[0]):])
    expected = np.stack([torch.nn.functional.cross_entropy(lg, y.clamp(min=0), reduction="none").numpy()
                         for lg, y in zip(logits, target[0, int(a[0]):].unbind(1))], axis=1) / math.log(2)
    n = len(w.tokens) - span.start - w.skip
    expected = expected[w.skip:w.skip + n]
    got = np.array([(s.kind, s.bar, s.pos, s.duration, s.pitch)
                    for s in run_to_end(engine.score(song)).notes[w.first_note:w.first_note + n]])
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=0)
