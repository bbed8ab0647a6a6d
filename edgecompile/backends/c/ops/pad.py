"""Constant padding of up to 4 dimensions, in the tensor's storage order."""

KERNEL = """typedef struct { int32_t in[4], out[4], before[4]; } ec_pad_geo;

#define EC_PAD_BODY(T)                                                                        \\
  int32_t o0, o1, o2, o3, n = 0;                                                              \\
  for (o0 = 0; o0 < g->out[0]; ++o0)                                                          \\
    for (o1 = 0; o1 < g->out[1]; ++o1)                                                        \\
      for (o2 = 0; o2 < g->out[2]; ++o2)                                                      \\
        for (o3 = 0; o3 < g->out[3]; ++o3, ++n) {                                             \\
          const int32_t i0 = o0 - g->before[0], i1 = o1 - g->before[1];                       \\
          const int32_t i2 = o2 - g->before[2], i3 = o3 - g->before[3];                       \\
          const int inside = i0 >= 0 && i0 < g->in[0] && i1 >= 0 && i1 < g->in[1] && i2 >= 0 && \\
                             i2 < g->in[2] && i3 >= 0 && i3 < g->in[3];                       \\
          y[n] = inside ? x[((i0 * g->in[1] + i1) * g->in[2] + i2) * g->in[3] + i3] : (T)fill; \\
        }
"""

TYPED = {"float32": ("f32", "float", "float"), "int8": ("s8", "int8_t", "int32_t")}


def emit(e, op, i) -> str:
    a = op.attrs
    suffix, ctype, ftype = TYPED[a["dtype"]]
    e.kernel("pad", KERNEL)
    e.kernel(f"pad_{suffix}", f"static void ec_pad_{suffix}(const {ctype}* x, {ctype}* y, const ec_pad_geo* g, {ftype} fill) {{\n"
             f"  EC_PAD_BODY({ctype})\n}}\n")
    s = e.struct("ec_pad_geo", f"pd{i}", [list(a["idims"]), list(a["odims"]), list(a["before"])])
    fill = e.flt(a["fill"]) if a["dtype"] == "float32" else str(int(a["fill"]))
    return f"ec_pad_{suffix}({e.buf(op.inputs[0], const=True)}, {e.buf(op.outputs[0])}, &{s}, {fill});"
