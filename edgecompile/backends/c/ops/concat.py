"""Concat along any axis: each input is `outer` rows of its own width, interleaved into the output."""

from edgecompile.backends.c.ir import ITEMSIZE

KERNEL = """static void ec_rows(const uint8_t* x, uint8_t* y, int32_t rows, int32_t width, int32_t stride) {
  int32_t r, b;
  for (r = 0; r < rows; ++r)
    for (b = 0; b < width; ++b) y[r * stride + b] = x[r * width + b];
}
"""


def emit(e, op, i) -> str:
    e.kernel("rows", KERNEL)
    size = ITEMSIZE[op.attrs["dtype"]]
    widths = [w * size for w in op.attrs["inner"]]
    total, off, calls = sum(widths), 0, []
    y = e.buf(op.outputs[0])
    for name, w in zip(op.inputs, widths):
        calls.append(f"ec_rows((const uint8_t*){e.buf(name, const=True)}, (uint8_t*){y} + {off}, "
                     f"{op.attrs['outer']}, {w}, {total});")
        off += w
    return "\n  ".join(calls)
