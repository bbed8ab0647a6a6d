"""Hypothesis strategies: one single-op ONNX model per draw, for every op the C backend claims, with its
parameters drawn (shapes, strides, padding, dilation, groups, odd channel counts, broadcasts, axes, batch),
and the inputs to run it on. Used by the property tests and the random-graph tests."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

OPSET = 17
UNARY = ["Relu", "Clip", "Sigmoid", "Tanh", "LeakyRelu", "HardSigmoid", "HardSwish", "Elu", "Neg", "Abs", "Exp", "Sqrt"]
BINARY = ["Add", "Sub", "Mul", "Div", "Max", "Min"]
POOLS = ["MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "ReduceMean"]
VIEWS = ["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose"]
OTHER = ["Conv", "Gemm", "MatMul", "Concat", "Pad", "Softmax"]
ALL = UNARY + BINARY + POOLS + VIEWS + OTHER


def model(nodes, inputs: dict, outputs: list[str], inits: dict | None = None):
    """An ONNX model from nodes, {input: shape} (float), output names (shapes inferred), {name: array}."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper, shape_inference

    graph = helper.make_graph(
        nodes, "drawn", [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(s)) for n, s in inputs.items()],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in (inits or {}).items()])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    m.ir_version = 8
    m = shape_inference.infer_shapes(m, strict_mode=True)  # fills in the outputs' shapes
    del m.graph.value_info[:]
    onnx.checker.check_model(m)
    return m


def _num(lo: float, hi: float):
    """Multiples of 1/16 in [lo, hi]: exact in float32, like the attributes they become."""
    return st.integers(int(np.ceil(lo * 16)), int(np.floor(hi * 16))).map(lambda v: v / 16)


def _rng(draw) -> np.random.Generator:
    return np.random.default_rng(draw(st.integers(0, 2**31 - 1)))


@st.composite
def shapes(draw, rank_min=1, rank_max=4, dim_max=6):
    return tuple(draw(st.lists(st.integers(1, dim_max), min_size=rank_min, max_size=rank_max)))


def feeds_for(inputs: dict, rng, positive: bool = False) -> dict:
    out = {}
    for n, s in inputs.items():
        x = rng.standard_normal(s).astype(np.float32)
        out[n] = np.abs(x) + np.float32(0.1) if positive else x
    return out


@st.composite
def unary(draw, op):
    from onnx import helper

    shape = draw(shapes())
    inits, ins, attrs = {}, ["x"], {}
    if op == "Clip":
        lo = draw(_num(-2, 0))
        hi = draw(_num(0.1, 2))
        inits = {"lo": np.float32(lo), "hi": np.float32(hi)}
        ins = ["x", "lo", "hi"]
    elif op in ("LeakyRelu", "Elu"):
        attrs["alpha"] = draw(_num(0.01, 2))
    elif op == "HardSigmoid":
        attrs["alpha"], attrs["beta"] = draw(_num(0.05, 1)), draw(_num(-0.5, 1))
    m = model([helper.make_node(op, ins, ["y"], name=f"{op.lower()}0", **attrs)], {"x": shape}, ["y"], inits)
    return m, feeds_for({"x": shape}, _rng(draw), positive=op == "Sqrt")


@st.composite
def binary(draw, op):
    from onnx import helper

    y = draw(shapes())

    def operand():
        dims = [d if draw(st.booleans()) else 1 for d in y]
        return tuple(dims[draw(st.integers(0, len(dims) - 1)):])  # leading axes may be missing (broadcast)

    a, b = operand(), operand()
    a = y if np.broadcast_shapes(a, b) != y else a  # at least one side spans the output
    rng = _rng(draw)
    const_b = draw(st.booleans())
    inputs = {"a": a} if const_b else {"a": a, "b": b}
    inits = {"b": (rng.standard_normal(b) + (3.0 if op == "Div" else 0.0)).astype(np.float32)} if const_b else {}
    feeds = feeds_for(inputs, rng)
    if op == "Div" and not const_b:
        feeds["b"] = np.abs(feeds["b"]) + np.float32(0.5)
    return model([helper.make_node(op, ["a", "b"], ["y"], name=f"{op.lower()}0")], inputs, ["y"], inits), feeds


@st.composite
def image(draw, c_max=9, hw_max=9):
    return (draw(st.integers(1, 2)), draw(st.integers(1, c_max)), draw(st.integers(1, hw_max)), draw(st.integers(1, hw_max)))


