"""TFLite/LiteRT latency proof (issue 4): p50/p99 at batch 1 of tflite fp32/fp16/int8 artifacts against
ONNX Runtime fp32 (default session options), measured side by side in this one process. Not a test.

    python benchmarks/tflite_latency.py [--runs 300] [--rounds 5] [--out results.json]

Models: the quickstart digits CNN (trained here, seconds), MLPerf Tiny KWS (DS-CNN) and ResNet-8 float
models from ../shared/models/mlperf_tiny/. int8 calibrates on the digits train split for the digits CNN
and on seeded random inputs for the MLPerf models (latency only: no labelled data ships with them).
Runs are interleaved in rounds (every artifact once per round) so that load from other processes on
the machine hits all artifacts alike; ratios are against ONNX Runtime fp32 of the same model.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
from models import MODELS as MLPERF  # noqa: E402  ($EDGECOMPILE_MODELS or ../shared/models/mlperf_tiny)
TARGETS = [("onnxruntime", "fp32"), ("tflite", "fp32"), ("tflite", "fp16"), ("tflite", "int8")]


def build_all(src: str, calib: str, out: Path) -> dict[str, object]:
    from edgecompile.artifact import Artifact
    from edgecompile.driver import build

    arts = {}
    for backend, precisions in (("onnxruntime", ["fp32"]), ("tflite", ["fp32", "fp16", "int8"])):
        report = build(src, [backend], precisions, calib=calib, out=out, force=True)
        for r in report.results:
            if not r.ok:
                raise SystemExit(f"{src} {r.target} {r.precision}: {r.error}")
            arts[f"{r.backend}-{r.precision}"] = Artifact.open(r.path)
    return arts


def time_runs(runner, feed, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter_ns()
        runner.run(feed)
        out.append((time.perf_counter_ns() - t) / 1e3)
    return out


def measure(arts: dict, runs: int, rounds: int) -> dict[str, dict]:
    from edgecompile.core.graph import seeded_inputs
    from edgecompile.verify import encode

    first = next(iter(arts.values()))
    raw = seeded_inputs(_onnx_of(first), 1)[0]
    runners = {k: (a.load(), {s.name: encode(raw[s.name], s) for s in a.inputs}) for k, a in arts.items()}
    times = {k: [] for k in arts}
    for k, (r, f) in runners.items():
        time_runs(r, f, 50)  # warm-up: lazy init, XNNPACK packing, allocator
    for _ in range(rounds):
        for k, (r, f) in runners.items():
            times[k] += time_runs(r, f, runs)
    base = float(np.percentile(times["onnxruntime-fp32"], 50))
    out = {}
    for k, t in times.items():
        p50, p99 = float(np.percentile(t, 50)), float(np.percentile(t, 99))
        out[k] = {"p50_us": round(p50, 1), "p99_us": round(p99, 1), "p50_vs_ort_fp32": round(p50 / base, 2),
                  "size_bytes": arts[k].size_bytes()}
    return out


def _onnx_of(art):
    """The normalized graph is not in a tflite artifact; rebuild seeded inputs from the ORT one."""
    import onnx

    return onnx.load(str(art.file("model.onnx")))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=300, help="runs per artifact per round")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    from edgecompile.quickstart_model import train_digits_cnn

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        digits = train_digits_cnn(Path(tmp) / "digits", epochs=6).onnx_path
        models = {"digits_cnn": (str(digits), "digits"),
                  "kws_ds_cnn": (str(MLPERF / "kws_ref_model_float32.tflite"), "random"),
                  "resnet8": (str(MLPERF / "pretrainedResnet.tflite"), "random")}
        for name, (src, calib) in models.items():
            arts = build_all(src, calib, Path(tmp) / name)
            results[name] = measure(arts, args.runs, args.rounds)
            print(f"\n{name}  (batch 1, us; ratio = p50 / ONNX Runtime fp32 p50)")
            for k, m in results[name].items():
                print(f"  {k:18s} p50 {m['p50_us']:9.1f}  p99 {m['p99_us']:9.1f}  x{m['p50_vs_ort_fp32']:.2f}"
                      f"  {m['size_bytes']:>8d} B")
    from edgecompile.backends.tflite.runner import runtime_version

    results["_env"] = {"tflite_runtime": "%s %s" % runtime_version(), "runs": args.runs, "rounds": args.rounds}
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
