"""Finding and checking the model: every damaged or missing piece is one clear line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import onnxruntime as ort
import pytest

from melodystudio.core.errors import MelodyStudioError
from melodystudio.engine import model_files
from melodystudio.engine.melody import MelodyEngine
from melodystudio.engine.model_files import file_sha256, find_model_dir, locate_model
from melodystudio.engine.runtime import resolve_provider

HINT = r"; reinstall MelodyStudio's models, or retrain and export one with 'python -m melodystudio\.training\.export"
CUDA = "CUDAExecutionProvider" in ort.get_available_providers()


@pytest.fixture
def copy(model_dir: Path, tmp_path: Path) -> Path:
    out = tmp_path / "melody"
    shutil.copytree(model_dir, out)
    return out


def _rewrite_manifest(directory: Path, change: dict) -> None:
    path = directory / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest.update(change)
    path.write_text(json.dumps(manifest))


def test_loads_on_the_cpu_and_says_so(model_dir: Path) -> None:
    engine = MelodyEngine.load(model_dir, provider="cpu", threads=1)
    assert engine.provider == "CPU" and engine.model_dir == model_dir
    assert engine.limits.window_bars == engine.files.tokenizer.max_bars - 1


def test_flipped_bytes_in_step_onnx(copy: Path) -> None:
    data = bytearray((copy / "step.onnx").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / "step.onnx").write_bytes(bytes(data))
    with pytest.raises(MelodyStudioError,
                       match=rf"^model file .*melody/step\.onnx is damaged \(checksum mismatch\){HINT}"):
        MelodyEngine.load(copy)


def test_deleted_heads(copy: Path) -> None:
    (copy / "heads.npz").unlink()
    with pytest.raises(MelodyStudioError, match=rf"^model file .*melody/heads\.npz is missing{HINT}"):
        MelodyEngine.load(copy)


def test_a_truncated_graph_with_a_matching_checksum(copy: Path) -> None:
    step = copy / "step.onnx"
    step.write_bytes(step.read_bytes()[:5000])
    _rewrite_manifest(copy, {"files": {**json.loads((copy / "manifest.json").read_text())["files"],
                                       "step.onnx": file_sha256(step)}})
    with pytest.raises(MelodyStudioError, match=r"^model file .*step\.onnx is damaged \(onnxruntime cannot load it"):
        MelodyEngine.load(copy, provider="cpu")


def test_a_damaged_heads_file_with_a_matching_checksum(copy: Path) -> None:
    heads = copy / "heads.npz"
    heads.write_bytes(b"not a zip file")
    _rewrite_manifest(copy, {"files": {**json.loads((copy / "manifest.json").read_text())["files"],
                                       "heads.npz": file_sha256(heads)}})
    with pytest.raises(MelodyStudioError,
                       match=rf"^model file .*heads\.npz is damaged \(not a weights archive\){HINT}"):
        MelodyEngine.load(copy, provider="cpu")


def test_an_incompatible_tokenizer(copy: Path) -> None:
    manifest = json.loads((copy / "manifest.json").read_text())
    _rewrite_manifest(copy, {"tokenizer": {**manifest["tokenizer"], "version": 2}})
    with pytest.raises(MelodyStudioError, match=r"^the model in .*melody uses tokenizer version 2; this MelodyStudio "
                                                r"uses version 1 \(update MelodyStudio or retrain the model\)$"):
        MelodyEngine.load(copy)


def test_a_broken_manifest(copy: Path) -> None:
    (copy / "manifest.json").write_text("{not json")
    with pytest.raises(MelodyStudioError, match=r"^model file .*manifest\.json is damaged \(not a MelodyStudio"):
        MelodyEngine.load(copy)
    (copy / "manifest.json").unlink()
    with pytest.raises(MelodyStudioError, match=r"^model file .*manifest\.json is missing"):
        MelodyEngine.load(copy)


def test_no_int8_graphs(model_dir: Path) -> None:
    with pytest.raises(MelodyStudioError, match="has no int8 graphs"):
        locate_model(model_dir, int8=True)


def test_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(MelodyStudioError, match=r"^no melody model found: model directory .*nowhere does not exist "
                                                r"\(pass --model DIR or set \$MELODYSTUDIO_MODELS"):
        MelodyEngine.load(tmp_path / "nowhere")


def test_search_order(copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MELODYSTUDIO_MODELS", str(copy.parent))  # a folder holding melody/
    assert find_model_dir() == copy
    monkeypatch.setenv("MELODYSTUDIO_MODELS", str(copy))  # the model directory itself
    assert find_model_dir() == copy
    assert find_model_dir(tmp_path) == tmp_path  # an explicit path wins
    monkeypatch.delenv("MELODYSTUDIO_MODELS")
    monkeypatch.setattr(model_files, "REPO_MODELS", tmp_path / "models")
    with pytest.raises(MelodyStudioError, match=r"^no melody model found: the default model directory"):
        find_model_dir()


def test_provider_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MELODYSTUDIO_PROVIDER", raising=False)
    assert resolve_provider("cpu") == "cpu"
    assert resolve_provider("auto") == ("cuda" if CUDA else "cpu")
    monkeypatch.setenv("MELODYSTUDIO_PROVIDER", "cpu")
    assert resolve_provider("auto") == "cpu"
    monkeypatch.setenv("MELODYSTUDIO_PROVIDER", "tpu")
    with pytest.raises(MelodyStudioError, match=r"^\$MELODYSTUDIO_PROVIDER 'tpu' is not one of auto, cpu, cuda$"):
        resolve_provider("auto")
    assert resolve_provider("cpu") == "cpu"  # an explicit choice wins over the variable


@pytest.mark.skipif(CUDA, reason="this onnxruntime has the CUDA provider")
def test_cuda_when_it_is_not_there(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MELODYSTUDIO_PROVIDER", raising=False)
    with pytest.raises(MelodyStudioError, match=r"^provider 'cuda' asks for the GPU, but onnxruntime has no CUDA"):
        MelodyEngine.load(model_dir, provider="cuda")


def test_condition_columns_must_be_the_ones_this_version_knows(cond_model_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "cond"
    shutil.copytree(cond_model_dir, out)
    assert locate_model(out).conditioned and locate_model(out).manifest["conditions"]["fields"][0] == "chord"
    _rewrite_manifest(out, {"conditions": {"version": 1, "fields": ["chord", "mood"], "sizes": [122, 4]}})
    with pytest.raises(MelodyStudioError, match="uses condition columns this MelodyStudio does not know"):
        locate_model(out)


def test_a_conditioned_manifest_over_unconditioned_graphs_is_refused(copy: Path) -> None:
    _rewrite_manifest(copy, {"conditions": {"version": 1, "fields": list(model_files.COND_FIELDS),
                                            "sizes": [1] * len(model_files.COND_FIELDS)}})
    with pytest.raises(MelodyStudioError, match="unexpected inputs"):
        MelodyEngine.load(copy)
