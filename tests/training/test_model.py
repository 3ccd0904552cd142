from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from melodystudio.tokens import TokenizerConfig, glm  # noqa: E402
from melodystudio.training.model import GLMConfig, MelodyGLM, glm_mask  # noqa: E402


def tiny_model(seed: int = 0) -> MelodyGLM:
    torch.manual_seed(seed)
    cfg = GLMConfig.from_tokenizer(TokenizerConfig(), d_model=32, n_layers=2, n_heads=4, dropout=0.0,
                                   max_pos1=40, max_pos2=40)
    return MelodyGLM(cfg).eval()


def _tensors(batch: glm.Batch) -> tuple[torch.Tensor, ...]:
    return tuple(torch.from_numpy(getattr(batch, k)) for k in ("inputs", "pos1", "pos2", "a_len", "target"))


def test_mask_lets_part_a_see_part_a_and_part_b_see_its_past() -> None:
    m = glm_mask(torch.tensor([2]), 4)[0, 0].int().tolist()
    assert m == [[1, 1, 0, 0],
                 [1, 1, 0, 0],
                 [1, 1, 1, 0],
                 [1, 1, 1, 1]]


def test_part_b_never_leaks_into_part_a_or_earlier_blanks(tune: np.ndarray) -> None:
    model = tiny_model()
    ex = glm.build_example(tune, [glm.note_span(tune, 1, 3), glm.note_span(tune, 6, 8)], 5)
    x, p1, p2, a, _ = _tensors(glm.collate([ex]))
    h = model.hidden(x, p1, p2, a)
    changed = x.clone()
    changed[0, -1, 3] = 40  # another pitch for the last part-B token
    h2 = model.hidden(changed, p1, p2, a)
    assert torch.allclose(h[0, :-1], h2[0, :-1], atol=1e-6) and not torch.allclose(h[0, -1], h2[0, -1])
    changed = x.clone()
    changed[0, 1, 3] = 40  # a part-A note changes everything
    assert not torch.allclose(model.hidden(changed, p1, p2, a)[0, -1], h[0, -1])


def test_loss_sums_per_attribute_nll_at_part_b_only(tune: np.ndarray) -> None:
    model = tiny_model()
    ex = glm.build_example(tune, [glm.bar_range_span(tune, 1, 1)], 5)
    x, p1, p2, a, target = _tensors(glm.collate([ex]))
    loss, nll = model(x, p1, p2, a, target)
    assert list(nll) == ["kind", "bar", "pos", "dur", "pitch"]
    assert torch.isclose(loss, sum(nll.values()))
    assert abs(float(nll["kind"]) - np.log(6)) < 0.1  # untrained: about uniform over the 6 kinds


def test_cached_steps_reproduce_the_full_forward(tune: np.ndarray) -> None:
    model = tiny_model(1)
    ex = glm.build_example(tune, [glm.note_span(tune, 0, 2), glm.note_span(tune, 5, 9)], 5)
    x, p1, p2, a, _ = _tensors(glm.collate([ex]))
    n_a = int(a[0])
    with torch.no_grad():
        full = model.hidden(x, p1, p2, a)
        kv = model.encode(x[:, :n_a], p1[:, :n_a], p2[:, :n_a])
        steps = []
        for t in range(n_a, x.shape[1]):
            h, kv = model.step(x[:, t:t + 1], p1[:, t:t + 1], p2[:, t:t + 1], kv)
            steps.append(h)
    assert len(kv) == 4 and all(k.shape == (1, 4, x.shape[1], 8) for k in kv)  # K, V of 2 layers
    torch.testing.assert_close(torch.cat(steps, 1), full[:, n_a:], atol=1e-5, rtol=0)


def test_config_round_trips_through_a_dict() -> None:
    cfg = tiny_model().cfg
    assert GLMConfig.from_dict(cfg.to_dict()) == cfg
    assert TokenizerConfig.from_dict(cfg.tokenizer) == TokenizerConfig()
