"""Concat along any axis: each input is `outer` rows of its own width, interleaved into the output (kernels/rows.c)."""

from edgecompile.backends.c.ir import ITEMSIZE


def emit(e, op, i) -> str:
    fn = e.use("rows")
    size = ITEMSIZE[op.attrs["dtype"]]
    widths = [w * size for w in op.attrs["inner"]]
    total, off, calls = sum(widths), 0, []
    y = e.buf(op.outputs[0])
    for name, w in zip(op.inputs, widths):
        calls.append(f"{fn}((const uint8_t*){e.buf(name, const=True)}, (uint8_t*){y} + {off}, "
                     f"{op.attrs['outer']}, {w}, {total});")
        off += w
    return "\n  ".join(calls)
