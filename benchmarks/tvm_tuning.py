"""TVM MetaSchedule tuning on the MLPerf Tiny float models: tuned vs untuned vs ONNX Runtime fp32,
side by side in one interleaved run (batch 1, p50 of in-process calls). Not a test; takes minutes.

    python benchmarks/tvm_tuning.py [--trials 200] [--models kws,resnet8] [--out r.json]

The tuning database lands in edgecompile's cache (keyed by model + target + trials), so a second run
reuses it and only measures.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MLPERF = REPO.parent / "shared" / "models" / "mlperf_tiny"
MODELS = {"kws": "kws_ref_model_float32.tflite", "resnet8": "pretrainedResnet.tflite"}


def one_model(name: str, trials: int, out: Path, runs: int) -> dict:
    import edgecompile
    from edgecompile.bench.interleave import interleaved
    from edgecompile.driver import build
    from edgecompile.core.graph import seeded_inputs

    src = str(MLPERF / MODELS[name])
    row: dict = {"model": name, "trials": trials}
    runners = {}
    for label, target, opts in (("ort", "onnxruntime", {}), ("tvm-untuned", "x86-64-tvm", {}),
                                ("tvm-tuned", "x86-64-tvm", {"tune_trials": trials})):
        t0 = time.perf_counter()
        rep = build(src, [target], ["fp32"], out=out / label, force=True, options=opts or None)
        r = rep.results[0]
        row[f"{label}_build_s"] = round(time.perf_counter() - t0, 1)
        if not r.ok:
            row[f"{label}_error"] = r.error
            continue
        row[f"{label}_parity"] = r.parity
        runners[label] = edgecompile.load(r.path)
        feeds = seeded_inputs(rep.normalized.model, 1)[0]
    lat = interleaved({k: (lambda r=r: r.run(feeds)) for k, r in runners.items()}, runs=runs, rounds=10)
    row["p50_us"] = {k: round(v["p50"], 1) for k, v in lat.items()}
    if "tvm-tuned" in lat:
        row["tuned_vs_untuned_speedup"] = round(lat["tvm-untuned"]["p50"] / lat["tvm-tuned"]["p50"], 2)
        row["tvm_tuned_over_ort_time"] = round(lat["tvm-tuned"]["p50"] / lat["ort"]["p50"], 2)
    row["tvm_untuned_over_ort_time"] = round(lat["tvm-untuned"]["p50"] / lat["ort"]["p50"], 2)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--models", default="kws,resnet8")
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for m in a.models.split(","):
            rows.append(one_model(m, a.trials, Path(tmp), a.runs))
            print(json.dumps(rows[-1]), flush=True)
    if a.out:
        a.out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
