"""edgecompile's fastest verified artifact vs the fastest stock runtime, and each runner's overhead.

For each MLPerf Tiny file (KWS and ResNet-8, float and int8) in ../shared/models/mlperf_tiny/:
`build --target auto` (int8 candidates from the float files with `--calib random` when --calib is
given), then ONE interleaved run (same process, round-robin rounds, batch 1, p50) of:
  stock:  LiteRT and OpenVINO on the original .tflite, ONNX Runtime on tf2onnx's import of it,
          each with the runtime's default settings and its leanest call sequence;
  bare:   the same lean runtime calls on every edgecompile candidate artifact;
  run:    edgecompile.load(artifact).run(feeds) on every candidate.
Reported: ratio = fastest stock p50 / edgecompile's fastest p50 (>= 1.0: edgecompile at least as
fast), whether auto picked that artifact, and run()/bare per candidate. Not a test.

    python benchmarks/fastest_artifact.py [--models kws,resnet8] [--runs 2000] [--calib random] [--out r.json]
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
MLPERF = REPO.parent / "shared" / "models" / "mlperf_tiny"
FILES = {"kws": ("kws_ref_model_float32.tflite", "kws_ref_model.tflite"),
         "resnet8": ("pretrainedResnet.tflite", "pretrainedResnet_quant.tflite")}


def litert_call(path: Path, x: np.ndarray):
    from edgecompile.backends.tflite.runner import make_interpreter

    return interpreter_call(make_interpreter(path), x)


def interpreter_call(it, x: np.ndarray):
    """One set/invoke/get on a LiteRT interpreter: the bare call every runner is measured against."""
    i, o = it.get_input_details()[0]["index"], it.get_output_details()[0]["index"]

    def call():
        it.set_tensor(i, x)
        it.invoke()
        return it.get_tensor(o)
    return call


def openvino_call(path: Path, x: np.ndarray, config: dict | None = None):
    import openvino as ov

    compiled = ov.Core().compile_model(str(path), "CPU", config or {})
    req = compiled.create_infer_request()
    if compiled.input(0).get_partial_shape().is_dynamic:  # no buffer until a shape is set: hand x over per call
        return lambda: req.infer({0: x})[0].copy()
    buf = req.get_input_tensor(0).data  # the request's own buffer: faster than set_input_tensor per call

    def call():
        buf[...] = x
        req.infer()
        return req.get_output_tensor(0).data.copy()
    return call


def ort_call(model, x: np.ndarray, threads: int | None = None):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    if threads:
        opts.intra_op_num_threads = threads
    sess = ort.InferenceSession(model if isinstance(model, bytes) else str(model), opts,
                                providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    return lambda: sess.run(None, {name: x})


def tvm_call(path: Path, x: np.ndarray):
    import tvm
    from tvm import relax

    main = relax.VirtualMachine(tvm.runtime.load_module(str(path)), tvm.cpu())["main"]
    return lambda: main(tvm.runtime.tensor(x)).numpy()


def bare_call(art, x: np.ndarray):
    """The runtime's own lean call on an edgecompile artifact, with the settings its runner loads it with
    (the plugin config, and the threads the load option sets: else bare and run() differ in threads)."""
    details = art.manifest.get("backend_details") or {}
    threads = art.manifest.get("options", {}).get("threads")
    if art.backend == "onnxruntime":
        return ort_call(art.file("model.onnx"), x, threads)
    if art.backend == "openvino":
        config = {**(details.get("runtime_config") or {}), **({"INFERENCE_NUM_THREADS": str(threads)} if threads else {})}
        return openvino_call(art.file("model.xml"), x, config)
    if art.backend == "tflite":
        from edgecompile.backends.tflite.runner import make_interpreter

        return interpreter_call(make_interpreter(art.file("model.tflite"), threads), x)
    if art.backend == "tvm":
        if threads:  # one pool per process: the runner's load set it already; set it alike for a bare-only use
            import tvm

            tvm.get_global_func("runtime.config_threadpool")(1, int(threads))
        return tvm_call(art.file("model.so"), x)
    return None


def one_file(src: Path, out: Path, runs: int, calib: str | None) -> dict:
    import edgecompile
    from edgecompile import frontends
    from edgecompile.artifact import Artifact
    from edgecompile.auto import build
    from edgecompile.core.graph import seeded_inputs
    from edgecompile.quant.qdq import is_quantized
    from edgecompile.core.graph import graph_layouts
    from edgecompile.core.tensor import encode

    loaded = frontends.load(str(src))
    int8_src = is_quantized(loaded.model)
    rep = build(str(src), ["auto"], calib=None if int8_src else calib, out=out, force=True, loaded=loaded)
    model = rep.normalized.model
    sample = seeded_inputs(model, 1)[0]
    lay = graph_layouts(model)
    x = next(iter(sample.values()))
    calls = {"stock:litert": litert_call(src, x), "stock:openvino": openvino_call(src, x),
             "stock:onnxruntime": ort_call(loaded.model.SerializeToString(), x)}
    for row in rep.ranking:
        art = Artifact.open(row["path"])
        runner = edgecompile.load(art.path)
        feeds = {s.name: encode(sample[s.name], s, lay.get(s.name)) for s in art.inputs}
        key = f"{row['target']}-{row['precision']}"
        calls[f"run:{key}"] = (lambda r=runner, f=feeds: r.run(f))
        bare = bare_call(art, next(iter(feeds.values())))
        if bare is not None:
            calls[f"bare:{key}"] = bare
    from edgecompile.bench.interleave import interleaved

    lat = {k: round(v["p50"], 2) for k, v in interleaved(calls, runs=runs, rounds=20).items()}
    print(json.dumps({"file": src.name, "p50_us": lat, "ranking": rep.ranking}), flush=True)
    stock = {k: v for k, v in lat.items() if k.startswith("stock:")}
    ours = {k: v for k, v in lat.items() if k.startswith("run:")}
    best_stock, best_ours = min(stock, key=stock.get), min(ours, key=ours.get)
    overhead = {k[4:]: {"run_us": v, "bare_us": lat[f"bare:{k[4:]}"], "ratio": round(v / lat[f"bare:{k[4:]}"], 3),
                        "within_bound": v - lat[f"bare:{k[4:]}"] <= max(0.05 * lat[f"bare:{k[4:]}"], 0.5)}
                for k, v in ours.items() if f"bare:{k[4:]}" in lat}
    return {"file": src.name, "p50_us": lat, "fastest_stock": best_stock, "fastest_edgecompile": best_ours,
            "ratio": round(stock[best_stock] / ours[best_ours], 3), "auto_picked": rep.picked and
            f"{rep.ranking[0]['target']}-{rep.ranking[0]['precision']}",
            "auto_picked_fastest": best_ours == f"run:{rep.ranking[0]['target']}-{rep.ranking[0]['precision']}",
            "runner_overhead": overhead}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="kws,resnet8")
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--calib", default=None, help="calibration for int8 candidates of the float files (e.g. random)")
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for m in a.models.split(","):
            for f in FILES[m]:
                rows.append(one_file(MLPERF / f, Path(tmp) / f, a.runs, a.calib))
                print(json.dumps(rows[-1]), flush=True)
    if a.out:
        a.out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
