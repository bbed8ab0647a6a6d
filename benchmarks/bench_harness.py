"""Issue 14 proof: what `edgecompile bench` costs and what its LoadGen scenarios report. Not a test.

    python benchmarks/bench_harness.py [--runs 2000] [--rounds 5] [--duration 5] [--out r.json] [--skip-loadgen]

1. Harness overhead: bench's p50 (the host runner: a fresh process, the artifact's Runner) against a
   bare ONNX Runtime loop in one process (InferenceSession.run on the artifact's model.onnx, same
   input, same runs), interleaved round by round so that load from other processes hits both alike;
   the figure kept is the median over rounds. The bare loop runs in a fresh process too (one that
   imports only numpy and onnxruntime), so both sides start alike. Models: the quickstart digits
   CNN (trained here) and MLPerf Tiny ResNet-8 (pretrainedResnet.tflite from $EDGECOMPILE_MODELS or
   ../shared/models/mlperf_tiny, imported by tf2onnx).
2. MLPerf LoadGen on ResNet-8, onnxruntime fp32 and tflite fp32: SingleStream, Offline, then Server
   at half the Offline rate, each for --duration seconds; LoadGen's summary lines are printed.
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from models import MODELS  # noqa: E402  ($EDGECOMPILE_MODELS or ../shared/models/mlperf_tiny)

RESNET = MODELS / "pretrainedResnet.tflite"


BARE = """
import sys, time, numpy as np, onnxruntime as ort
opts = ort.SessionOptions()
opts.log_severity_level = 3
sess = ort.InferenceSession(sys.argv[1], opts, providers=["CPUExecutionProvider"])
feeds = dict(np.load(sys.argv[2]))
runs, warmup = int(sys.argv[3]), int(sys.argv[4])
for _ in range(warmup):
    sess.run(None, feeds)
times = []
for _ in range(runs):
    t = time.perf_counter()
    sess.run(None, feeds)
    times.append(time.perf_counter() - t)
print(float(np.median(times)) * 1e3)
"""


def bare_p50(model_path: Path, feeds: dict, runs: int, warmup: int) -> float:
    """p50 of a bare ONNX Runtime loop in a fresh process that imports nothing else (this script's
    process has torch and TensorFlow loaded, which would not be a fair baseline)."""
    import subprocess
    import sys

    with tempfile.TemporaryDirectory() as d:
        np.savez(Path(d) / "feeds.npz", **feeds)
        out = subprocess.run([sys.executable, "-c", BARE, str(model_path), str(Path(d) / "feeds.npz"), str(runs),
                              str(warmup)], capture_output=True, text=True, check=True).stdout
    return float(out.strip().splitlines()[-1])


def overhead(art, runs: int, rounds: int) -> dict:
    from edgecompile.bench import measure
    from edgecompile.bench.worker import random_feeds

    feeds = random_feeds(art, 1)[0]  # the worker's own input (seed 0)
    bench, bare = [], []
    for _ in range(rounds):
        bench.append(measure(art, runs, 100)["latency_ms"]["p50"])
        bare.append(bare_p50(art.file("model.onnx"), feeds, runs, 100))
    b, r = float(np.median(bench)), float(np.median(bare))
    return {"bench_p50_ms": b, "bare_p50_ms": r, "ratio": b / r, "rounds_bench": bench, "rounds_bare": bare}


def loadgen(art, duration: float, out: Path) -> dict:
    from edgecompile.bench.settings import BenchSettings
    from edgecompile.bench.suite import bench_all

    res = {}
    for scenario in ("single-stream", "offline", "server"):
        qps = None
        if scenario == "server":  # Poisson arrivals at half what Offline sustained
            qps = round(res["offline"]["metric_value"] / 2, 1)
        st = BenchSettings(scenario=scenario, duration_s=duration, target_qps=qps, target_latency_ms=10.0)
        (m,) = bench_all([str(art.path)], st, report_dir=str(out / f"{art.path.name}-{scenario}"))["results"]
        if "error" in m:
            raise SystemExit(f"{art.path.name} {scenario}: {m['error']}")
        lg = m["loadgen"]
        res[scenario] = {k: lg.get(k) for k in ("result", "metric", "metric_value", "target_qps", "latency_bound_held",
                                                 "summary_lines", "log_dir")}
        res[scenario]["sut_inference_p50_ms"] = m["latency_ms"]["p50"]
        res[scenario]["loadgen_latency_ms"] = lg["latency_ms"]
        print(f"  {art.path.name} {scenario}:")
        for line in lg["summary_lines"]:
            print(f"    | {line}")
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--duration", type=float, default=5.0)
    ap.add_argument("--out", default=None)
    ap.add_argument("--skip-loadgen", action="store_true", help="only the overhead part")
    args = ap.parse_args()
    from edgecompile.artifact import Artifact
    from edgecompile.bench.machine import machine_info, tool_versions
    from edgecompile.driver import build
    from edgecompile.frontends import load
    from edgecompile.quickstart_model import train_digits_cnn

    with tempfile.TemporaryDirectory(prefix="ec-bench-harness-") as tmp:
        tmp = Path(tmp)
        resnet_onnx = tmp / "resnet8.onnx"
        resnet_onnx.write_bytes(load(str(RESNET)).model.SerializeToString())
        digits = train_digits_cnn(tmp / "digits", epochs=6).onnx_path
        arts = {}
        for name, src, targets in (("digits", digits, ["onnxruntime"]), ("resnet8", resnet_onnx, ["onnxruntime", "tflite"])):
            rep = build(str(src), targets, ["fp32"], out=tmp / name, force=True)
            for r in rep.results:
                assert r.ok, r.error
                arts[f"{name}/{r.target}"] = Artifact.open(r.path)
        result = {"machine": machine_info(), "tools": tool_versions(), "runs": args.runs, "rounds": args.rounds,
                  "overhead": {}, "loadgen": {}}
        for key in ("digits/onnxruntime", "resnet8/onnxruntime"):
            o = overhead(arts[key], args.runs, args.rounds)
            result["overhead"][key] = o
            print(f"{key}: bench p50 {o['bench_p50_ms']:.4f} ms, bare ORT loop p50 {o['bare_p50_ms']:.4f} ms, "
                  f"ratio {o['ratio']:.3f} (median of {args.rounds} interleaved rounds of {args.runs} runs)")
        for key in () if args.skip_loadgen else ("resnet8/onnxruntime", "resnet8/tflite"):
            result["loadgen"][key] = loadgen(arts[key], args.duration, tmp / "loadgen")
    text = json.dumps(result, indent=1)
    if args.out:
        Path(args.out).write_text(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
