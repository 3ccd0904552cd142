"""Scoring: per-note surprisal left to right, equal to the torch model's teacher-forced NLL."""

from __future__ import annotations

import math

import numpy as np
import pytest

from melodystudio.core import Song
from melodystudio.core.progress import run_to_end
from melodystudio.engine.melody import MelodyEngine
from melodystudio.tokens import glm
from melodystudio.tokens.heads import CASCADE
from tests.engine.conftest import scale_song


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
    assert result.windows == math.ceil(len(song.notes) / engine.limits.max_notes)
    assert [s.note for s in result.notes] == list(song.notes)
    assert progress[-1].fraction == 1.0 and len(progress) == len(song.notes)
