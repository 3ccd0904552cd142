"""Condition embeddings start at zero, reach the right places, and old checkpoints still load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from melodystudio.tokens import TokenizerConfig, conditions, glm  # noqa: E402
from melodystudio.tokens.heads import CASCADE  # noqa: E402
from melodystudio.training.model import GLMConfig, MelodyGLM, init_from_checkpoint, load_checkpoint  # noqa: E402
from tests.training.test_glm_conditions import sung_tune  # noqa: E402
from tests.training.test_model import tiny_model  # noqa: E402

FIELDS = ("inputs", "pos1", "pos2", "a_len", "target", "cond", "target_chord")


def tiny_conditioned_model(seed: int = 0, random_conditions: bool = True) -> MelodyGLM:
    """The tiny model with condition embeddings, random (not zero) so that conditions matter."""
    torch.manual_seed(seed)
    cfg = GLMConfig.from_tokenizer(TokenizerConfig(), conditions=True, d_model=32, n_layers=2, n_heads=4,
                                   dropout=0.0, max_pos1=40, max_pos2=40)
    model = MelodyGLM(cfg).eval()
    if random_conditions:
        with torch.no_grad():
            for emb in model.condition_embeddings():
                emb.weight.normal_(0.0, 0.5)
                emb.weight[0] = 0.0  # 'unknown' stays zero
            model.heads.pitch_prior.normal_(0.0, 0.5)
    return model


def _batch() -> dict[str, torch.Tensor]:
    tune, cond = sung_tune()
    batch = glm.collate([glm.build_example(tune, [glm.bar_range_span(tune, 2, 3)], n_bars=4, cond=cond)])
    return {k: torch.from_numpy(getattr(batch, k)) for k in FIELDS}


def _save(model: MelodyGLM, path: Path) -> None:
    torch.save({"model": model.state_dict(), "model_config": model.cfg.to_dict()}, path)


def test_fine_tuning_starts_exactly_at_the_unconditioned_model(tmp_path: Path) -> None:
    old = tiny_model(3)
    _save(old, tmp_path / "old.pt")
    new = tiny_conditioned_model(random_conditions=False)
    init_from_checkpoint(new, tmp_path / "old.pt")
    b = _batch()
    with torch.no_grad():
        before, _ = old(*(b[k] for k in FIELDS[:5]))
        after, _ = new(*(b[k] for k in FIELDS))
    assert float(after) == float(before)  # conditions given, but every condition embedding is zero


def test_an_old_checkpoint_loads_as_an_unconditioned_model(tmp_path: Path) -> None:
    old = tiny_model(4)
    config = old.cfg.to_dict()
    del config["cond_sizes"]  # written before conditions existed
    torch.save({"model": old.state_dict(), "model_config": config}, tmp_path / "old.pt")
    model, _ = load_checkpoint(tmp_path / "old.pt")
    assert not model.cfg.conditioned and model.cfg.cond_sizes == ()
    b = _batch()
    with torch.no_grad():
        kv = model.encode(b["inputs"][:, :6], b["pos1"][:, :6], b["pos2"][:, :6])  # the signature H3 and H4 use
    assert len(kv) == 4 and all(k.shape == (1, 4, 6, 8) for k in kv)


def test_a_checkpoint_of_another_size_is_refused(tmp_path: Path) -> None:
    _save(tiny_model(5), tmp_path / "old.pt")
    cfg = GLMConfig.from_tokenizer(TokenizerConfig(), conditions=True, d_model=64, n_layers=2, n_heads=4,
                                   max_pos1=40, max_pos2=40)
    with pytest.raises((ValueError, RuntimeError)):
        init_from_checkpoint(MelodyGLM(cfg), tmp_path / "old.pt")


def test_the_target_chord_reaches_only_the_pitch_head() -> None:
    model = tiny_conditioned_model(6)
    h = torch.randn(5, 32)
    chosen = torch.tensor([[1, 2, 0, 24, 67]] * 5)
    no_chord, c_major = torch.zeros(5, dtype=torch.long), torch.full((5,), 2)
    with torch.no_grad():
        for stage in range(len(CASCADE)):
            a = model.heads.logits(stage, h, chosen, no_chord)
            b = model.heads.logits(stage, h, chosen, c_major)
            assert a.shape == b.shape == (5, model.cfg.field_sizes[CASCADE[stage]])
            assert torch.equal(a, b) == (stage != len(CASCADE) - 1)
        assert torch.equal(model.heads.logits(4, h, chosen, no_chord), model.heads.logits(4, h, chosen, None))


def test_conditions_change_the_blank_but_not_what_part_a_cannot_see() -> None:
    model = tiny_conditioned_model(7)
    b = _batch()
    with torch.no_grad():
        h = model.hidden(b["inputs"], b["pos1"], b["pos2"], b["a_len"], b["cond"])
        hidden_lyrics = b["cond"].clone()
        hidden_lyrics[0, -2, conditions.TEXT] = 0  # the syllable the last note predicts
        h2 = model.hidden(b["inputs"], b["pos1"], b["pos2"], b["a_len"], hidden_lyrics)
        loss_with, _ = model(*(b[k] for k in FIELDS))
        loss_without, _ = model(*(b[k] for k in FIELDS[:5]))
    assert torch.equal(h[0, :-2], h2[0, :-2]) and not torch.allclose(h[0, -2], h2[0, -2])
    assert float(loss_with) != float(loss_without)
    assert np.isfinite(float(loss_with))


def test_the_chord_tone_prior_is_shared_by_every_root_and_octave() -> None:
    model = tiny_conditioned_model(8)
    index = model.heads.prior_index
    assert tuple(index.shape) == (conditions.COND_SIZES[conditions.CHORD], 128)
    c_major, a_minor = 2, 93  # CHORD values: class + 1 (C = root 0 maj; A = root 9, min = quality 1)
    assert index[c_major, [60, 64, 67, 72, 61]].tolist() == [0, 4, 7, 0, 1]  # quality 0 * 12 + interval
    assert index[a_minor, [69, 72, 76, 57]].tolist() == [12, 15, 19, 12]
    assert (index[:2] == conditions.N_PRIOR).all()  # unknown and no chord: the fixed zero
    h, chosen = torch.zeros(1, 32), torch.zeros(1, 4, dtype=torch.long)
    with torch.no_grad():
        model.heads.pitch_prior.zero_()
        model.heads.pitch_chord.weight.zero_()
        model.heads.pitch_prior[4] = 2.0  # major third above the root
        lift = model.heads.logits(4, h, chosen, torch.tensor([c_major])) - model.heads.logits(4, h, chosen, None)
    assert torch.nonzero(lift[0]).flatten().tolist() == [p for p in range(128) if p % 12 == 4]  # every E
