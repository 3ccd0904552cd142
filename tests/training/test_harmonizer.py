"""The harmonizer model: padding does not leak between windows, and the ONNX graph matches torch."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")

from melodystudio.harmony.features import song_features  # noqa: E402
from melodystudio.tokens.glm import IGNORE  # noqa: E402
from melodystudio.training.harmonizer import Harmonizer, HarmonizerConfig  # noqa: E402
from melodystudio.training.harmonizer_data import WindowExample, collate, transposed  # noqa: E402
from melodystudio.training.harmonizer_export import export_graph  # noqa: E402
from melodystudio.training.harmonizer_train import to_torch  # noqa: E402
from melodystudio.training.model import GLMConfig  # noqa: E402
from tests.conftest import twinkle  # noqa: E402


def tiny() -> Harmonizer:
    torch.manual_seed(0)
    enc = GLMConfig(d_model=32, n_layers=1, n_heads=2, max_pos1=100, max_pos2=100).to_dict()
    return Harmonizer.build(HarmonizerConfig(encoder="scratch", hidden=16, encoder_config=enc)).eval()


def windows() -> list:
    song = twinkle()
    return [song_features(song, "beat")[0], song_features(song, "half-bar", 0, 1)[0]]


def test_a_padded_batch_gives_each_window_its_own_logits() -> None:
    model = tiny()
    ws = windows()
    batch = to_torch(collate([(w, np.zeros(len(w.segments), np.int64)) for w in ws]))
    batch.pop("target")
    with torch.no_grad():
        together = model(**batch)
        for k, w in enumerate(ws):
            alone = to_torch(collate([(w, np.zeros(len(w.segments), np.int64))]))
            alone.pop("target")
            s = len(w.segments)
            assert torch.allclose(model(**alone)[0], together[k, :s], atol=1e-5)


def test_onnx_graph_matches_torch(tmp_path: Path) -> None:
    model = tiny()
    path = tmp_path / "h.onnx"
    export_graph(model, path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for w in windows():  # different note and segment counts through the same graph
        feed = {"tokens": w.tokens[None], "pos1": w.pos1[None], "pool": w.pool[None], "profile": w.profile[None],
                "cats": w.cats[None]}
        (probs,) = session.run(["probs"], feed)
        t = to_torch(collate([(w, np.zeros(len(w.segments), np.int64))]))
        t.pop("target")
        with torch.no_grad():
            want = torch.softmax(model(**t), -1).numpy()
        assert probs.shape == (1, len(w.segments), 121)
        np.testing.assert_allclose(probs, want, atol=1e-5)


def test_transposition_moves_notes_keys_profiles_and_chords_together() -> None:
    w = windows()[1]
    target = np.array([1, 51, IGNORE, 71] + [IGNORE] * (len(w.segments) - 4))  # C, F, -, G
    moved, moved_target = transposed(WindowExample(w, target, 0, 0), 2)
    assert moved.tokens[1:, 3].tolist() == (w.tokens[1:, 3] + 2).tolist() and moved.tokens[0, 3] == 0
    assert moved.cats[0, 0] == 2 and w.cats[0, 0] == 0  # C major -> D major
    np.testing.assert_array_equal(moved.profile[:, 2], w.profile[:, 0])
    assert moved_target[:4].tolist() == [21, 71, IGNORE, 91]  # D, G, -, A


def test_loss_ignores_segments_without_a_chord() -> None:
    model = tiny()
    logits = torch.zeros(1, 3, 121)
    logits[0, 0, 5] = 10.0
    # only segment 0 counts: -log softmax = log(1 + 120 e^-10); the two ignored rows would add log(121) each
    loss = model.loss(logits, torch.tensor([[5, IGNORE, IGNORE]])).item()
    assert loss == pytest.approx(math.log1p(120 * math.exp(-10)), rel=1e-3)  # float32


def test_cached_frozen_states_give_the_same_logits_and_only_the_tuned_block_trains() -> None:
    from melodystudio.training.model import MelodyGLM

    torch.manual_seed(1)
    enc = MelodyGLM(GLMConfig(d_model=32, n_layers=2, n_heads=2, max_pos1=100, max_pos2=100, dropout=0.0))
    model = Harmonizer(HarmonizerConfig(encoder="pretrained", tune_layers=1, hidden=16,
                                        encoder_config=enc.cfg.to_dict()), enc).eval()
    trained = {".".join(n.split(".")[:2]) for n, p in model.encoder.named_parameters() if p.requires_grad}
    assert trained == {"blocks.1", "ln_f.weight", "ln_f.bias"}
    batch = to_torch(collate([(w, np.zeros(len(w.segments), np.int64)) for w in windows()]))
    batch.pop("target")
    with torch.no_grad():
        states = model.frozen_states(batch["tokens"], batch["pos1"], batch["lengths"])
        cached = model(**batch, states=states)
        direct = model(**batch)
        full = model.encoder.hidden(batch["tokens"], batch["pos1"], torch.zeros_like(batch["pos1"]), batch["lengths"])
        assert torch.allclose(model.trained_states(states, batch["lengths"]), full, atol=1e-5)
    assert torch.allclose(cached, direct, atol=1e-6)


def test_batches_follow_the_source_weights_and_transpose_targets_with_notes() -> None:
    from melodystudio.training.harmonizer_data import draw_batch

    beat, half = windows()
    a = WindowExample(beat, np.full(len(beat.segments), 1), 0, 0)  # every beat: C major
    b = WindowExample(half, np.full(len(half.segments), 1), 1, 0)
    groups = {"pop909": {"beat": [a]}, "openewld": {"half-bar": [b]}}
    rng = np.random.default_rng(0)
    batch = draw_batch(groups, rng, 8, {"beat": 1.0, "half-bar": 1.0}, {"pop909": 0.0, "openewld": 1.0})
    assert batch.seg_lengths.tolist() == [len(half.segments)] * 8
    shifts = (batch.tokens[:, 1, 3] - half.tokens[1, 3]).tolist()  # first note's pitch moved by the shift
    assert len(set(shifts)) > 1 and all(-5 <= k <= 6 for k in shifts)
    roots = [(t[0] - 1) // 10 for t in batch.target]
    assert roots == [k % 12 for k in shifts]  # C moved with the melody
