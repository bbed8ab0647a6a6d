"""OpenVINO / TVM latency proof (issue 4): p50/p99 at batch 1 of every artifact against ONNX Runtime fp32
with default session options, side by side in one run. Not a test.

    python benchmarks/backends_latency.py [--runs 1000] [--rounds 3] [--backends openvino,tvm] [--out r.json]

Models: the quickstart digits CNN (trained here), MLPerf Tiny KWS (DS-CNN) and ResNet-8 float models
from ../shared/models/mlperf_tiny/ (imported by edgecompile.frontends.load). int8 calibrates on the
digits train split for the digits CNN, on seeded random inputs for the MLPerf models.

Every artifact, and the baseline, is timed by `edgecompile.bench.measure` (the host runner: one fresh
process per artifact), in interleaved rounds so that load from other processes hits all alike; the
figure kept is the median over rounds. The baseline is an artifact folder holding the normalized
graph itself, loaded by the onnxruntime runner with default SessionOptions.

Also measured, to explain ratios: the OpenVINO int8 flavors on the digits CNN (test accuracy and
latency, qdq vs nncf), the fixed per-call cost of each runtime on a one-Relu graph, and the share of
time in TVM's kernels (Relax VM profiler) on the untuned fp32 build.
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
from models import MODELS as MLPERF  # noqa: E402  ($EDGECOMPILE_MODELS or ../shared/models/mlperf_tiny)
TARGETS = {"openvino": ("intel-cpu", ["fp32", "fp16", "int8"]), "tvm": ("x86-64-tvm", ["fp32", "fp16"]),
           "tflite": ("tflite", ["fp32", "fp16", "int8"]), "onnxruntime": ("onnxruntime", ["fp32", "fp16", "int8"]),
           "c": ("c", ["fp32", "int8"])}


def baseline_artifact(model, out: Path):
    """The normalized graph as an onnxruntime artifact folder: ORT fp32, default session options."""
    import onnx

    from edgecompile.artifact import SCHEMA_VERSION, Artifact, hash_files, write_manifest
    from edgecompile.backends.onnxruntime.backend import MODEL_FILE, io_specs

    out.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(out / MODEL_FILE))
    ins, outs = io_specs(model)
    write_manifest(out, {"schema_version": SCHEMA_VERSION, "target": "ort-reference", "backend": "onnxruntime",
                         "precision": "fp32", "inputs": [s.to_json() for s in ins],
                         "outputs": [s.to_json() for s in outs], "files": hash_files(out, [MODEL_FILE]),
                         "profile": {"bench": {"runner": "host"}}})
    return Artifact.open(out)


def build_model(src: str, calib: str, backends: list[str], out: Path, loaded=None):
    from edgecompile.artifact import Artifact
    from edgecompile.driver import build

    arts, norm, failures = {}, None, {}
    for b in backends:
        target, precisions = TARGETS[b]
        report = build(src, [target], precisions, calib=calib, out=out, force=True, loaded=loaded)
        norm = report.normalized.model
        for r in report.results:
            if r.ok:
                arts[f"{b}-{r.precision}"] = Artifact.open(r.path)
            else:
                failures[f"{b}-{r.precision}"] = r.error
    if "openvino" in backends and calib == "digits":  # the other int8 flavor, for the pick
        report = build(src, ["intel-cpu"], ["int8"], calib=calib, out=out / "nncf", force=True,
                       options={"int8_method": "nncf"})
        arts["openvino-int8-nncf"] = Artifact.open(report.results[0].path)
    return arts, norm, failures


def timed(arts: dict, runs: int, rounds: int) -> dict:
    from edgecompile.bench import measure

    per: dict[str, list[dict]] = {k: [] for k in arts}
    for _ in range(rounds):
        for name, art in arts.items():
            per[name].append(measure(art, runs, max(10, runs // 10))["latency_ms"])
    return {k: {q: float(np.median([m[q] for m in v])) * 1e3 for q in ("p50", "p99")} for k, v in per.items()}


def digits_accuracy(art) -> float:
    from edgecompile.datasets import digits_split
    from edgecompile.verify import run_batched

    x, y = digits_split("test")
    feeds = [{art.inputs[0].name: x[i:i + 1]} for i in range(len(x))]
    out = run_batched(art.load(), art.inputs, feeds, art.outputs)[art.outputs[0].name]
    return float(np.mean(out.argmax(1) == y))


def one_relu(out: Path, backends: list[str], runs: int, rounds: int) -> dict:
    """Fixed per-inference cost: a 1x10 Relu, where the arithmetic is nothing."""
    import onnx
    from onnx import TensorProto, helper

    g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="relu")], "relu",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 10])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])])
    src = out / "relu.onnx"
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), str(src))
    arts, norm, _ = build_model(str(src), "random", [b for b in backends if b in ("openvino", "tvm")], out / "relu")
    arts = {k: v for k, v in arts.items() if k.endswith("fp32")}
    arts = {"onnxruntime-reference": baseline_artifact(norm, out / "relu" / "ref"), **arts}
    return {k: v["p50"] for k, v in timed(arts, runs, rounds).items()}


def tvm_kernel_shares(art, top: int = 4, reps: int = 50) -> list[tuple[str, float]]:
    """Share of VM call time per kernel (timed around each VM Call by an instrument), largest first."""
    import time

    import tvm
    from tvm import relax

    vm = relax.VirtualMachine(tvm.runtime.load_module(str(art.file("model.so"))), tvm.cpu())
    args = [tvm.runtime.tensor(np.random.default_rng(0).standard_normal(s.shape).astype(s.dtype)) for s in art.inputs]
    spent: dict[str, float] = {}
    started: dict[str, float] = {}

    def instrument(func, symbol, before, ret, *rest):
        if before:
            started[symbol] = time.perf_counter()
        else:
            spent[symbol] = spent.get(symbol, 0.0) + time.perf_counter() - started.pop(symbol)
        return 0  # VMInstrumentReturnKind.NO_OP: run as usual

    vm.set_instrument(instrument)
    for _ in range(reps):
        vm["main"](*args)
    kernels = {k: v for k, v in spent.items() if not k.startswith("vm.builtin")}  # allocation, shape checks
    total = sum(spent.values()) or 1.0
    return sorted(((k, v / total) for k, v in kernels.items()), key=lambda kv: -kv[1])[:top]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)  # bench reports p99 only from 1,000 runs
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--backends", default="openvino,tvm")
    ap.add_argument("--out", default=None, help="write the figures as JSON here")
    args = ap.parse_args()
    backends = args.backends.split(",")
    from edgecompile import frontends
    from edgecompile.quickstart_model import train_digits_cnn

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        digits = train_digits_cnn(tmp / "digits", epochs=12).onnx_path
        models = [("digits-cnn", str(digits), "digits"),
                  ("kws", str(MLPERF / "kws_ref_model_float32.tflite"), "random"),
                  ("resnet8", str(MLPERF / "pretrainedResnet.tflite"), "random")]
        for name, src, calib in models:
            loaded = frontends.load(src)
            arts, norm, failures = build_model(src, calib, backends, tmp / name, loaded)
            arts = {"onnxruntime-reference": baseline_artifact(norm, tmp / name / "ref"), **arts}
            lat = timed(arts, args.runs, args.rounds)
            base = lat["onnxruntime-reference"]["p50"]
            rows = {k: {**v, "ratio_p50": v["p50"] / base} for k, v in lat.items()}
            entry = {"latency_us": rows, "build_failures": failures}
            if "tvm-fp32" in arts:
                entry["tvm_fp32_kernel_share"] = tvm_kernel_shares(arts["tvm-fp32"])
            if name == "digits-cnn":
                entry["accuracy"] = {k: digits_accuracy(a) for k, a in arts.items() if k.startswith(("openvino", "onnxruntime"))}
            results[name] = entry
            print(f"\n{name}  (p50/p99 in us; ratio = p50 / ONNX Runtime fp32 p50)")
            for k, v in rows.items():
                print(f"  {k:24s} p50 {v['p50']:9.1f}  p99 {v['p99']:9.1f}  x{v['ratio_p50']:.2f}")
            for k, v in failures.items():
                print(f"  {k:24s} build failed: {v}")
            for k, v in entry.get("accuracy", {}).items():
                print(f"  accuracy {k:24s} {v:.4f}")
            for k, v in entry.get("tvm_fp32_kernel_share", []):
                print(f"  tvm fp32 kernel {k:32s} {v:.0%} of VM time")
        results["one_relu_p50_us"] = one_relu(tmp, backends, args.runs, args.rounds)
        print("\nfixed cost per inference (1x10 Relu), p50 us:", {k: round(v, 1) for k, v in results["one_relu_p50_us"].items()})
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
