"""Softmax over the innermost stored axis (kernels/softmax_*.c; int8 is TFLite's reference kernel)."""


def emit(e, op, i) -> str:
    a = op.attrs
    x, y = e.buf(op.inputs[0], const=True), e.buf(op.outputs[0])
    if a["dtype"] == "float32":
        return f"{e.use('softmax_f32')}({x}, {y}, {a['outer']}, {a['depth']});"
    return f"{e.use('softmax_s8')}({x}, {y}, {a['outer']}, {a['depth']}, {a['mult']}, {a['left']}, {a['diff_min']});"
