"""A small ONNX -> torch.nn converter: the normalized graph as a module coremltools can trace.

coremltools has no ONNX frontend, and onnx2torch pulls a CUDA torchvision (which would replace the CPU
torch). The graphs reaching a backend are normalized (fixed shapes, folded constants), so a graph
interpreter over the op table in torch_ops.py is enough: initializers become buffers, each node calls
its op. `unsupported` names what it cannot take before any conversion; `convert` checks the module
against ONNX Runtime (1e-5, scaled by the output magnitude as everywhere in edgecompile).
"""
from __future__ import annotations

import numpy as np

from edgecompile.backends.coreml.torch_ops import CONSTANT_INPUTS, OPS
from edgecompile.errors import ToleranceError

PARITY_ATOL = 1e-5


class Node:
    def __init__(self, proto, consts: dict[str, np.ndarray]):
        from onnx import helper

        self.op_type, self.name, self.inputs, self.outputs = proto.op_type, proto.name, list(proto.input), list(proto.output)
        self.attrs = {a.name: helper.get_attribute_value(a) for a in proto.attribute}
        self._consts = consts

    def attr(self, key, default=None):
        v = self.attrs.get(key, default)
        if isinstance(v, bytes):
            return v.decode()
        return list(v) if isinstance(v, (list, tuple)) else v

    def const(self, i: int):
        return self._consts.get(self.inputs[i])


def unsupported(model) -> list[tuple[str, str, str]]:
    """(op_type, node name, why) for every node the converter cannot take."""
    consts = {t.name for t in model.graph.initializer} | {o for n in model.graph.node if n.op_type == "Constant"
                                                          for o in n.output}
    out = []
    for n in model.graph.node:
        name = n.name or n.output[0]
        if n.op_type == "Constant":
            continue
        if n.domain not in ("", "ai.onnx") or n.op_type not in OPS:
            out.append((n.op_type, name, f"the ONNX -> PyTorch converter for Core ML has no {n.op_type}"))
            continue
        auto_pad = next((a.s.decode() for a in n.attribute if a.name == "auto_pad"), "NOTSET")
        if auto_pad not in ("NOTSET", "VALID"):
            out.append((n.op_type, name, f"auto_pad={auto_pad} (normalization leaves explicit pads; this one kept it)"))
        for i, inp in enumerate(n.input):
            if (n.op_type, i) in CONSTANT_INPUTS and inp and inp not in consts:
                out.append((n.op_type, name, f"input {i} ('{inp}') is computed at run time; Core ML needs it constant"))
    return out


def to_module(model):
    """A torch.nn.Module running `model` (inputs in graph order; one output, or a tuple in graph order)."""
    import torch
    from onnx import numpy_helper

    consts = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    for n in model.graph.node:
        if n.op_type == "Constant":
            consts[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
    inits = {t.name for t in model.graph.initializer}
    input_names = [i.name for i in model.graph.input if i.name not in inits]
    output_names = [o.name for o in model.graph.output]
    nodes = [Node(n, consts) for n in model.graph.node if n.op_type != "Constant"]

    class OnnxModule(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.slots: dict[str, str] = {}
            for k, (name, value) in enumerate(consts.items()):
                if value.dtype.kind == "f":  # float constants are tensors; integer ones are shapes/axes
                    self.register_buffer(f"c{k}", torch.tensor(value))
                    self.slots[name] = f"c{k}"

        def forward(self, *args):
            env = dict(zip(input_names, args))
            env.update({name: getattr(self, slot) for name, slot in self.slots.items()})
            for node in nodes:
                outs = OPS[node.op_type](node, [env.get(i) for i in node.inputs if i])
                env.update(zip(node.outputs, outs))
            outs = tuple(env[o] for o in output_names)
            return outs[0] if len(outs) == 1 else outs  # a 1-tuple would be flattened by coremltools anyway

    return OnnxModule().eval(), input_names, output_names


def convert(model, samples: list[dict[str, np.ndarray]]):
    """(module, input names, output names, parity block) after checking the module against ONNX Runtime."""
    import onnxruntime as ort
    import torch

    module, ins, outs = to_module(model)
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    worst, mag = 0.0, 0.0
    with torch.no_grad():
        for feed in samples:
            got = module(*[torch.from_numpy(feed[n]) for n in ins])
            got = (got,) if len(outs) == 1 else got
            for g, r in zip(got, sess.run(outs, feed)):
                worst = max(worst, float(np.max(np.abs(g.numpy().astype(np.float64) - r), initial=0.0)))
                mag = max(mag, float(np.max(np.abs(r), initial=0.0)))
    block = {"reference": "ONNX Runtime CPU", "samples": len(samples), "max_abs_err": worst,
             "atol": PARITY_ATOL, "passed": worst <= PARITY_ATOL * max(1.0, mag)}
    if not block["passed"]:
        raise ToleranceError(f"coreml: the ONNX -> PyTorch conversion differs from ONNX Runtime by {worst:.3g} "
                             f"(> {PARITY_ATOL} x max(1, {mag:.3g})) on {len(samples)} samples.")
    return module, ins, outs, block
