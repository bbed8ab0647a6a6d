"""TensorRT engine latency (issue 13): p50/p99 per artifact and batch size, on the GPU machine. Not a test.

    python benchmarks/tensorrt_latency.py ARTIFACT... [--batches 1,8,64] [--runs 200] [--out results.json]

Each ARTIFACT is a tensorrt artifact finished with `edgecompile device-build` (it holds model.engine).
Inputs are seeded random tensors; each timed call includes host->device and device->host copies
(Polygraphy's TrtRunner.infer), as an application would see it. Batch sizes outside an engine's
optimization profile (or any but its fixed batch) are reported as skipped.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np


def measure(artifact, batch: int, runs: int, warmup: int = 20) -> dict:
    from edgecompile.artifact import Artifact

    art = Artifact.open(artifact)
    profile = art.manifest["backend_details"]["engine_config"].get("profile")
    fixed = art.inputs[0].shape[0]
    lo, hi = (profile[art.inputs[0].name][0][0], profile[art.inputs[0].name][2][0]) if profile else (fixed, fixed)
    if not lo <= batch <= hi:
        return {"batch": batch, "skipped": f"outside the engine's batch range {lo}..{hi}"}
    runner = art.load()
    if type(runner).__name__ != "EngineRunner":
        raise SystemExit(f"{artifact}: no engine here; run `edgecompile device-build {artifact}` first")
    rng = np.random.default_rng(0)
    feed = {s.name: rng.standard_normal([batch, *s.shape[1:]]).astype(s.dtype) for s in art.inputs}
    for _ in range(warmup):
        runner.run(feed)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        runner.run(feed)
        times.append((time.perf_counter() - t0) * 1e3)
    p50, p99 = np.percentile(times, [50, 99])
    return {"batch": batch, "p50_ms": float(p50), "p99_ms": float(p99), "inferences_per_s": batch * 1e3 / float(p50)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("artifacts", nargs="+")
    ap.add_argument("--batches", default="1,8,64")
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--out")
    args = ap.parse_args()
    rows = []
    for path in args.artifacts:
        from edgecompile.artifact import Artifact

        art = Artifact.open(path)
        engine = art.manifest["backend_details"]["engine"]
        if not isinstance(engine, dict):
            raise SystemExit(f"{path}: engine {engine}; run `edgecompile device-build {path}` on the GPU machine first")
        for b in (int(x) for x in args.batches.split(",")):
            row = {"artifact": path, "precision": art.precision, "gpu": engine.get("gpu"), **measure(path, b, args.runs)}
            rows.append(row)
            shown = (f"p50 {row['p50_ms']:.3f} ms  p99 {row['p99_ms']:.3f} ms  {row['inferences_per_s']:.0f} inf/s"
                     if "p50_ms" in row else row["skipped"])
            print(f"{art.precision:5s} batch {b:3d}: {shown}", flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
