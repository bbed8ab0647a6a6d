"""Constant padding of up to 4 dimensions, in the tensor's storage order (kernels/pad.c)."""


def emit(e, op, i) -> str:
    a = op.attrs
    f32 = a["dtype"] == "float32"
    fn = e.use("pad", "_f32" if f32 else "_s8")
    s = e.struct("ec_pad_geo", f"pd{i}", [list(a["idims"]), list(a["odims"]), list(a["before"])])
    fill = e.flt(a["fill"]) if f32 else str(int(a["fill"]))
    return f"{fn}({e.buf(op.inputs[0], const=True)}, {e.buf(op.outputs[0])}, &{s}, {fill});"
