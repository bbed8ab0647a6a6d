"""INT8 proof figures (issue 3): accuracy, latency ratio and calibration memory. Not a test.

    python benchmarks/int8_accuracy.py [--out results.json] [--skip-memory]

1. The quickstart digits CNN: fp32 vs int8 accuracy on the digits test split, on onnxruntime and
   (when installed) openvino, built by `edgecompile build` with one shared range table; plus the
   edgecompile.quant "openvino" u8 flavor compiled by OpenVINO directly.
2. ResNet-8 (MLPerf Tiny): int8 vs fp32 p50 latency at batch 1, all artifacts measured side by side
   in interleaved rounds in this one process, reported as ratios.
3. Peak RSS of `edgecompile calibrate` over 1,000 ResNet-8 samples (a fresh subprocess, no cache).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
from models import MODELS  # noqa: E402

RESNET = MODELS / "pretrainedResnet.tflite"


def backends() -> list[str]:
    from edgecompile.backends import get_backend

    out = ["onnxruntime"]
    try:
        if get_backend("openvino").available()[0]:
            out.append("openvino")
    except Exception:  # not landed in this checkout
        pass
    return out


def accuracy(outputs: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(outputs.reshape(len(y), -1).argmax(1) == y) * 100)


def artifact_outputs(art, feeds) -> np.ndarray:
    from edgecompile.verify import run_batched

    return next(iter(run_batched(art.load(), art.inputs, feeds, art.outputs).values()))


def ov_flavor(model, table):
    """edgecompile.quant's u8 QDQ flavor, compiled by OpenVINO's CPU plugin (LATENCY hint)."""
    import openvino as ov

    from edgecompile.core.flavor import U8
    from edgecompile.quant.qdq import quantize

    q = quantize(model, table, U8)
    compiled = ov.Core().compile_model(ov.convert_model(_save(q)), "CPU", {"PERFORMANCE_HINT": "LATENCY"})
    req = compiled.create_infer_request()
    names = [o.get_any_name() for o in compiled.outputs]

    class Runner:
        def run(self, feed):
            res = req.infer(feed)
            return {n: res[compiled.output(n)] for n in names}
    return Runner()


def _save(model) -> str:
    import onnx

    path = Path(tempfile.mkdtemp()) / "q.onnx"
    onnx.save(model, str(path))
    return str(path)


def digits_section(work: Path) -> dict:
    from edgecompile.datasets import digits_split
    from edgecompile.driver import build
    from edgecompile.quickstart_model import train_digits_cnn

    trained = train_digits_cnn(work / "digits")
    x, y = digits_split("test")
    feeds = [{"input": x[i:i + 1]} for i in range(len(x))]
    bks = backends()
    rep = build(str(trained.onnx_path), bks, ["fp32", "int8"], calib="digits", out=work / "digits-build", force=True)
    rows = {}
    for r in rep.results:
        if r.ok:
            from edgecompile.artifact import Artifact

            rows.setdefault(r.backend, {})[r.precision] = accuracy(artifact_outputs(Artifact.open(r.path), feeds), y)
        else:
            rows.setdefault(r.backend, {})[r.precision] = f"FAILED: {r.error}"
    if "openvino" in bks:
        from edgecompile.quant.compile_int8 import prepare  # the build's table, from the cache
        from edgecompile.quant.sources import load_samples
        from edgecompile.backends.onnxruntime.backend import io_specs

        norm = rep.normalized.model
        cal, info = load_samples("digits", io_specs(norm)[0])
        table = prepare(norm, cal, info, "minmax", None).table
        runner = ov_flavor(norm, table)
        out = np.concatenate([runner.run(f)["output"] for f in feeds])
        rows.setdefault("openvino (edgecompile.quant u8 flavor)", {})["int8"] = accuracy(out, y)
        rows["openvino (edgecompile.quant u8 flavor)"]["fp32"] = rows["openvino"].get("fp32")
    for v in rows.values():
        if isinstance(v.get("fp32"), float) and isinstance(v.get("int8"), float):
            v["drop_points"] = round(v["fp32"] - v["int8"], 3)
    return {"pytorch_test_accuracy": trained.test_accuracy * 100, "test_samples": len(y), "accuracy": rows}


def _p50_side_by_side(makers: dict, feed_for: dict, rounds: int = 4, per_round: int = 200) -> dict:
    """Interleaved rounds in one process; each block loads a fresh runner and drops it afterwards,
    so no runtime's idle worker threads (ORT spins after a run) steal the CPU from the next one."""
    import gc

    times = {k: [] for k in makers}
    for _ in range(rounds):
        for k, make in makers.items():
            runner, f = make(), feed_for[k]
            for _ in range(30):
                runner.run(f)
            for _ in range(per_round):
                t = time.perf_counter()
                runner.run(f)
                times[k].append(time.perf_counter() - t)
            del runner
            gc.collect()
            time.sleep(0.2)
    return {k: float(np.median(v) * 1e6) for k, v in times.items()}


