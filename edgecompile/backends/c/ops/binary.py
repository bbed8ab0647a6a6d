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

# ADD_S8_FLAT when every shift is <= 0 (emit() checks; TFLite's input multipliers are <= 1/2, the output one
# tiny): RoundingDivideByPOT(x, e) == (x + h + ((x >> 31) & nz)) >> e with h = 2^(e-1) and nz = -1 for e >= 1,
# h = nz = 0 for e = 0. Proof for e >= 1, s = (x < 0), r = x mod 2^e: TFLite adds 1 to floor(x / 2^e) iff
# r > 2^(e-1) - 1 + s, i.e. iff r + h - s >= 2^e, and 0 <= r + h - s < 2^(e+1), so the sum is
# floor((x + h - s) / 2^e). No overflow: |x| < 2^29 here ((a + off) << 20 with |a + off| <= 255, SRDHM by a
# multiplier < 1 never grows it, two of them summed) and h <= 2^30. Shifts and constants are loop-invariant,
# passed as arguments of an always-inline function, so that they are immediates at each call site.
ADD_S8_FLAT_RND = """static int32_t ec_rdbpot_h(int32_t x, int32_t h, int32_t nz, int e) {
  return (x + h + ((x >> 31) & nz)) >> e;
}

#if defined(__GNUC__)
__attribute__((always_inline)) /* each call site's constants become immediates: no spills in the loop */
#endif
static inline void ec_add_s8_flat_rnd(const int8_t* a, const int8_t* b, int8_t* y, int32_t n, int32_t off1,
                                      int32_t off2, int ls, int32_t m1, int e1, int32_t m2, int e2, int32_t mo,
                                      int eo, int32_t zp, int32_t amin, int32_t amax) {
  const int32_t h1 = (int32_t)((UINT32_C(1) << e1) >> 1), h2 = (int32_t)((UINT32_C(1) << e2) >> 1);
  const int32_t ho = (int32_t)((UINT32_C(1) << eo) >> 1);
  const int32_t nz1 = e1 ? -1 : 0, nz2 = e2 ? -1 : 0, nzo = eo ? -1 : 0;
  int32_t i;
  for (i = 0; i < n; ++i) {
    const int32_t va = ec_rdbpot_h(ec_srdhm_ns((int32_t)((uint32_t)(a[i] + off1) << ls), m1), h1, nz1, e1);
    const int32_t vb = ec_rdbpot_h(ec_srdhm_ns((int32_t)((uint32_t)(b[i] + off2) << ls), m2), h2, nz2, e2);
    const int32_t v = ec_rdbpot_h(ec_srdhm_ns(va + vb, mo), ho, nzo, eo) + zp;
    y[i] = (int8_t)(v < amin ? amin : (v > amax ? amax : v));
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

    def struct():
        return e.struct("ec_add_q", f"aq{i}", [a["offs"][0], a["offs"][1], q["left_shift"], q["m1"], q["s1"], q["m2"],
                                               q["s2"], q["mo"], q["so"], a["out_zp"], a["act"][0], a["act"][1]])
    if flat:
        n = 1
        for d in a["dims"]:
            n *= int(d)
        if (q["left_shift"] == 20 and all(-31 < q[k] <= 0 for k in ("s1", "s2", "so"))
                and all(abs(int(o)) <= 128 for o in a["offs"])):
            e.kernel("add_s8_flat_rnd", ADD_S8_FLAT_RND)
            return (f"ec_add_s8_flat_rnd({args[0]}, {args[1]}, {y}, {n}, {a['offs'][0]}, {a['offs'][1]}, 20, "
                    f"{q['m1']}, {-q['s1']}, {q['m2']}, {-q['s2']}, {q['mo']}, {-q['so']}, {a['out_zp']}, "
                    f"{a['act'][0]}, {a['act'][1]});")
        e.kernel("add_s8_flat", ADD_S8_FLAT)
        return f"ec_add_s8_flat({args[0]}, {args[1]}, {y}, {n}, &{struct()});"
    e.kernel("add_s8", ADD_S8)
    return f"ec_add_s8({args[0]}, {args[1]}, {y}, &{s}, &{struct()});"
