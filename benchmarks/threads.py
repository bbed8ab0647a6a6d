"""Intra-op threads at batch 1: 1 vs 2 per backend on the shared MLPerf Tiny models, side by side in
one interleaved run (p50 of in-process `run()` calls). Decides targets/host.toml's [options.threads].
Not a test.

    python benchmarks/threads.py [--models kws,resnet8] [--runs 600] [--out r.json]
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MLPERF = REPO.parent / "shared" / "models" / "mlperf_tiny"
FILES = {"kws": ("kws_ref_model_float32.tflite", "kws_ref_model.tflite"),
         "resnet8": ("pretrainedResnet.tflite", "pretrainedResnet_quant.tflite")}
BACKENDS = {"onnxruntime": "fp32", "openvino": "fp32", "tflite": "fp32", "tvm": "fp32"}


def main() -> None:
    import edgecompile
    from edgecompile.bench.interleave import interleaved
    from edgecompile.driver import build
    from edgecompile.core.graph import seeded_inputs
    from edgecompile.core.graph import graph_layouts
    from edgecompile.core.tensor import encode

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="kws,resnet8")
    ap.add_argument("--runs", type=int, default=600)
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for model in a.models.split(","):
            for src, int8 in zip(FILES[model], (False, True)):
                calls = {}
                for backend, precision in BACKENDS.items():
                    p = "int8" if int8 else precision
                    if int8 and backend == "tvm":
                        continue
                    for n in (1, 2):
                        rep = build(str(MLPERF / src), [backend], [p], out=Path(tmp) / f"{src}-{n}", force=True,
                                    options={"threads": n})
                        r = rep.results[0]
                        if not r.ok:
                            print(f"{src} {backend} {p} threads={n}: {r.error}")
                            continue
                        runner = edgecompile.load(r.path)
                        sample = seeded_inputs(rep.normalized.model, 1)[0]
                        lay = graph_layouts(rep.normalized.model)
                        feeds = {s.name: encode(sample[s.name], s, lay.get(s.name)) for s in runner.inputs}
                        calls[(backend, p, n)] = (lambda r=runner, f=feeds: r.run(f))
                lat = interleaved({f"{k[0]}-{k[1]}-t{k[2]}": v for k, v in calls.items()}, runs=a.runs, rounds=10)
                for backend, p, n in calls:
                    if n == 1 and (backend, p, 2) in calls:
                        t1, t2 = lat[f"{backend}-{p}-t1"]["p50"], lat[f"{backend}-{p}-t2"]["p50"]
                        rows.append({"model": src, "backend": backend, "precision": p, "p50_us_1": round(t1, 1),
                                     "p50_us_2": round(t2, 1), "faster": 1 if t1 <= t2 else 2})
                        print(json.dumps(rows[-1]), flush=True)
    if a.out:
        a.out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
