"""Compile an ONNX model with the C backend's own stages (lower, plan, generate, gcc) and run it, next to
ONNX Runtime: the fast path the property tests take for each drawn example (one gcc call each)."""
from __future__ import annotations

import ctypes
from pathlib import Path

import numpy as np


def qdq_of(model, feeds: list[dict], folder: Path):
    """The float model quantized exactly as `build -t c -p int8` does (the c flavor), sorted for ORT."""
    from edgecompile.backends.base import CompileContext
    from edgecompile.backends.c.backend import CBackend
    from edgecompile.backends.c.lower import topological
    from edgecompile.quant.methods import compute
    from edgecompile.quant.stats import collect
    from edgecompile.quant.table import RangeTable
    from edgecompile.targets import resolve

    stats = collect(model, feeds)  # the range table without the user's cache (one per drawn example)
    table = RangeTable("minmax", {n: compute(s, "minmax") for n, s in stats.items()}, "test", "test", len(feeds))
    qdq = CBackend().graph_for(CompileContext(model, resolve("c"), "int8", folder, feeds, table))
    nodes = topological(qdq)
    del qdq.graph.node[:]
    qdq.graph.node.extend(nodes)
    return qdq


def _act_qparams(lo: float, hi: float) -> tuple[np.float32, np.int8]:
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    scale = np.float32(max(hi - lo, 1e-6) / 255)
    return scale, np.int8(np.clip(np.round(-128 - lo / scale), -128, 127))


def _weight_axis(node) -> int:
    """The output-channel axis of a weight: Conv's O, Gemm's N (transB: axis 0), MatMul's N."""
    if node.op_type == "Conv":
        return 0
    trans = any(a.name == "transB" and a.i for a in node.attribute)
    return 0 if node.op_type == "Gemm" and trans else 1


def qdq_wrap(model, feeds: list[dict], every_tensor: bool = False):
    """The canonical QDQ form of a float model, as an int8 .tflite imports: every activation through
    QuantizeLinear/DequantizeLinear (minmax ranges over `feeds`; Softmax out at 1/256, -128), weights
    per-channel symmetric int8, biases int32 in accumulator units. Other constants stay float.
    every_tensor: every computed tensor is a graph output (for per-kernel checks, see cut)."""
    import onnx
    from onnx import helper, numpy_helper

    acts = [i.name for i in model.graph.input] + [o for n in model.graph.node for o in n.output]
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    del probe.graph.output[:]
    probe.graph.output.extend(helper.make_empty_tensor_value_info(a) for a in acts)
    vals = [ort_run(probe, f) for f in feeds]
    rng = {a: (min(float(v[k].min()) for v in vals), max(float(v[k].max()) for v in vals)) for k, a in enumerate(acts)}
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    qp = {a: _act_qparams(*rng[a]) for a in acts}
    for n in model.graph.node:
        if n.op_type == "Softmax":
            qp[n.output[0]] = (np.float32(1 / 256), np.int8(-128))
    new_inits, nodes = [], []
    for a, (sc, zp) in qp.items():
        new_inits += [numpy_helper.from_array(np.array(sc, np.float32), f"{a}_s"), numpy_helper.from_array(np.array(zp, np.int8), f"{a}_z")]
    for n in model.graph.node:
        ins = list(n.input)
        for k, name in enumerate(ins):
            if name in qp:
                ins[k] = f"{name}_dq"
        if n.op_type in ("Conv", "Gemm", "MatMul"):
            w, axis = inits[n.input[1]], _weight_axis(n)
            other = tuple(d for d in range(w.ndim) if d != axis)
            ws = np.maximum(np.abs(w).max(axis=other), 1e-8).astype(np.float32) / np.float32(127)
            shape = [1] * w.ndim
            shape[axis] = -1
            wq = np.clip(np.round(w / ws.reshape(shape)), -127, 127).astype(np.int8)
            new_inits += [numpy_helper.from_array(wq, f"{n.name}_wq"), numpy_helper.from_array(ws, f"{n.name}_ws"),
                          numpy_helper.from_array(np.zeros(ws.size, np.int8), f"{n.name}_wz")]
            nodes.append(helper.make_node("DequantizeLinear", [f"{n.name}_wq", f"{n.name}_ws", f"{n.name}_wz"], [f"{n.name}_w"], axis=axis))
            ins[1] = f"{n.name}_w"
            if len(ins) > 2:
                bs = (qp[n.input[0]][0] * ws).astype(np.float32)
                bq = np.round(inits[n.input[2]].ravel() / bs).astype(np.int32)
                new_inits += [numpy_helper.from_array(bq, f"{n.name}_bq"), numpy_helper.from_array(bs, f"{n.name}_bs"),
                              numpy_helper.from_array(np.zeros(bs.size, np.int32), f"{n.name}_bz")]
                nodes.append(helper.make_node("DequantizeLinear", [f"{n.name}_bq", f"{n.name}_bs", f"{n.name}_bz"], [f"{n.name}_b"], axis=0))
                ins[2] = f"{n.name}_b"
        if n.op_type in ("Add", "Sub", "Mul", "Div", "Max", "Min"):  # constant operands: per-tensor int8 too
            for k, name in enumerate(n.input):
                if name in inits:
                    c = inits[name].astype(np.float32)
                    sc, zp = _act_qparams(float(c.min()), float(c.max()))
                    cq = np.clip(np.round(c / sc) + zp, -128, 127).astype(np.int8)
                    new_inits += [numpy_helper.from_array(cq, f"{name}_cq"), numpy_helper.from_array(np.array(sc), f"{name}_cs"),
                                  numpy_helper.from_array(np.array(zp), f"{name}_cz")]
                    nodes.append(helper.make_node("DequantizeLinear", [f"{name}_cq", f"{name}_cs", f"{name}_cz"], [f"{name}_cdq"]))
                    ins[k] = f"{name}_cdq"
        nodes.append(helper.make_node(n.op_type, ins, list(n.output), name=n.name, **{a.name: helper.get_attribute_value(a) for a in n.attribute}))
    for a in qp:  # every activation: a = DQ(Q(a)), read through the DQ
        nodes.append(helper.make_node("QuantizeLinear", [a, f"{a}_s", f"{a}_z"], [f"{a}_q"]))
        nodes.append(helper.make_node("DequantizeLinear", [f"{a}_q", f"{a}_s", f"{a}_z"], [f"{a}_dq"]))
    replaced = {i for n in model.graph.node for i in (n.input[1:3] if n.op_type in ("Conv", "Gemm", "MatMul") else
                                                      n.input if n.op_type in ("Add", "Sub", "Mul", "Div", "Max", "Min") else [])}
    kept = [t for t in model.graph.initializer if t.name not in replaced]
    names = [o for n in model.graph.node for o in n.output] if every_tensor else [o.name for o in model.graph.output]
    outs = [helper.make_tensor_value_info(f"{o}_dq", onnx.TensorProto.FLOAT, None) for o in names]
    g = helper.make_graph(nodes, "qdq", list(model.graph.input), outs, kept + new_inits)
    out = helper.make_model(g, opset_imports=list(model.opset_import))
    out.ir_version = model.ir_version
    from edgecompile.backends.c.lower import topological

    ordered = topological(out)
    del out.graph.node[:]
    out.graph.node.extend(ordered)
    return onnx.shape_inference.infer_shapes(out)


