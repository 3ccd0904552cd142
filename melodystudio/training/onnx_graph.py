"""The encode and step graphs written node by node from a MelodyGLM's weights (the default export).

Same contract as the torch exporter's graphs (``engine.runtime``: names, shapes, cache layout), far
fewer nodes. A decoding step of this small model costs more in onnxruntime's per-node overhead than
in arithmetic: the torch export spends ~70 nodes a layer on reshapes, transposes, slices and the
cache concatenation around attention. Here each layer is

    LayerNormalization -> MatMul (Q|K|V) -> Split -> MultiHeadAttention (com.microsoft; appends the
    new K/V to the past ones itself) -> MatMul + Add (residual) -> LayerNormalization -> MatMul ->
    FastGelu (tanh GELU with its bias) -> MatMul + Add (bias) + Add (residual)

and onnxruntime fuses the rest (bias adds into the matrix products, residual adds into
SkipLayerNormalization). The input embedding is one Gather from a table stacking every field's,
position's and condition's embedding, indexed by the inputs (capped at each column's vocabulary)
plus each column's offset, and summed over the columns. All of it is checked against the torch
model (tests/training/test_export*.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from melodystudio.engine.runtime import graph_inputs, kv_names

MS_DOMAIN = "com.microsoft"  # onnxruntime's contrib operators: MultiHeadAttention, FastGelu
LN_EPS = 1e-5  # torch.nn.LayerNorm's default


class _Graph:
    """Nodes and initialisers of one graph, with unique value names."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.weights = weights
        self.nodes: list[onnx.NodeProto] = []
        self.inits: dict[str, onnx.TensorProto] = {}
        self._n = 0

    def const(self, name: str, value: np.ndarray) -> str:
        if name not in self.inits:
            self.inits[name] = numpy_helper.from_array(np.ascontiguousarray(value), name)
        return name

    def w(self, key: str, transpose: bool = False) -> str:
        """A float32 weight of the state dict (Linear weights transposed to (in, out) for MatMul)."""
        value = self.weights[key].astype(np.float32)
        return self.const(key + (".T" if transpose else ""), value.T if transpose else value)

    def op(self, op_type: str, inputs: list[str], outputs: int | list[str] = 1, domain: str = "",
           **attrs: Any) -> list[str]:
        names = outputs if isinstance(outputs, list) else [f"{op_type.lower()}_{self._n}_{i}" for i in range(outputs)]
        self._n += 1
        self.nodes.append(helper.make_node(op_type, inputs, names, domain=domain or None, **attrs))
        return names

    def one(self, op_type: str, inputs: list[str], domain: str = "", **attrs: Any) -> str:
        return self.op(op_type, inputs, 1, domain, **attrs)[0]

    def layer_norm(self, x: str, key: str, out: str | None = None) -> str:
        outputs = [out] if out else 1
        return self.op("LayerNormalization", [x, self.w(f"{key}.weight"), self.w(f"{key}.bias")], outputs,
                       axis=-1, epsilon=LN_EPS)[0]

    def linear(self, x: str, key: str) -> str:
        """x @ W.T + b of an nn.Linear (the bias add fuses into the product)."""
        return self.one("Add", [self.one("MatMul", [x, self.w(f"{key}.weight", True)]), self.w(f"{key}.bias")])


def table_keys(cfg: Any, conditioned: bool) -> list[str]:
    """State-dict names of the embeddings stacked into the graphs' one table ("embed.table"), in order."""
    keys = [f"embed.fields.{f}.weight" for f in range(len(cfg.field_sizes))]
    keys += ["embed.pos1.weight", "embed.pos2.weight"]
    if conditioned:
        keys += [f"embed.conds.{c}.weight" for c in range(len(cfg.cond_sizes))]
    return keys


def _embedding(g: _Graph, cfg: Any, conditioned: bool) -> str:
    """Sum of every column's embedding -> (B, T, d): one table, one Gather, one ReduceSum."""
    tables = [g.weights[k] for k in table_keys(cfg, conditioned)]
    columns = ["tokens", g.one("Unsqueeze", ["pos1", g.const("axis_last", np.array([-1], np.int64))]),
               g.one("Unsqueeze", ["pos2", "axis_last"])]
    if conditioned:
        columns.append("cond")
    sizes = np.array([len(t) for t in tables], np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes[:-1])])  # first row of each column's table
    # a value past its column's vocabulary takes the column's last row (as tokens.conditions caps them)
    # rather than a row of the next column's table
    capped = g.one("Min", [g.one("Concat", columns, axis=-1), g.const("embed.last_rows", sizes - 1)])
    index = g.one("Add", [capped, g.const("embed.offsets", offsets)])  # (B, T, columns)
    table = g.const("embed.table", np.concatenate(tables).astype(np.float32))
    rows = g.one("Gather", [table, index], axis=0)  # (B, T, columns, d)
    return g.one("ReduceSum", [rows, g.const("axis_columns", np.array([2], np.int64))], keepdims=0)


