"""Scaling of the graph passes, the C planner and whole builds on long chains (issue 16 item 8).

`python benchmarks/hostile_scaling.py [--passes N ...] [--builds N ...] [--targets c,onnxruntime]`

Passes: a Relu chain, a Neg/Identity chain and a mixed chain of N nodes; the seconds of normalize() (all
passes plus the numeric check), remove_identity alone, and the C backend's lowering and memory plan, with
microseconds per node: flat per-node times across N mean linear passes.

Builds: `edgecompile build` of a mixed chain that no pass can fold (Add/Relu/Mul/Sigmoid/Sub/Tanh over a
[1, WIDTH] tensor, every constant its own), one process per target, its wall seconds and CPU seconds (the
process and its children: gcc, the C child), and `build` with no --target (a usage error, exit 2).
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

WIDTH = 16
MIXED = ["Add", "Relu", "Mul", "Sigmoid", "Sub", "Tanh"]


def chain(n: int, ops: list[str], width: int = 4):
    """n nodes cycling through `ops`; Add/Mul/Sub take a constant of their own (no two equal)."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    nodes, inits = [], []
    for i in range(n):
        op, ins = ops[i % len(ops)], [f"t{i}"]
        if op in ("Add", "Mul", "Sub"):
            lo, hi = (0.5, 1.5) if op == "Mul" else (-0.5, 0.5)
            inits.append(numpy_helper.from_array(rng.uniform(lo, hi, width).astype(np.float32), f"c{i}"))
            ins.append(f"c{i}")
        nodes.append(helper.make_node(op, ins, [f"t{i + 1}"]))
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("t0", TensorProto.FLOAT, [1, width])],
                          [helper.make_tensor_value_info(f"t{n}", TensorProto.FLOAT, [1, width])], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def passes(sizes: list[int]) -> None:
    from edgecompile.backends.c import lower, planner
    from edgecompile.passes import PassContext
    from edgecompile.passes import remove_identity
    from edgecompile.passes.pipeline import normalize

    print(f"{'graph':>22s} {'nodes':>7s} {'normalize s':>12s} {'us/node':>8s} {'remove_id s':>12s} "
          f"{'lower s':>8s} {'plan s':>8s} {'plan us/node':>12s}")
    for n in sizes:
        for label, ops in (("Relu chain", ["Relu"]), ("Neg/Identity chain", ["Neg", "Identity"]), ("mixed chain", MIXED)):
            _, t_rm = timed(lambda: remove_identity.run(chain(n, ops), PassContext({})))
            norm, t_norm = timed(lambda: normalize(chain(n, ops)))
            g, t_low = timed(lambda: lower.lower(norm.model)[0])
            _, t_plan = timed(lambda: planner.plan(g))
            print(f"{label:>22s} {n:7d} {t_norm:12.2f} {t_norm / n * 1e6:8.1f} {t_rm:12.3f} "
                  f"{t_low:8.2f} {t_plan:8.2f} {t_plan / len(g.ops) * 1e6:12.1f}", flush=True)


def _run(args: list[str], cwd: Path) -> tuple[int, float, float, str]:
    """(exit code, wall s, CPU s of the process and its children, stdout) of `python -m edgecompile ARGS`, with a
    temp folder of its own: the C library cache starts empty, as on a first build of the model."""
    tmp = Path(tempfile.mkdtemp(dir=cwd))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "edgecompile", *args], cwd=cwd, capture_output=True, text=True,
                       env={**os.environ, "TMPDIR": str(tmp)})
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return p.returncode, wall, cpu, p.stdout + p.stderr


def builds(sizes: list[int], targets: list[str]) -> None:
    import onnx

    print(f"load average at start: {' '.join(f'{v:.1f}' for v in os.getloadavg())} ({os.cpu_count()} cores)")
    print(f"{'nodes':>7s} {'target':>12s} {'exit':>4s} {'wall s':>7s} {'cpu s':>7s}  detail")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n in sizes:
            onnx.save(chain(n, MIXED, WIDTH), str(folder / "chain.onnx"))
            rc, wall, cpu, out = _run(["build", "chain.onnx"], folder)
            print(f"{n:7d} {'(none)':>12s} {rc:4d} {wall:7.1f} {cpu:7.1f}  {out.strip().splitlines()[-1][:70]}", flush=True)
            for target in targets:
                rc, wall, cpu, out = _run(["build", "chain.onnx", "-t", target, "--out", "out", "--force", "--json"], folder)
                detail = out.strip().splitlines()[-1][:70] if rc else _summary(out, folder)
                print(f"{n:7d} {target:>12s} {rc:4d} {wall:7.1f} {cpu:7.1f}  {detail}", flush=True)


def _summary(out: str, folder: Path) -> str:
    """Each artifact's parity and, for C, the form of its run function."""
    try:
        rows = json.loads(out)["results"]
    except (ValueError, KeyError):
        return "(no JSON)"
    said = []
    for r in rows:
        manifest = json.loads((folder / r["path"] / "manifest.json").read_text())
        dispatch = (manifest.get("backend_details") or {}).get("dispatch")
        said.append(f"{r['target']}-{r['precision']} parity passed={r['parity']['passed']}"
                    + (f", dispatch={dispatch}" if dispatch else ""))
    return "; ".join(said)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--passes", type=int, nargs="*", default=None, help="chain lengths for the pass timings")
    ap.add_argument("--builds", type=int, nargs="*", default=None, help="chain lengths for whole builds")
    ap.add_argument("--targets", default="c,onnxruntime", help="comma-separated build targets")
    a = ap.parse_args()
    if a.passes is None and a.builds is None:
        a.passes, a.builds = [1000, 10000, 100000], [100000]
    if a.passes:
        passes(a.passes)
    if a.builds:
        builds(a.builds, a.targets.split(","))
