"""What each int8 XNNPACK rewrite gives: LiteRT (default settings, XNNPACK) on the original MLPerf Tiny
int8 file and on it with each rewrite alone and all together, plus the same at 1 and 2 threads,
in one interleaved run (batch 1, set_tensor/invoke/get_tensor, p50). Not a test.

    python benchmarks/tflite_rewrites.py [--files kws_ref_model.tflite,...] [--runs 4000] [--repeats 3]
"""
from __future__ import annotations

import argparse
import json

import numpy as np

from fastest_artifact import MLPERF, interpreter_call


def variants(src_bytes: bytes) -> dict[str, bytes]:
    """{name: flatbuffer}: the original, each rewrite alone (if it applies and stays exact), all kept."""
    import tempfile
    from pathlib import Path

    from edgecompile.backends.tflite.rewrite import pipeline
    from edgecompile.backends.tflite.rewrite.graph import Graph

    out = {"original": src_bytes}
    feeds, want = pipeline.run_seeded(src_bytes)
    for r in pipeline.REWRITES:
        g = Graph(src_bytes)
        if r.apply(g):
            new = g.pack()
            exact = all(pipeline.identical(a, b) for a, b in zip(want, pipeline.run_seeded(new, feeds)[1]))
            out[f"{r.NAME}{'' if exact else ' (NOT exact: never kept)'}"] = new
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.tflite"
        path.write_bytes(src_bytes)
        if pipeline.rewrite(path):
            out["all kept"] = path.read_bytes()
    return out


def make(data: bytes, threads: int | None):
    from edgecompile.backends.tflite.runner import interpreter_class
    from edgecompile.core.quiet import quiet

    kwargs = {"model_content": data, **({"num_threads": threads} if threads else {})}
    with quiet():
        it = interpreter_class()[0](**kwargs)
        it.allocate_tensors()
    d = it.get_input_details()[0]
    return interpreter_call(it, np.zeros(d["shape"], d["dtype"]))


def main() -> None:
    from edgecompile.bench.interleave import interleaved

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", default="kws_ref_model.tflite,pretrainedResnet_quant.tflite")
    ap.add_argument("--runs", type=int, default=4000)
    ap.add_argument("--repeats", type=int, default=3, help="independent interleaved runs, to see the spread")
    a = ap.parse_args()
    for f in a.files.split(","):
        calls = {}
        for name, data in variants((MLPERF / f).read_bytes()).items():
            for threads in (None, 1, 2):
                calls[f"{name} threads={threads or 'default'}"] = make(data, threads)
        for rep in range(a.repeats):
            lat = {k: v["p50"] for k, v in interleaved(calls, runs=a.runs, rounds=40).items()}
            base = lat["original threads=default"]
            print(json.dumps({"file": f, "repeat": rep, "p50_us": {k: round(v, 2) for k, v in lat.items()},
                              "speedup_vs_stock": {k: round(base / v, 3) for k, v in lat.items()}}), flush=True)


if __name__ == "__main__":
    main()
