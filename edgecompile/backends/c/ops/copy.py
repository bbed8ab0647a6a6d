"""A layout change (or a copy to the caller's output): a strided gather, element by element."""

from edgecompile.backends.c.ir import ITEMSIZE, logical_strides
from edgecompile.backends.c.lower_fp32 import pad4

KERNEL = """typedef struct { int32_t d[4], s[4]; } ec_gather;

static void ec_copy(const uint8_t* x, uint8_t* y, const ec_gather* g, int32_t esize) {
  int32_t i0, i1, i2, i3, b;
  for (i0 = 0; i0 < g->d[0]; ++i0)
    for (i1 = 0; i1 < g->d[1]; ++i1)
      for (i2 = 0; i2 < g->d[2]; ++i2)
        for (i3 = 0; i3 < g->d[3]; ++i3) {
          const uint8_t* src = x + (i0 * g->s[0] + i1 * g->s[1] + i2 * g->s[2] + i3 * g->s[3]) * esize;
          for (b = 0; b < esize; ++b) *y++ = src[b];
        }
}
"""


def emit(e, op, i) -> str:
    src, dst = e.g.tensors[op.inputs[0]], e.g.tensors[op.outputs[0]]
    ls = logical_strides(src)
    e.kernel("copy", KERNEL)
    s = e.struct("ec_gather", f"ga{i}", [pad4(dst.stored, 1), pad4([ls[p] for p in dst.perm], 0)])
    return (f"ec_copy((const uint8_t*){e.buf(op.inputs[0], const=True)}, (uint8_t*){e.buf(op.outputs[0])}, &{s}, "
            f"{ITEMSIZE[src.dtype]});")
