"""Streaming per-tensor statistics from one ONNX Runtime pass over the fp32 graph.

Each float activation keeps min, max and a fixed-size signed histogram over [-R, R]. R starts at
the first sample's magnitude rounded up to a power of two and doubles when a later sample is
larger; doubling merges bin pairs exactly, so memory stays O(tensors x BINS) for any number of
samples, and the result does not depend on how samples are batched.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

BINS = 2048  # divisible by 4: a doubled range maps old bin pairs onto the middle half exactly
TINY = 2.0 ** -24  # smallest starting range (all-zero tensors)


@dataclass
class TensorStats:
    lo: float = np.inf
    hi: float = -np.inf
    radius: float = 0.0  # histogram covers [-radius, radius]
    hist: np.ndarray | None = None  # int64[BINS]
    count: int = 0

    def _grow(self, m: float) -> None:
        while m > self.radius:
            merged = self.hist.reshape(-1, 2).sum(1)
            pad = np.zeros(BINS // 4, np.int64)
            self.hist = np.concatenate([pad, merged, pad])
            self.radius *= 2

    def update(self, x: np.ndarray) -> None:
        x = np.asarray(x, dtype=np.float32).ravel()
        x = x[np.isfinite(x)]
        if not x.size:
            return
        lo, hi = float(x.min()), float(x.max())
        self.lo, self.hi, self.count = min(self.lo, lo), max(self.hi, hi), self.count + x.size
        m = max(abs(lo), abs(hi))
        if self.hist is None:
            self.radius = max(TINY, 2.0 ** np.ceil(np.log2(m))) if m > 0 else TINY
            self.hist = np.zeros(BINS, np.int64)
        self._grow(m)
        idx = np.floor((x.astype(np.float64) + self.radius) * (BINS / (2 * self.radius))).astype(np.int64)
        self.hist += np.bincount(np.clip(idx, 0, BINS - 1), minlength=BINS)

    @property
    def edges(self) -> np.ndarray:
        return np.linspace(-self.radius, self.radius, BINS + 1)


def float_tensors(model) -> list[str]:
    """Graph inputs and node outputs that are float32 activations (initializers and constants excluded)."""
    import onnx

    inferred = onnx.shape_inference.infer_shapes(model)
    types = {vi.name: vi.type.tensor_type.elem_type for vi in
             list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output)}
    inits = {t.name for t in model.graph.initializer}
    names = [vi.name for vi in model.graph.input if vi.name not in inits]
    for node in model.graph.node:
        if node.op_type == "Constant":
            continue
        names.extend(o for o in node.output if o)
    seen, out = set(), []
    for n in names:
        if n not in seen and types.get(n) == onnx.TensorProto.FLOAT:
            seen.add(n)
            out.append(n)
    return out


def exposed_session(model, names: list[str]):
    """An ORT session (no graph optimization, so every tensor survives) returning `names`."""
    import onnx
    import onnxruntime as ort

    m = onnx.ModelProto()
    m.CopyFrom(model)
    present = {o.name for o in m.graph.output}
    for n in names:
        if n not in present:
            m.graph.output.append(onnx.helper.make_empty_tensor_value_info(n))
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(m.SerializeToString(), opts, providers=["CPUExecutionProvider"])


def collect(model, feeds: Iterable[dict[str, np.ndarray]]) -> dict[str, TensorStats]:
    """One pass: every feed runs once; only the statistics are kept."""
    names = float_tensors(model)
    sess = exposed_session(model, names)
    stats = {n: TensorStats() for n in names}
    for feed in feeds:
        for n, y in zip(names, sess.run(names, feed)):
            stats[n].update(y)
    return stats


def save_stats(stats: dict[str, TensorStats], path) -> None:
    names = sorted(stats)
    np.savez(path, names=np.array(names), lo=np.array([stats[n].lo for n in names]),
             hi=np.array([stats[n].hi for n in names]), radius=np.array([stats[n].radius for n in names]),
             count=np.array([stats[n].count for n in names], np.int64),
             hist=np.stack([stats[n].hist if stats[n].hist is not None else np.zeros(BINS, np.int64) for n in names])
             if names else np.zeros((0, BINS), np.int64))


def load_stats(path) -> dict[str, TensorStats]:
    with np.load(path, allow_pickle=False) as z:
        return {str(n): TensorStats(float(lo), float(hi), float(r), h.astype(np.int64), int(c))
                for n, lo, hi, r, h, c in zip(z["names"], z["lo"], z["hi"], z["radius"], z["hist"], z["count"])}
