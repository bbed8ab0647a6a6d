"""Gemm / MatMul against a constant matrix (one weight row per output): TFLite's FullyConnected
(kernels/dense_*.c)."""


def emit(e, op, i) -> str:
    a = op.attrs
    x, y = e.buf(op.inputs[0], const=True), e.buf(op.outputs[0])
    e.macs += a["batch"] * a["k"] * a["n"]
    w, b = e.const(f"w{i}", a["w"]), e.const(f"b{i}", a["b"])
    if a["dtype"] == "float32":
        return f"{e.use('dense_f32')}({x}, {y}, {a['batch']}, {a['k']}, {a['n']}, {w}, {b});"
    return (f"{e.use('dense_s8')}({x}, {y}, {a['batch']}, {a['k']}, {a['n']}, {w}, {b}, {e.const(f'm{i}', a['mult'])}, "
            f"{e.const(f's{i}', a['shift'])}, {a['in_off']}, {a['out_zp']}, {a['act'][0]}, {a['act'][1]});")
