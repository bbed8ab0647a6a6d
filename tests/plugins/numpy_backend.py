"""A third-party backend, written the way another package would: ONNX's numpy reference evaluator.

It lives outside edgecompile/ and reaches edgecompile only through the `edgecompile.backends`
entry-point group (tests/core/test_plugin_backend.py installs it into a temporary site folder).
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from edgecompile.backends.base import (Backend, BackendInfo, CompileResult, InspectSection, Option, SupportReport,
                                       Tolerance, UnsupportedNode)
from edgecompile.core.graph import io_specs

MODEL = "model.onnx"


class NumpyRunner:
    def __init__(self, path, float64: bool):
        from onnx.reference import ReferenceEvaluator

        self.float64 = float64
        self.session = ReferenceEvaluator(str(path))
        self.names = list(self.session.output_names)

    def run(self, feeds):
        if self.float64:  # the evaluator follows input dtypes: compute in double, hand back float32
            feeds = {k: v.astype(np.float64) if v.dtype == np.float32 else v for k, v in feeds.items()}
        outs = self.session.run(None, feeds)
        return {n: np.asarray(o, np.float32) if self.float64 else o for n, o in zip(self.names, outs)}


class NumpyBackend(Backend):
    info = BackendInfo(name="numpy", summary="ONNX reference evaluator in numpy (a test plugin)",
                       precisions=("fp32",), extra=None, tolerances={"fp32": Tolerance(max_rel_err=1e-4)})
    options = (Option("float64", bool, False, "evaluate in float64", flag="--np-float64"),)

    def available(self):
        import onnx

        return True, f"onnx {onnx.__version__} reference evaluator"

    def check(self, model, precision="fp32") -> SupportReport:
        from onnx.reference.ops import load_op

        report = SupportReport(self.info.name)
        for node in model.graph.node:
            try:
                load_op(node.domain, node.op_type, 17)
            except Exception:  # the evaluator raises several types for an unknown op
                report.unsupported.append(UnsupportedNode(node.op_type, node.name, "no numpy implementation"))
        return report

    def compile(self, ctx):
        import onnx

        onnx.save(ctx.model, str(ctx.out_dir / MODEL))
        inputs, outputs = io_specs(ctx.model)
        return CompileResult([MODEL], inputs, outputs, {"onnx": onnx.__version__},
                             {"float64": ctx.options["float64"]})

    def load(self, artifact):
        return NumpyRunner(artifact.file(MODEL), artifact.manifest["backend_details"]["float64"])

    def inspect_extras(self, model):
        ops = Counter(n.op_type for n in model.graph.node)
        return [InspectSection("numpy_ops", f"numpy evaluator: {len(ops)} op types", sorted(ops), dict(ops))]