@st.composite
def conv(draw):
    from onnx import helper

    n, c, h, w = draw(image())
    groups = draw(st.sampled_from([d for d in range(1, c + 1) if c % d == 0]))
    oc = groups * draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, min(4, h + 2))), draw(st.integers(1, min(4, w + 2)))
    sh, sw, dh, dw = (draw(st.integers(1, 3)) for _ in range(4))
    attrs = {"group": groups, "kernel_shape": [kh, kw], "strides": [sh, sw], "dilations": [dh, dw]}
    if draw(st.booleans()):  # ONNX Runtime takes SAME padding without dilation only
        attrs["auto_pad"] = draw(st.sampled_from(["SAME_UPPER", "SAME_LOWER"]))
        attrs["dilations"] = [1, 1]
    else:
        attrs["pads"] = [draw(st.integers(0, k - 1)) for k in (kh, kw, kh, kw)]
        if h + attrs["pads"][0] + attrs["pads"][2] < dh * (kh - 1) + 1 or w + attrs["pads"][1] + attrs["pads"][3] < dw * (kw - 1) + 1:
            attrs["pads"] = [dh * (kh - 1), dw * (kw - 1)] * 2  # room for one window
    rng = _rng(draw)
    inits = {"w": (rng.standard_normal((oc, c // groups, kh, kw)) * 0.5).astype(np.float32)}
    ins = ["x", "w"]
    if draw(st.booleans()):
        inits["b"], ins = rng.standard_normal(oc).astype(np.float32), ["x", "w", "b"]
    m = model([helper.make_node("Conv", ins, ["y"], name="conv0", **attrs)], {"x": (n, c, h, w)}, ["y"], inits)
    return m, feeds_for({"x": (n, c, h, w)}, rng)


@st.composite
def dense(draw, op):
    from onnx import helper

    n, k, m_ = draw(st.integers(1, 3)), draw(st.integers(1, 40)), draw(st.integers(1, 20))
    rng = _rng(draw)
    attrs, ins = {}, ["x", "w"]
    if op == "Gemm":
        attrs["transB"] = int(draw(st.booleans()))
        attrs["alpha"] = draw(st.sampled_from([1.0, 0.5, 2.0]))
        attrs["beta"] = draw(st.sampled_from([1.0, 0.5]))
        w = rng.standard_normal((m_, k) if attrs["transB"] else (k, m_)).astype(np.float32)
        inits = {"w": w}
        if draw(st.booleans()):
            inits["c"], ins = rng.standard_normal(m_).astype(np.float32), ["x", "w", "c"]
    else:
        inits = {"w": rng.standard_normal((k, m_)).astype(np.float32)}
    mdl = model([helper.make_node(op, ins, ["y"], name=f"{op.lower()}0", **attrs)], {"x": (n, k)}, ["y"], inits)
    return mdl, feeds_for({"x": (n, k)}, rng)


@st.composite
def pool(draw, op):
    from onnx import helper

    n, c, h, w = draw(image())
    attrs, inits, ins = {}, {}, ["x"]
    if op in ("MaxPool", "AveragePool"):
        kh, kw = draw(st.integers(1, min(3, h))), draw(st.integers(1, min(3, w)))
        attrs = {"kernel_shape": [kh, kw], "strides": [draw(st.integers(1, 3)), draw(st.integers(1, 3))],
                 "pads": [draw(st.integers(0, k - 1)) for k in (kh, kw, kh, kw)]}
        if op == "AveragePool":
            attrs["count_include_pad"] = int(draw(st.booleans()))
    elif op == "ReduceMean":
        attrs = {"axes": draw(st.sampled_from([[2, 3], [-1, -2], [3, 2]])), "keepdims": 1}
    m = model([helper.make_node(op, ins, ["y"], name=f"{op.lower()}0", **attrs)], {"x": (n, c, h, w)}, ["y"], inits)
    return m, feeds_for({"x": (n, c, h, w)}, _rng(draw))


@st.composite
def concat(draw):
    from onnx import helper

    base = list(draw(shapes(rank_min=1)))
    axis = draw(st.integers(-len(base), len(base) - 1))
    k = draw(st.integers(2, 3))
    inputs = {}
    for i in range(k):
        s = list(base)
        s[axis] = draw(st.integers(1, 5))
        inputs[f"x{i}"] = tuple(s)
    m = model([helper.make_node("Concat", list(inputs), ["y"], name="concat0", axis=axis)], inputs, ["y"])
    return m, feeds_for(inputs, _rng(draw))


@st.composite
def pad(draw):
    from onnx import helper

    s = draw(shapes())
    pads = [draw(st.integers(0, 2)) for _ in range(2 * len(s))]
    value = draw(_num(-2, 2))
    inits = {"pads": np.array(pads, np.int64), "v": np.float32(value)}
    m = model([helper.make_node("Pad", ["x", "pads", "v"], ["y"], name="pad0", mode="constant")], {"x": s}, ["y"], inits)
    return m, feeds_for({"x": s}, _rng(draw))


@st.composite
def softmax(draw):
    from onnx import helper

    s = draw(shapes())
    axis = draw(st.integers(-len(s), len(s) - 1))
    m = model([helper.make_node("Softmax", ["x"], ["y"], name="softmax0", axis=axis)], {"x": s}, ["y"])
    return m, feeds_for({"x": s}, _rng(draw))


@st.composite
def view(draw, op):
    """A view between two computed tensors (views of graph inputs are plain copies)."""
    from onnx import helper

    s = draw(shapes(rank_min=2))
    inits, attrs, ins = {}, {}, ["r"]
    if op == "Reshape":
        flat = int(np.prod(s))
        inits["shape"] = np.array(draw(st.sampled_from([[flat], [1, flat], [s[0], -1], [-1, s[-1]]])), np.int64)
        ins.append("shape")
    elif op == "Flatten":
        attrs["axis"] = draw(st.integers(0, len(s)))
    elif op == "Squeeze":
        s = s[:1] + (1,) + s[1:]
        inits["axes"] = np.array([1], np.int64)
        ins.append("axes")
    elif op == "Unsqueeze":
        inits["axes"] = np.array([draw(st.integers(0, len(s)))], np.int64)
        ins.append("axes")
    else:
        attrs["perm"] = draw(st.permutations(list(range(len(s)))))
    nodes = [helper.make_node("Tanh", ["x"], ["r"], name="tanh_in"),
             helper.make_node(op, ins, ["v"], name=f"{op.lower()}0", **attrs),
             helper.make_node("Sigmoid", ["v"], ["y"], name="sigmoid_out")]
    return model(nodes, {"x": s}, ["y"], inits), feeds_for({"x": s}, _rng(draw))


def single_op(op: str):
    """The strategy for one op's single-op models."""
    if op in UNARY:
        return unary(op)
    if op in BINARY:
        return binary(op)
    if op in POOLS:
        return pool(op)
    if op in VIEWS:
        return view(op)
    if op in ("Gemm", "MatMul"):
        return dense(op)
    return {"Conv": conv, "Concat": concat, "Pad": pad, "Softmax": softmax}[op]()