def _block(g: _Graph, x: str, layer: int, n_heads: int, past: tuple[str, str] | None,
           present: tuple[str, str], last: bool) -> str:
    """One pre-LayerNorm block; writes this layer's K/V (with ``past`` before them) to ``present``.
    ``last`` with no later use of x (encode's last layer): only its K/V are built."""
    key = f"blocks.{layer}"
    qkv = g.one("MatMul", [g.layer_norm(x, f"{key}.ln1"), g.w(f"{key}.attn.qkv.weight", True)])
    q, k, v = g.op("Split", [qkv], 3, axis=-1, num_outputs=3)
    past_inputs = ["", "", *past] if past else []  # key_padding_mask and attention_bias: none
    y = g.op("MultiHeadAttention", [q, k, v, g.w(f"{key}.attn.qkv.bias"), *past_inputs],
             ["attn_" + str(layer), *present], domain=MS_DOMAIN, num_heads=n_heads)[0]
    if last:
        return x
    x = g.one("Add", [x, g.linear(y, f"{key}.attn.proj")])
    hidden = g.one("MatMul", [g.layer_norm(x, f"{key}.ln2"), g.w(f"{key}.mlp.fc.weight", True)])
    hidden = g.one("FastGelu", [hidden, g.w(f"{key}.mlp.fc.bias")], domain=MS_DOMAIN)
    return g.one("Add", [x, g.linear(hidden, f"{key}.mlp.proj")])


def _value(name: str, elem: int, shape: list[int | str]) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, elem, shape)


def _model(g: _Graph, name: str, inputs: list[onnx.ValueInfoProto], outputs: list[onnx.ValueInfoProto],
           opset: int) -> onnx.ModelProto:
    graph = helper.make_graph(g.nodes, name, inputs, outputs, initializer=list(g.inits.values()))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset), helper.make_opsetid(MS_DOMAIN, 1)],
                              producer_name="melodystudio")
    onnx.checker.check_model(model)
    return model


def _input_values(names: list[str], cfg: Any, time: int | str) -> list[onnx.ValueInfoProto]:
    hs = cfg.d_model // cfg.n_heads
    shapes: dict[str, list[int | str]] = {"tokens": ["batch", time, len(cfg.field_sizes)], "pos1": ["batch", time],
                                          "pos2": ["batch", time], "cond": ["batch", time, len(cfg.cond_sizes)]}
    return [_value(n, TensorProto.FLOAT, ["batch", cfg.n_heads, "past", hs]) if n.startswith("past.")
            else _value(n, TensorProto.INT64, shapes[n]) for n in names]


def build_graphs(cfg: Any, state: dict[str, np.ndarray], opset: int) -> tuple[onnx.ModelProto, onnx.ModelProto]:
    """(encode, step) ONNX models for a ``GLMConfig`` and its float32 state dict (numpy arrays)."""
    n_kv, hs = 2 * cfg.n_layers, cfg.d_model // cfg.n_heads
    names = graph_inputs(n_kv, cfg.conditioned)

    enc = _Graph(state)
    x, kv = _embedding(enc, cfg, cfg.conditioned), kv_names("kv", n_kv)
    for layer in range(cfg.n_layers):
        x = _block(enc, x, layer, cfg.n_heads, None, (kv[2 * layer], kv[2 * layer + 1]), layer == cfg.n_layers - 1)
    encode = _model(enc, "encode", _input_values(names["encode"], cfg, "a_len"),
                    [_value(n, TensorProto.FLOAT, ["batch", cfg.n_heads, "a_len", hs]) for n in kv], opset)

    stp = _Graph(state)
    x, past, present = _embedding(stp, cfg, cfg.conditioned), kv_names("past", n_kv), kv_names("present", n_kv)
    for layer in range(cfg.n_layers):
        x = _block(stp, x, layer, cfg.n_heads, (past[2 * layer], past[2 * layer + 1]),
                   (present[2 * layer], present[2 * layer + 1]), False)
    stp.layer_norm(x, "ln_f", "h")
    step = _model(stp, "step", _input_values(names["step"], cfg, 1),
                  [_value("h", TensorProto.FLOAT, ["batch", 1, cfg.d_model]),
                   *(_value(n, TensorProto.FLOAT, ["batch", cfg.n_heads, "present", hs]) for n in present)], opset)
    return encode, step
