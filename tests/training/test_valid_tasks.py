"""Per-task validation losses: the same batches for every checkpoint, per-batch paired differences."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from melodystudio.training.config import load_config  # noqa: E402
from melodystudio.training.model import MelodyGLM  # noqa: E402
from melodystudio.training.train import load_data  # noqa: E402
from melodystudio.training.valid_tasks import fixed_batches, main, report  # noqa: E402

TINY = Path(__file__).resolve().parents[2] / "melodystudio" / "training" / "configs" / "tiny.toml"


def checkpoint(path: Path, seed: int) -> Path:
    cfg = load_config(TINY)
    tunes, _ = load_data(cfg)
    torch.manual_seed(seed)
    model = MelodyGLM(cfg.model.glm_config(tunes.tokenizer))
    torch.save({"model": model.state_dict(), "model_config": model.cfg.to_dict(), "step": 0}, path)
    return path


def test_batches_are_fixed_and_transposition_changes_them() -> None:
    cfg = load_config(TINY)
    a, b = fixed_batches(cfg, 2), fixed_batches(cfg, 2)
    assert list(a) == [("plain", "inpaint"), ("plain", "continuation"), ("plain", "ngram"), ("plain", "generate")]
    assert all(np.array_equal(x.inputs, y.inputs) for k in a for x, y in zip(a[k], b[k]))
    shifted = fixed_batches(cfg, 2, transpose=True)
    assert any(not np.array_equal(x.inputs, y.inputs) for k in a for x, y in zip(a[k], shifted[k]))


def test_per_batch_losses_average_to_the_reported_loss_and_pair_up(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    cfg = load_config(TINY)
    one, two = checkpoint(tmp_path / "a.pt", 0), checkpoint(tmp_path / "b.pt", 1)
    result = report(cfg, [one, two], 3)
    row = result[str(one)]["plain/inpaint"]
    assert len(row["per_batch_with"]) == 3 and row["with"] == pytest.approx(np.mean(row["per_batch_with"]))
    out = tmp_path / "r.json"
    main(["--config", str(TINY), "--checkpoint", str(one), "--checkpoint", str(two), "--batches", "3",
          "--per-batch", "--out", str(out)])
    printed = capsys.readouterr().out
    assert f"| checkpoint - {one} | set/task | difference (nats) | standard error | batches |" in printed
    d = np.array(result[str(two)]["plain/ngram"]["per_batch_with"]) - np.array(
        result[str(one)]["plain/ngram"]["per_batch_with"])
    assert f"| {two} | plain/ngram | {d.mean():+.4f} | {d.std(ddof=1) / np.sqrt(3):.4f} | 3 |" in printed
    assert "per_batch_with" in json.loads(out.read_text())[str(two)]["plain/ngram"]
