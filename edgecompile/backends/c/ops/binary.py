"""Element-wise Add/Sub/Mul/Div/Max/Min with broadcasting (strides of 0), any storage order.

int8 Add is TFLite's: both inputs shifted left 20 bits, rescaled to twice the larger input scale,
summed, rescaled to the output, offset, clamped (fused Relu).
"""

BCAST = """typedef struct { int32_t d[4], sa[4], sb[4]; } ec_bcast;
"""

LOOP = """  int32_t i0, i1, i2, i3, n = 0;
  for (i0 = 0; i0 < s->d[0]; ++i0)
    for (i1 = 0; i1 < s->d[1]; ++i1)
      for (i2 = 0; i2 < s->d[2]; ++i2)
        for (i3 = 0; i3 < s->d[3]; ++i3, ++n) {
          const int32_t ia = i0 * s->sa[0] + i1 * s->sa[1] + i2 * s->sa[2] + i3 * s->sa[3];
          const int32_t ib = i0 * s->sb[0] + i1 * s->sb[1] + i2 * s->sb[2] + i3 * s->sb[3];
          BODY
        }
"""

ADD_Q = """typedef struct { int32_t off1, off2, left_shift, m1, s1, m2, s2, mo, so, out_zp, amin, amax; } ec_add_q;
"""

ADD_S8 = ("""static void ec_add_s8(const int8_t* a, const int8_t* b, int8_t* y, const ec_bcast* s, const ec_add_q* q) {
""" + LOOP.replace("BODY", """const int32_t va = ec_mbqm((int32_t)((uint32_t)(a[ia] + q->off1) << q->left_shift), q->m1, q->s1);
          const int32_t vb = ec_mbqm((int32_t)((uint32_t)(b[ib] + q->off2) << q->left_shift), q->m2, q->s2);
          y[n] = ec_sat8(ec_mbqm(va + vb, q->mo, q->so) + q->out_zp, q->amin, q->amax);""") + "}\n")

# same-shape operands stored alike (residual adds): one flat loop, no index arithmetic
ADD_S8_FLAT = """static void ec_add_s8_flat(const int8_t* a, const int8_t* b, int8_t* y, int32_t n, const ec_add_q* q) {
  int32_t i;
  for (i = 0; i < n; ++i) {
    const int32_t va = ec_mbqm((int32_t)((uint32_t)(a[i] + q->off1) << q->left_shift), q->m1, q->s1);
    const int32_t vb = ec_mbqm((int32_t)((uint32_t)(b[i] + q->off2) << q->left_shift), q->m2, q->s2);
    y[i] = ec_sat8(ec_mbqm(va + vb, q->mo, q->so) + q->out_zp, q->amin, q->amax);
  }
}
"""


def _contiguous(dims, st) -> bool:
    acc = 1
    for d, k in zip(reversed(list(dims)), reversed(list(st))):
        if d != 1 and k != acc:
            return False
        acc *= d
    return True


EXPR = {"+": "a[ia] + b[ib]", "-": "a[ia] - b[ib]", "*": "a[ia] * b[ib]", "/": "a[ia] / b[ib]",
        "max": "a[ia] > b[ib] ? a[ia] : b[ib]", "min": "a[ia] < b[ib] ? a[ia] : b[ib]"}
NAME = {"+": "add", "-": "sub", "*": "mul", "/": "div", "max": "max", "min": "min"}


def f32_kernel(fn: str) -> str:
    return (f"static void ec_{NAME[fn]}_f32(const float* a, const float* b, float* y, const ec_bcast* s) {{\n"
            + LOOP.replace("BODY", f"y[n] = {EXPR[fn]};") + "}\n")


def emit(e, op, i) -> str:
    a = op.attrs
    e.kernel("bcast", BCAST)
    flat = a["dtype"] != "float32" and all(_contiguous(a["dims"], st) for st in a["strides"][:2])
    s = None if flat else e.struct("ec_bcast", f"bc{i}", [list(a["dims"]), list(a["strides"][0]), list(a["strides"][1])])
    args, names = [], iter(op.inputs)
    for j, c in enumerate(a["consts"]):
        args.append(e.const(f"k{i}_{j}", c) if c is not None else e.buf(next(names), const=True))
    y = e.buf(op.outputs[0])
    if a["dtype"] == "float32":
        e.kernel(f"bin_{a['fn']}", f32_kernel(a["fn"]))
        return f"ec_{NAME[a['fn']]}_f32({args[0]}, {args[1]}, {y}, &{s});"
    e.kernel("fixedpoint", e.fixedpoint())
    e.kernel("add_q", ADD_Q)
    q = a["q"]
    qs = e.struct("ec_add_q", f"aq{i}", [a["offs"][0], a["offs"][1], q["left_shift"], q["m1"], q["s1"], q["m2"], q["s2"],
                                         q["mo"], q["so"], a["out_zp"], a["act"][0], a["act"][1]])
    if flat:
        n = 1
        for d in a["dims"]:
            n *= int(d)
        e.kernel("add_s8_flat", ADD_S8_FLAT)
        return f"ec_add_s8_flat({args[0]}, {args[1]}, {y}, {n}, &{qs});"
    e.kernel("add_s8", ADD_S8)
    return f"ec_add_s8({args[0]}, {args[1]}, {y}, &{s}, &{qs});"
