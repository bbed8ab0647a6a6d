"""Runner overhead: `edgecompile.load(artifact).run(feeds)` against the bare runtime call on the same artifact
with the same settings (threads, plugin config), per backend x precision, on the MLPerf Tiny float models.

Each pair is timed in many short interleaved rounds (run, bare, bare, run, ...; batch 1) so that load from
other processes hits both alike; per round the p50 of each, and the figure kept is the median over rounds
of run_p50 - bare_p50 and run_p50 / bare_p50. Goal (issue 10): within 5 % or 0.5 us, whichever is larger.
By default the bare call runs on the runner's own loaded instance (session, infer request,
interpreter, VM), so the difference is the wrapper alone; --own-instance loads a second instance with
the runtime's own API and the artifact's settings (two compiled models differ by a few % on a loaded
machine, in either direction). Artifacts are built like `--target auto` builds its candidates (the host
profile's threads per backend; int8 with --calib random). Not a test.

    python benchmarks/runner_overhead.py [--models kws,resnet8] [--backends onnxruntime,openvino,tflite,tvm]
                                         [--own-instance] [--rounds 60] [--per-round 100] [--out r.json]
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from fastest_artifact import FILES, MLPERF, bare_call, interpreter_call

BACKEND_OF = {"OrtRunner": "onnxruntime", "OvRunner": "openvino", "TFLiteRunner": "tflite", "TvmRunner": "tvm"}


def same_instance_bare(runner, x: np.ndarray):
    """The leanest runtime call on the runner's own loaded instance (same session, request, interpreter or
    VM): what run() adds is then the wrapper alone, not a second compiled model's placement or thread pool."""
    kind = BACKEND_OF.get(type(runner).__name__)
    if kind == "onnxruntime":
        sess, name = runner.sess, runner.sess.get_inputs()[0].name
        return lambda: sess.run(None, {name: x})
    if kind == "openvino":
        req = runner.request
        buf = req.get_input_tensor(0).data

        def call():
            buf[...] = x
            req.infer()
            return req.get_output_tensor(0).data.copy()
        return call
    if kind == "tflite":
        return interpreter_call(runner.it, x)
    if kind == "tvm":
        main, tensor = runner.main, runner.tensor
        return lambda: main(tensor(x)).numpy()
    return None

BACKENDS = {"onnxruntime": ("fp32", "fp16", "int8"), "openvino": ("fp32", "fp16", "int8"),
            "tflite": ("fp32", "fp16", "int8"), "tvm": ("fp32", "fp16")}


def build_all(src: Path, out: Path, backends: list[str]):
    """(artifacts, the normalized fp32 graph they were built from)."""
    from edgecompile.artifact import Artifact
    from edgecompile.auto import host_profile
    from edgecompile.driver import build

    threads = host_profile().options.get("threads", {})
    arts, normalized = [], None
    for backend in backends:
        precisions = BACKENDS[backend]
        opts = {f"{backend}.threads": threads[backend]} if backend in threads else {}
        rep = build(str(src), [backend], list(precisions), calib="random", out=out, force=True, options=opts)
        normalized = rep.normalized.model
        for r in rep.results:
            if r.ok:
                arts.append(Artifact.open(r.path))
            else:
                print(f"  {backend} {r.precision}: {r.error}", flush=True)
    return arts, normalized


def pair(run, bare, rounds: int, per_round: int) -> dict:
    for fn in (run, bare):
        for _ in range(50):
            fn()
    clock = time.perf_counter
    diffs, ratios, runs, bares = [], [], [], []
    for k in range(rounds):
        p50 = {}
        for which in ((0, 1) if k % 2 else (1, 0)):  # alternate which goes first: no order bias
            fn, t = (run, bare)[which], []
            for _ in range(per_round):
                t0 = clock()
                fn()
                t.append(clock() - t0)
            p50[which] = float(np.median(t)) * 1e6
        runs.append(p50[0])
        bares.append(p50[1])
        diffs.append(p50[0] - p50[1])
        ratios.append(p50[0] / p50[1])
    run_us, bare_us, diff = float(np.median(runs)), float(np.median(bares)), float(np.median(diffs))
    return {"run_us": round(run_us, 2), "bare_us": round(bare_us, 2), "diff_us": round(diff, 2),
            "ratio": round(float(np.median(ratios)), 3), "within": diff <= max(0.05 * bare_us, 0.5)}


def one_model(name: str, out: Path, rounds: int, per_round: int, backends: list[str],
              same_instance: bool) -> list[dict]:
    import edgecompile
    from edgecompile.core.graph import graph_layouts, seeded_inputs
    from edgecompile.core.tensor import encode

    src = MLPERF / FILES[name][0]
    arts, model = build_all(src, out / name, backends)
    sample, lay = seeded_inputs(model, 1)[0], graph_layouts(model)
    rows = []
    for art in arts:
        runner = edgecompile.load(art.path)
        feeds = {s.name: encode(sample[s.name], s, lay.get(s.name)) for s in art.inputs}
        x = next(iter(feeds.values()))
        bare = same_instance_bare(runner, x) if same_instance else bare_call(art, x)
        if bare is None:
            continue
        row = {"model": name, "backend": art.backend, "precision": art.precision,
               "bare": "same instance" if same_instance else "own instance",
               **pair(lambda: runner.run(feeds), bare, rounds, per_round)}
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="kws,resnet8")
    ap.add_argument("--backends", default=",".join(BACKENDS))
    ap.add_argument("--own-instance", action="store_true",
                    help="bare call on a second instance loaded by the runtime itself (default: the runner's own)")
    ap.add_argument("--rounds", type=int, default=60)
    ap.add_argument("--per-round", type=int, default=100)
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for m in a.models.split(","):
            rows += one_model(m, Path(tmp), a.rounds, a.per_round, a.backends.split(","), not a.own_instance)
    print(f"{'model':8} {'backend':12} {'prec':5} {'run us':>8} {'bare us':>8} {'diff':>6} {'ratio':>6}  within")
    for r in rows:
        print(f"{r['model']:8} {r['backend']:12} {r['precision']:5} {r['run_us']:8.2f} {r['bare_us']:8.2f} "
              f"{r['diff_us']:6.2f} {r['ratio']:6.3f}  {r['within']}")
    if a.out:
        a.out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
