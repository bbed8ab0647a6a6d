"""Apply the int8 rewrites to a .tflite, keeping each only if the result is bit-exact.

Each rewrite changes how LiteRT/XNNPACK computes, never what: after it, the rewritten and the
previous flatbuffer run side by side in LiteRT's default (XNNPACK) interpreter on seeded inputs
and must give identical outputs, else that rewrite is dropped. The build's parity check against
the ONNX reference still runs on the result.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from edgecompile.backends.tflite.rewrite import global_pool_mean, single_channel_conv
from edgecompile.backends.tflite.rewrite.graph import Graph

REWRITES = (global_pool_mean, single_channel_conv)
SAMPLES = 8  # seeded inputs per check: random int8 feeds reach every rounding path of these small ops


def run_seeded(data: bytes, feeds: list[list[np.ndarray]] | None = None):
    """(feeds, outputs per feed) on LiteRT's default interpreter; feeds are drawn when not given."""
    from edgecompile.backends.tflite.runner import interpreter_class
    from edgecompile.core.quiet import quiet

    cls, _ = interpreter_class()
    with quiet():
        it = cls(model_content=data)
        it.allocate_tensors()
    ins, outs = it.get_input_details(), it.get_output_details()
    if feeds is None:
        rng = np.random.default_rng(0)
        feeds = [[_draw(rng, d) for d in ins] for _ in range(SAMPLES)]
    results = []
    for feed in feeds:
        for d, x in zip(ins, feed):
            it.set_tensor(d["index"], x)
        it.invoke()
        results.append([it.get_tensor(d["index"]) for d in outs])
    return feeds, results


def _draw(rng, d) -> np.ndarray:
    dtype = np.dtype(d["dtype"])
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max + 1, d["shape"], dtype=dtype)
    return rng.standard_normal(d["shape"]).astype(dtype)


def identical(a, b) -> bool:
    return all(x.shape == y.shape and x.dtype == y.dtype and np.array_equal(x, y) for x, y in zip(a, b))


def rewrite(path: Path) -> list[str]:
    """Rewrite the .tflite at `path` in place with every rewrite that applies and stays bit-exact;
    returns the names of those kept (in order)."""
    data = path.read_bytes()
    feeds, want = run_seeded(data)
    kept = []
    for r in REWRITES:
        try:
            g = Graph(data)
            if not r.apply(g):
                continue
            new = g.pack()
            _, got = run_seeded(new, feeds)
        # a graph the rewrite misreads, or one the runtime refuses: an optimization lost, not a failed build
        except (RuntimeError, ValueError, IndexError, KeyError, TypeError, AttributeError):
            continue
        if all(identical(a, b) for a, b in zip(want, got)):
            data = new
            kept.append(r.NAME)
    if kept:
        path.write_bytes(data)
    return kept
