"""onnxruntime sessions and the KV-cache decoder that drives the exported encode and step graphs.

Provider choice: "auto" takes CUDA when onnxruntime offers 'CUDAExecutionProvider' (the
``onnxruntime-gpu`` package and an NVIDIA GPU are present), else the CPU; "cpu" and "cuda" force
one ("cuda" is an error when it is not available). ``$MELODYSTUDIO_PROVIDER`` replaces "auto",
so the CLI can be steered without a flag; an explicit "cpu" / "cuda" wins over it. The provider a
session actually got is reported as "CPU" or "CUDA".

Graph contract (see ``melodystudio.training.export``; export format 2)::

    encode  tokens (B, Ta, 7) int64, pos1 (B, Ta), pos2 (B, Ta) -> kv.0 .. kv.{2L-1}, each (B, nh, Ta, hs)
    step    tokens (B, 1, 7), pos1 (B, 1), pos2 (B, 1), past.0 .. past.{2L-1} (B, nh, P, hs)
            -> h (B, 1, d), present.0 .. present.{2L-1} (B, nh, P + 1, hs)

K of layer l is cache tensor 2l, V is 2l + 1. One tensor per layer (format 1 stacked them into one)
spares the step graph a split and a stack of the whole cache: 22% of a batch-4 int8 step.

A conditioned model's graphs take one more input, ``cond`` (B, Ta, C) / (B, 1, C) int64; the
decoder feeds zeros (nothing known) when a caller gives none.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import cast

import numpy as np
import onnxruntime as ort

from melodystudio.core.errors import MelodyStudioError
from melodystudio.engine.api import PROVIDER_CHOICES, PROVIDER_ENV
from melodystudio.engine.model_files import FIX_HINT, shown

_ORT_NAMES = {"cpu": "CPUExecutionProvider", "cuda": "CUDAExecutionProvider"}
_LABELS = {"CPUExecutionProvider": "CPU", "CUDAExecutionProvider": "CUDA"}
MAX_THREADS = 4  # beyond this a decoder of this size gains nothing and starves the GUI thread


def kv_names(prefix: str, n_kv: int) -> list[str]:
    """Names of the per-layer cache tensors of the graphs: ``prefix``.0 .. ``prefix``.{n_kv - 1}
    ('kv' out of encode, 'past' into step, 'present' out of step)."""
    return [f"{prefix}.{i}" for i in range(n_kv)]


def graph_inputs(n_kv: int, conditioned: bool) -> dict[str, list[str]]:
    """Input names of the encode and step graphs, in order, for a model with ``n_kv`` = 2 x layers
    cache tensors (training.export writes them, the engine checks them)."""
    extra = ["cond"] if conditioned else []
    return {"encode": ["tokens", "pos1", "pos2", *extra],
            "step": ["tokens", "pos1", "pos2", *kv_names("past", n_kv), *extra]}


def resolve_provider(requested: str = "auto") -> str:
    """'cpu' or 'cuda' for a request ('auto', 'cpu', 'cuda'); for 'auto', $MELODYSTUDIO_PROVIDER
    decides when it is set (an explicit 'cpu' / 'cuda' wins over the variable)."""
    choice, source = requested.strip().lower(), "provider"
    env = os.environ.get(PROVIDER_ENV, "").strip().lower()
    if choice == "auto" and env:
        choice, source = env, f"${PROVIDER_ENV}"
    if choice not in PROVIDER_CHOICES:
        raise MelodyStudioError(f"{source} '{choice}' is not one of {', '.join(PROVIDER_CHOICES)}")
    cuda_ok = _ORT_NAMES["cuda"] in ort.get_available_providers()
    if choice == "auto":
        return "cuda" if cuda_ok else "cpu"
    if choice == "cuda" and not cuda_ok:
        raise MelodyStudioError(f"{source} 'cuda' asks for the GPU, but onnxruntime has no CUDA provider here "
                                "(install the [gpu] extra, onnxruntime-gpu, on a machine with an NVIDIA GPU); "
                                "use 'cpu' or 'auto'")
    return choice


def default_threads() -> int:
    """Intra-op threads: 1 on a 2-core laptop, half the cores (at most MAX_THREADS) on bigger ones.

    One decoding step is a few small matrix products: on 2 shared cores a second thread made a
    step 2-3x slower (d=64 and d=256 models, batch 1 and 4; benchmarks/bench_engine.py), and the
    GUI and audio threads need a core of their own.
    """
    cores = os.cpu_count() or 1
    return 1 if cores <= 2 else min(cores // 2, MAX_THREADS)


def make_session(path: Path, provider: str, threads: int | None = None) -> ort.InferenceSession:
    """A session for one ONNX file on 'cpu' or 'cuda' (CPU kept as the fallback for unsupported ops)."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads or default_threads()
    opts.inter_op_num_threads = 1  # the graphs are a single chain: parallel branches do not exist
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3  # warnings about unused initialisers and fallbacks are not the user's concern
    # idle workers sleep instead of spinning between steps: the numpy heads and the GUI need those cores
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    providers = [_ORT_NAMES["cuda"], _ORT_NAMES["cpu"]] if provider == "cuda" else [_ORT_NAMES["cpu"]]
    if provider == "cuda":
        _preload_cuda_libraries()
    try:
        return ort.InferenceSession(str(path), opts, providers=providers)
    except Exception as e:  # onnxruntime raises its own exception types for bad protobufs
        first_line = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise MelodyStudioError(f"model file {shown(path)} is damaged (onnxruntime cannot load it: "
                                f"{first_line[:160]}); {FIX_HINT}") from None


