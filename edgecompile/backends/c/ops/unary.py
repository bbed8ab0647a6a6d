"""fp32 element-wise activations: kernels/unary_f32.c, one pasting per function (kernel_table.UNARY)."""


def _params(fn, p) -> tuple[float, float]:
    if fn == "Clip":
        return p.get("min", -3.4e38), p.get("max", 3.4e38)
    if fn == "LeakyRelu":
        return p.get("alpha", 0.01), 0.0
    if fn == "HardSigmoid":
        return p.get("alpha", 0.2), p.get("beta", 0.5)
    if fn == "Elu":
        return p.get("alpha", 1.0), 0.0
    return 0.0, 0.0


def emit(e, op, i) -> str:
    fn = op.attrs["fn"]
    name = e.use("unary_f32", f"_{fn.lower()}")
    p0, p1 = _params(fn, op.attrs["params"])
    n = e.g.tensors[op.inputs[0]].size
    return f"{name}({e.buf(op.inputs[0], const=True)}, {e.buf(op.outputs[0])}, {n}, {e.flt(p0)}, {e.flt(p1)});"