def cut(qdq, computed: list[str]):
    """qdq_wrap's model where the DequantizeLinear of each computed tensor reads a new int8 input `<name>_c`
    and the outputs are the QuantizeLinear results `<name>_q`: ORT then runs each kernel on the C code's own
    int8 inputs (no error carried over from earlier kernels)."""
    import onnx
    from onnx import TensorProto, helper

    m = onnx.ModelProto()
    m.CopyFrom(qdq)
    for n in m.graph.node:
        if n.op_type == "DequantizeLinear" and n.input[0][:-2] in computed and n.input[0].endswith("_q"):
            n.input[0] = n.input[0][:-2] + "_c"
    m.graph.input.extend(helper.make_tensor_value_info(f"{a}_c", TensorProto.INT8, None) for a in computed)
    del m.graph.output[:]
    m.graph.output.extend(helper.make_empty_tensor_value_info(f"{a}_q") for a in computed)
    return m


class CModel:
    """model.c built for this machine (strict flags, -Werror) and called through ctypes."""

    def __init__(self, model, folder: Path, options: dict | None = None, prefix: str = "model", overlap: bool = True,
                 rewrite=False):
        from edgecompile.backends.c import emit, lower, planner
        from edgecompile.backends.c.runner import build_shared

        folder.mkdir(parents=True, exist_ok=True)
        self.g, _ = lower.lower(model)
        self.plan = planner.plan(self.g, overlaps=overlap)
        if callable(rewrite):  # one rewrite (inplace_rows.apply, fuse_residual.fuse, patch.apply), whatever the arena
            self.g, made = rewrite(self.g)
            # a rewrite that plans as well (backend._plan) keeps its plan
            self.plan = made if isinstance(made, planner.Plan) else planner.plan(self.g, overlaps=overlap)
        elif rewrite:  # the backend's choice: depthwise convs by rows, residual Adds fused, where the arena shrinks
            from edgecompile.backends.c.backend import _plan

            self.g, self.plan = _plan(self.g, {"overlap": overlap})
        header, source, self.stats = emit.generate(self.g, self.plan, prefix, "test", {}, options or {})
        (folder / "model.h").write_text(header)
        (folder / "model.c").write_text(source)
        self.folder = folder
        self.lib = ctypes.CDLL(str(build_shared(folder, opt="-O1")))
        self.fn = getattr(self.lib, f"{prefix}_run")
        self.fn.restype = ctypes.c_int
        self.arena = np.zeros(max(self.plan.arena_bytes, 1) + 16, np.uint8)

    def tensor(self, name):
        return self.g.tensors[name]

    def run(self, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        """feeds by ONNX input name (float for float inputs; quantized here for int8 ones)."""
        ins = []
        for n in self.g.inputs:
            t = self.g.tensors[n]
            x = np.asarray(feeds[t.onnx_name])
            if t.dtype == "int8" and x.dtype != np.int8:
                x = np.clip(np.round(x.astype(np.float32) / np.float32(t.scale)) + t.zp, -128, 127)
            ins.append(np.ascontiguousarray(x, dtype=t.dtype).reshape(t.shape))
        outs = [np.empty(self.g.tensors[n].shape, self.g.tensors[n].dtype) for n in self.g.outputs]
        self.fn(*[a.ctypes.data_as(ctypes.c_void_p) for a in ins + outs], self.arena.ctypes.data_as(ctypes.c_void_p))
        return outs

    def quantized(self, i: int, ref: np.ndarray) -> np.ndarray:
        """ORT's float output i on output i's int8 grid."""
        t = self.g.tensors[self.g.outputs[i]]
        return np.round(ref.astype(np.float32) / np.float32(t.scale)).astype(np.int64) + t.zp


def ort_run(model, feeds: dict, float_qdq: bool = False) -> list[np.ndarray]:
    import onnxruntime as ort

    so = ort.SessionOptions()
    if float_qdq:
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL  # float-simulated QDQ
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def rel_err(got: np.ndarray, ref: np.ndarray) -> float:
    scale = max(float(np.max(np.abs(ref))), 1e-30)
    return float(np.max(np.abs(got.astype(np.float64) - ref.astype(np.float64)))) / scale