def resnet_section(work: Path) -> dict:
    from edgecompile.artifact import Artifact
    from edgecompile.driver import build
    from edgecompile.verify import encode

    bks = backends()
    rep = build(str(RESNET), bks, ["fp32", "int8"], calib="random", out=work / "resnet-build", force=True)
    from edgecompile.backends.onnxruntime.backend import io_specs

    runners, feeds = {}, {}
    spec = io_specs(rep.normalized.model)[0][0]  # the normalized graph's input: the reference layout
    x = np.random.default_rng(0).standard_normal(spec.shape).astype(np.float32)
    for r in rep.results:
        if not r.ok:
            print(f"resnet8 {r.backend} {r.precision} failed: {r.error}", file=sys.stderr)
            continue
        art = Artifact.open(r.path)
        key = f"{r.backend} {r.precision}"
        runners[key] = art.load
        feeds[key] = {s.name: encode(x, s) for s in art.inputs}
    if "openvino" in bks and rep.artifacts():
        from edgecompile.quant.table import calibrate
        from edgecompile.quant.sources import data_sha256, load_samples

        norm = rep.normalized.model
        cal, _ = load_samples("random", io_specs(norm)[0], 200)
        table, _ = calibrate(norm, cal, data_sha256(cal), "minmax")
        runners["openvino int8 (edgecompile.quant u8 flavor)"] = lambda: ov_flavor(norm, table)
        feeds["openvino int8 (edgecompile.quant u8 flavor)"] = {spec.name: x}
    p50 = _p50_side_by_side(runners, feeds)
    ratios = {}
    for k, v in p50.items():
        backend, _, prec = k.partition(" ")
        if prec.startswith("int8") and f"{backend} fp32" in p50:
            ratios[k] = round(v / p50[f"{backend} fp32"], 3)
    return {"p50_us": {k: round(v, 1) for k, v in p50.items()}, "int8_over_fp32": ratios,
            "note": "calibration data: random (no CIFAR-10 offline); latency does not depend on it"}


def memory_section(samples: int = 1000) -> dict:
    env = {**os.environ, "EDGECOMPILE_CACHE": tempfile.mkdtemp(prefix="ec-mem-")}
    code = ("import resource, sys\nfrom edgecompile.cli.main import cli\n"
            f"sys.argv = ['edgecompile', 'calibrate', {str(RESNET)!r}, '--calib', 'random', '--calib-samples', "
            f"'{samples}', '--no-cache', '--json']\n"
            "try:\n    cli()\nexcept SystemExit:\n    pass\n"
            "print('PEAK_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n")
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    peak = [l for l in proc.stderr.splitlines() if l.startswith("PEAK_KB")]
    if proc.returncode or not peak:
        return {"error": proc.stderr[-2000:]}
    table = json.loads(proc.stdout)
    return {"samples": table["samples"], "tensors": len(table["ranges"]), "peak_rss_mib": int(peak[0].split()[1]) / 1024,
            "seconds": round(wall, 1), "bound_mib": 2048}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", help="Write the figures as JSON here too.")
    ap.add_argument("--skip-memory", action="store_true")
    args = ap.parse_args()
    os.environ.setdefault("EDGECOMPILE_CACHE", tempfile.mkdtemp(prefix="ec-bench-cache-"))
    work = Path(tempfile.mkdtemp(prefix="ec-int8-bench-"))
    res = {"digits_cnn": digits_section(work)}
    print(json.dumps(res["digits_cnn"], indent=2))
    res["resnet8_latency"] = resnet_section(work) if RESNET.is_file() else {"skipped": f"{RESNET} not found"}
    print(json.dumps(res["resnet8_latency"], indent=2))
    if not args.skip_memory and RESNET.is_file():
        res["resnet8_calibration_memory"] = {"100_samples": memory_section(100), "1000_samples": memory_section(1000)}
        print(json.dumps(res["resnet8_calibration_memory"], indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()
