"""int8 Conv with the Cortex-M DSP extension (CMSIS-NN's idea): four input channels per 32-bit load,
widened to two int16 pairs (SXTB16, the second rotated by 8) plus the input offset (SADD16), then
two dual 16-bit multiply-accumulates (SMLAD) per weight word, four output channels at a time.

Integer sums are exact in any order, so this is bit-identical to ec_conv_s8, which stays in the
file for compilers without __ARM_FEATURE_SIMD32 (host builds, Cortex-M0+/M3): the host tests and
the emulator's output comparison check the same arithmetic.
"""

from edgecompile.backends.c.ops import conv

SIMD = """#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
#include <arm_acle.h>
#include <string.h>

static uint32_t ec_ld4(const int8_t* p) {
  uint32_t v;
  memcpy(&v, p, 4); /* one unaligned LDR on ARMv7E-M */
  return v;
}

static uint32_t ec_ror8(uint32_t v) { return (v >> 8) | (v << 24); } /* folds into SXTB16's ROR #8 */

static void ec_conv_s8_simd(const int8_t* x, int8_t* y, const ec_conv_geo* g, const int8_t* w, const int32_t* bias,
                            const int32_t* mult, const int32_t* shift, int32_t in_off, int32_t out_zp, int32_t amin,
                            int32_t amax) {
  const int ic = g->ic, taps = g->kh * g->kw * ic;
  const int16x2_t off2 = (int16x2_t)(((uint32_t)(uint16_t)in_off << 16) | (uint16_t)in_off);
  int oy, ox, oc, ky, kx, c, j;
  for (oy = 0; oy < g->oh; ++oy) {
    for (ox = 0; ox < g->ow; ++ox) {
      const int iy0 = oy * g->sh - g->pt, ix0 = ox * g->sw - g->pl;
      int8_t* yp = y + ((int32_t)oy * g->ow + ox) * g->oc;
      for (oc = 0; oc + 4 <= g->oc; oc += 4) {
        int32_t acc[4] = {0, 0, 0, 0};
        for (ky = 0; ky < g->kh; ++ky) {
          const int iy = iy0 + ky * g->dh;
          if (iy < 0 || iy >= g->ih) continue;
          for (kx = 0; kx < g->kw; ++kx) {
            const int ix = ix0 + kx * g->dw;
            const int8_t* xp = x + ((int32_t)iy * g->iw + ix) * ic;
            const int8_t* w0 = w + (int32_t)oc * taps + (ky * g->kw + kx) * ic;
            int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
            if (ix < 0 || ix >= g->iw) continue;
            for (c = 0; c < ic; c += 4) {
              const uint32_t x4 = ec_ld4(xp + c);
              const int16x2_t xe = __sadd16(__sxtb16(x4), off2), xo = __sadd16(__sxtb16(ec_ror8(x4)), off2);
              uint32_t w4 = ec_ld4(w0 + c);
              a0 = __smlad(__sxtb16(w4), xe, a0);
              a0 = __smlad(__sxtb16(ec_ror8(w4)), xo, a0);
              w4 = ec_ld4(w0 + taps + c);
              a1 = __smlad(__sxtb16(w4), xe, a1);
              a1 = __smlad(__sxtb16(ec_ror8(w4)), xo, a1);
              w4 = ec_ld4(w0 + 2 * taps + c);
              a2 = __smlad(__sxtb16(w4), xe, a2);
              a2 = __smlad(__sxtb16(ec_ror8(w4)), xo, a2);
              w4 = ec_ld4(w0 + 3 * taps + c);
              a3 = __smlad(__sxtb16(w4), xe, a3);
              a3 = __smlad(__sxtb16(ec_ror8(w4)), xo, a3);
            }
            acc[0] = a0;
            acc[1] = a1;
            acc[2] = a2;
            acc[3] = a3;
          }
        }
        for (j = 0; j < 4; ++j) {
          yp[oc + j] = ec_sat8(ec_mbqm(acc[j] + bias[oc + j], mult[oc + j], shift[oc + j]) + out_zp, amin, amax);
        }
      }
      for (; oc < g->oc; ++oc) { /* channels left over when oc is not a multiple of 4 */
        int32_t acc = 0;
        for (ky = 0; ky < g->kh; ++ky) {
          const int iy = iy0 + ky * g->dh;
          if (iy < 0 || iy >= g->ih) continue;
          for (kx = 0; kx < g->kw; ++kx) {
            const int ix = ix0 + kx * g->dw;
            const int8_t* xp = x + ((int32_t)iy * g->iw + ix) * ic;
            const int8_t* wk = w + (int32_t)oc * taps + (ky * g->kw + kx) * ic;
            if (ix < 0 || ix >= g->iw) continue;
            for (c = 0; c < ic; ++c) acc += (xp[c] + in_off) * wk[c];
          }
        }
        yp[oc] = ec_sat8(ec_mbqm(acc + bias[oc], mult[oc], shift[oc]) + out_zp, amin, amax);
      }
    }
  }
}
#endif
"""


def emit(e, op, i):
    """The DSP kernel for dense (groups == 1) int8 convolutions with a multiple of 4 input channels."""
    g, a = op.attrs["geo"], op.attrs
    if g["groups"] != 1 or g["ic"] % 4 or a["dtype"] != "int8":
        return None
    e.kernel("fixedpoint", e.fixedpoint())
    e.kernel("conv_s8", conv.S8)
    e.kernel("conv_s8_simd", SIMD)
    geo = f"ec_geo{i}"
    x, y = e.buf(op.inputs[0], const=True), e.buf(op.outputs[0])
    args = (f"{x}, {y}, &{geo}, {e.const(f'w{i}', a['w'])}, {e.const(f'b{i}', a['b'])}, {e.const(f'm{i}', a['mult'])}, "
            f"{e.const(f's{i}', a['shift'])}, {a['in_off']}, {a['out_zp']}, {a['act'][0]}, {a['act'][1]}")
    return (f"\n#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32\n  ec_conv_s8_simd({args});\n#else\n"
            f"  ec_conv_s8({args});\n#endif")
