"""DistributedDataParallel under torchrun: two CPU ranks (gloo) train, stop together and save once."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from melodystudio.training.model import load_checkpoint  # noqa: E402

ROOT = Path(__file__).parents[2]


@pytest.mark.slow
def test_two_ranks_share_a_time_budget_and_rank_0_saves(tmp_path: Path) -> None:
    tiny = (ROOT / "melodystudio" / "training" / "configs" / "tiny.toml").read_text()
    # a wall-clock budget ends the run: each rank reads rank 0's clock, so both stop at one step
    # (a rank that stopped alone would leave the other waiting in an all-reduce forever)
    text = re.sub(r"(?m)^out_dir = .*$", f"out_dir = {json.dumps(str(tmp_path / 'run'))}", tiny)
    text = re.sub(r"(?m)^steps = .*$", "steps = 100000\nminutes = 0.1\nthreads = 1", text)
    text = re.sub(r"(?m)^eval_interval = .*$", "eval_interval = 100000", text)
    config = tmp_path / "ddp.toml"
    config.write_text(text)
    raw = tomllib.loads(text)
    assert (raw["minutes"], raw["steps"]) == (0.1, 100000)
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                           "-m", "melodystudio.training.train", "--config", str(config)],
                          cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    log = (tmp_path / "run" / "train.log").read_text()
    assert "x2;" in log  # the model line: two ranks
    assert log.count("time budget of 0.1 min spent") == 1  # rank 0 alone logs
    steps = int(log.split("time budget of 0.1 min spent after ")[1].split()[0])
    assert steps > 0 and f"step {steps} valid" in log
    model, ckpt = load_checkpoint(tmp_path / "run" / "last.pt")
    assert ckpt["step"] == steps and model.cfg.d_model == raw["model"]["d_model"]
