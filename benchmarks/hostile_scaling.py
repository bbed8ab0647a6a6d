"""Scaling of the graph passes and the C planner on long chains (issue 16 item 8).

`python benchmarks/hostile_scaling.py [N ...]` builds a Relu chain and a Neg/Identity chain of N
nodes, and prints the seconds of normalize() (all passes plus the numeric check), remove_identity
alone, and the C backend's lowering and memory plan, with microseconds per node: flat per-node
times across N mean linear passes.
"""
from __future__ import annotations

import sys
import time


def chain(n: int, ops: list[str]):
    from onnx import TensorProto, helper

    nodes = [helper.make_node(ops[i % len(ops)], [f"t{i}"], [f"t{i + 1}"]) for i in range(n)]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("t0", TensorProto.FLOAT, [1, 4])],
                          [helper.make_tensor_value_info(f"t{n}", TensorProto.FLOAT, [1, 4])])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main(sizes: list[int]) -> None:
    from edgecompile.backends.c import lower, planner
    from edgecompile.passes import PassContext
    from edgecompile.passes import remove_identity
    from edgecompile.passes.pipeline import normalize

    print(f"{'graph':>22s} {'nodes':>7s} {'normalize s':>12s} {'us/node':>8s} {'remove_id s':>12s} "
          f"{'lower s':>8s} {'plan s':>8s} {'plan us/node':>12s}")
    for n in sizes:
        for label, ops in (("Relu chain", ["Relu"]), ("Neg/Identity chain", ["Neg", "Identity"])):
            _, t_rm = timed(lambda: remove_identity.run(chain(n, ops), PassContext({})))
            norm, t_norm = timed(lambda: normalize(chain(n, ops)))
            g, t_low = timed(lambda: lower.lower(norm.model)[0])
            _, t_plan = timed(lambda: planner.plan(g))
            print(f"{label:>22s} {n:7d} {t_norm:12.2f} {t_norm / n * 1e6:8.1f} {t_rm:12.3f} "
                  f"{t_low:8.2f} {t_plan:8.2f} {t_plan / len(g.ops) * 1e6:12.1f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 10000, 100000])