def _preload_cuda_libraries() -> None:
    """Let onnxruntime-gpu find CUDA / cuDNN installed as pip packages (nvidia-*), once."""
    preload = getattr(ort, "preload_dlls", None)
    if preload is not None and not getattr(_preload_cuda_libraries, "done", False):
        try:
            preload()
        except Exception:  # libraries found another way still work; session creation reports the rest
            pass
        _preload_cuda_libraries.done = True  # type: ignore[attr-defined]


def provider_label(session: ort.InferenceSession) -> str:
    """'CPU' or 'CUDA': the provider that session actually runs on first."""
    name = session.get_providers()[0]
    return _LABELS.get(name, name.removesuffix("ExecutionProvider"))


class Decoder:
    """One generation's KV cache: encode part A once, then feed part-B tokens one step at a time.

    On CUDA the cache stays on the GPU between steps (IO binding); only the hidden state ``h``
    comes back to the host for the numpy heads. On the CPU plain numpy arrays are passed.
    """

    def __init__(self, encode: ort.InferenceSession, step: ort.InferenceSession, device: str | None = None) -> None:
        self._encode, self._step = encode, step
        self._device = device  # None: numpy arrays; "cuda" / "cpu": IO binding with OrtValues there
        self._past: list[np.ndarray] | list[ort.OrtValue] = []  # one per cache tensor (K, V of each layer)
        self._kv = [o.name for o in encode.get_outputs()]
        self._present = [o.name for o in step.get_outputs()][1:]
        self._past_names = kv_names("past", len(self._present))
        cond = [i for i in step.get_inputs() if i.name == "cond"]
        self.n_cond = int(cond[0].shape[-1]) if cond else 0  # condition columns the graphs take (0: none)

    def _with_cond(self, feed: dict[str, np.ndarray], cond: np.ndarray | None, shape: tuple[int, ...]) -> None:
        """Add the ``cond`` input (B, T, C) to a feed when the graphs take one (zeros when not given)."""
        if self.n_cond:
            feed["cond"] = np.zeros((*shape, self.n_cond), np.int64) if cond is None else cond.astype(np.int64)

    @classmethod
    def for_sessions(cls, encode: ort.InferenceSession, step: ort.InferenceSession) -> Decoder:
        """The decoder for these sessions: the cache on the GPU when they run on CUDA."""
        return cls(encode, step, "cuda" if provider_label(step) == "CUDA" else None)

    def start(self, tokens: np.ndarray, pos1: np.ndarray, pos2: np.ndarray, batch: int,
              cond: np.ndarray | None = None) -> None:
        """Encode part A, tokens (Ta, 7), pos1/pos2 (Ta,) and conditions (Ta, C) or None, and give
        each of ``batch`` rows a copy."""
        feed = {"tokens": tokens[None].astype(np.int64), "pos1": pos1[None].astype(np.int64),
                "pos2": pos2[None].astype(np.int64)}
        self._with_cond(feed, None if cond is None else cond[None], (1, len(tokens)))
        if self._device is None:
            kv = self._encode.run(self._kv, feed)  # each (1, nh, Ta, hs)
            self._past = [np.ascontiguousarray(np.repeat(k, batch, axis=0)) for k in kv]
            return
        # on the device: encode the tiled prompt so the cache is born there (encode runs once)
        binding = self._encode.io_binding()
        for name, value in feed.items():
            binding.bind_cpu_input(name, np.ascontiguousarray(np.repeat(value, batch, axis=0)))
        for name in self._kv:
            binding.bind_output(name, self._device, 0)
        self._encode.run_with_iobinding(binding)
        self._past = list(binding.get_outputs())

    def step(self, tokens: np.ndarray, pos1: np.ndarray, pos2: np.ndarray,
             cond: np.ndarray | None = None) -> np.ndarray:
        """tokens (B, 7), pos1 (B,), pos2 (B,) int, conditions (B, C) or None -> h (B, d) float32;
        the cache grows by one."""
        feed = {"tokens": tokens[:, None].astype(np.int64), "pos1": pos1[:, None].astype(np.int64),
                "pos2": pos2[:, None].astype(np.int64)}
        self._with_cond(feed, None if cond is None else cond[:, None], (len(tokens), 1))
        if self._device is None:
            h, *present = self._step.run(["h", *self._present], {**feed, **dict(zip(self._past_names, self._past))})
            self._past = present
            return h[:, 0]
        binding = self._step.io_binding()
        for name, value in feed.items():
            binding.bind_cpu_input(name, value)
        for name, past in zip(self._past_names, self._past):
            binding.bind_ortvalue_input(name, past)
        binding.bind_output("h", "cpu")
        for name in self._present:
            binding.bind_output(name, self._device, 0)
        self._step.run_with_iobinding(binding)
        h, *present = binding.get_outputs()
        self._past = present
        return h.numpy()[:, 0]

    def keep(self, rows: np.ndarray) -> None:
        """Keep only these batch rows (indices into the current batch): finished rows stop costing."""
        if self._device is None:
            self._past = [np.ascontiguousarray(p[rows]) for p in self._past]
            return
        device = self._device  # rare (once per finished row): a round trip through the host
        self._past = [ort.OrtValue.ortvalue_from_numpy(np.ascontiguousarray(p.numpy()[rows]), device, 0)
                      for p in cast(list[ort.OrtValue], self._past)]

    @property
    def cache_length(self) -> int:
        if not self._past:
            return 0
        first = self._past[0]
        shape = first.shape if isinstance(first, np.ndarray) else first.shape()
        return int(shape[2])

    def close(self) -> None:
        self._past = []
