"""int8 element-wise functions and requantization as a 256-entry table (kernels/lut_s8.c)."""


def emit(e, op, i) -> str:
    n = e.g.tensors[op.inputs[0]].size
    return (f"{e.use('lut_s8')}({e.buf(op.inputs[0], const=True)}, {e.buf(op.outputs[0])}, {n}, "
            f"{e.const(f'lut{i}', op.attrs['table'])});")
