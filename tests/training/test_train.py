from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from melodystudio.core.progress import run_to_end  # noqa: E402
from melodystudio.training.config import config_from_dict, load_config  # noqa: E402
from melodystudio.training.model import load_checkpoint  # noqa: E402
from melodystudio.training.train import Dist, evaluate, load_data, lr_at, make_samplers, train  # noqa: E402

CONFIGS = Path(__file__).parents[2] / "melodystudio" / "training" / "configs"


def test_shipped_configs_load() -> None:
    tiny, gpu = load_config(CONFIGS / "tiny.toml"), load_config(CONFIGS / "gpu_cond.toml")
    assert tiny.steps == 30 and tiny.model.d_model == 64
    assert (gpu.model.d_model, gpu.model.n_layers, gpu.model.n_heads) == (256, 6, 4) and gpu.minutes == 20.5
    melody_configs = [*CONFIGS.glob("gpu_*.toml"), *CONFIGS.glob("cpu_*.toml"), *CONFIGS.glob("ablations/*.toml")]
    assert len(melody_configs) >= 10
    for path in melody_configs:  # every melody config in the repository still reads
        load_config(path)


def test_config_typos_and_impossible_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown key"):
        config_from_dict({"step": 10})
    with pytest.raises(ValueError, match=r"\[model\]"):
        config_from_dict({"model": {"layers": 2}})
    with pytest.raises(ValueError, match="max_pos1"):
        config_from_dict({"max_notes": 400})


def test_learning_rate_warms_up_then_decays() -> None:
    cfg = config_from_dict({"steps": 100, "warmup_steps": 10, "lr": 1e-3, "min_lr": 1e-4})
    assert lr_at(0, cfg) == pytest.approx(1e-4) and lr_at(9, cfg) == pytest.approx(1e-3)
    assert lr_at(55, cfg) == pytest.approx(5.5e-4) and lr_at(100, cfg) == pytest.approx(1e-4)


def test_a_time_budget_ends_the_schedule_and_the_run(tmp_path: Path) -> None:
    cfg = config_from_dict({"steps": 100, "warmup_steps": 10, "lr": 1e-3, "min_lr": 1e-4})
    assert lr_at(20, cfg, time_frac=1.0) == pytest.approx(1e-4)  # the budget is spent: bottom of the cosine
    assert lr_at(20, cfg, time_frac=0.5) == pytest.approx(5.5e-4)  # half the time beats 11% of the steps
    assert lr_at(5, cfg, time_frac=0.9) == pytest.approx(6e-4)  # warm-up is counted in steps
    with pytest.raises(ValueError, match="minutes"):
        config_from_dict({"minutes": -1})
    with open(CONFIGS / "tiny.toml", "rb") as f:
        import tomllib

        raw = tomllib.load(f)
    # a budget far below one step's time: the run stops after its first step, evaluates and saves
    cfg = config_from_dict({**raw, "out_dir": str(tmp_path), "num_workers": 0, "minutes": 1e-9})
    run_to_end(train(cfg))
    log = (tmp_path / "train.log").read_text()
    assert "step 1 valid" in log and "after 1 steps" in log and "steps = 1, minutes = 0" in log
    assert load_checkpoint(tmp_path / "last.pt")[1]["step"] == 1


def test_tiny_model_learns_and_its_checkpoint_reloads(tmp_path: Path) -> None:
    with open(CONFIGS / "tiny.toml", "rb") as f:
        import tomllib

        raw = tomllib.load(f)
    cfg = config_from_dict({**raw, "out_dir": str(tmp_path), "num_workers": 0})
    tunes, lexicon = load_data(cfg)
    _, valid = make_samplers(cfg, tunes, lexicon, Dist())
    torch.manual_seed(cfg.seed)
    from melodystudio.training.model import MelodyGLM

    before = evaluate(MelodyGLM(cfg.model.glm_config(tunes.tokenizer)), valid, cfg, torch.device("cpu"))
    after = run_to_end(train(cfg))
    assert after["loss"] < 0.6 * before["loss"]
    assert all(after[k] < before[k] for k in ("kind", "bar", "pos", "dur", "pitch"))
    assert "step 30 valid" in (tmp_path / "train.log").read_text()

    model, ckpt = load_checkpoint(tmp_path / "last.pt")
    assert ckpt["step"] == 30 and model.cfg.d_model == 64
    assert config_from_dict(ckpt["train_config"]) == cfg
    again = evaluate(model, valid, cfg, torch.device("cpu"))
    assert again["loss"] == pytest.approx(after["loss"], rel=1e-5)
    assert np.isfinite(list(again.values())).all()


def test_the_conditioned_set_can_have_its_own_task_weights() -> None:
    from melodystudio.training.data import CondDropout, TuneSet
    from melodystudio.training.train import source_samplers
    from tests.training.test_glm_conditions import sung_tune

    tune, cond = sung_tune()
    cond_set = TuneSet.from_tunes([tune], {"train": np.array([0])}, conds=[cond], tune_source=np.array([0]),
                                  sources=("lyrics_melody",))
    cfg = config_from_dict({"tasks": {"generate": 0.15}, "conditioning": {"tasks": {"generate": 0.0}}})
    assert cfg.tasks.generate == 0.15  # the plain tunes keep the task
    sampler = source_samplers(cfg, cond_set, None, "train", Dist(), CondDropout())["lyrics_melody"]
    assert sampler.task_weights["generate"] == 0.0 and sampler.task_weights["inpaint"] == cfg.tasks.inpaint
    with pytest.raises(ValueError, match="unknown task"):
        config_from_dict({"conditioning": {"tasks": {"generation": 0.1}}})
