"""A layout change (or a copy to the caller's output): a strided gather (kernels/copy.c)."""

from edgecompile.backends.c.ir import ITEMSIZE, logical_strides, pad4


def emit(e, op, i) -> str:
    src, dst = e.g.tensors[op.inputs[0]], e.g.tensors[op.outputs[0]]
    ls = logical_strides(src)
    s = e.struct("ec_gather", f"ga{i}", [pad4(dst.stored, 1), pad4([ls[p] for p in dst.perm], 0)])
    return (f"{e.use('copy')}((const uint8_t*){e.buf(op.inputs[0], const=True)}, (uint8_t*){e.buf(op.outputs[0])}, &{s}, "
            f"{ITEMSIZE[src.dtype]});")
