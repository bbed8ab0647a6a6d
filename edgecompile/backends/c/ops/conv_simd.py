"""int8 Conv with the Cortex-M DSP extension (CMSIS-NN's ideas, our own loops), no im2col buffer.

Dense convolutions (groups == 1): NHWC input and OHWI weights make every kernel row a contiguous
run of (valid kx) * Cin bytes in both, so each output pixel is at most kh dot products of such
runs. Four bytes per 32-bit load, widened to int16 pairs with the input offset added in the same
instruction (SXTAB16, the odd bytes through ROR #8), then dual multiply-accumulates (SMLAD), four
output channels per pass over the input; a scalar tail takes runs that are not a multiple of 4
(e.g. Cin = 1 or 3). Clipped rows/columns at the borders are just shorter runs: no padding bytes.

Depthwise (groups == Cin == Cout): weights repacked channel-last (HWC) at compile time so four
channels of one tap are one load; SMLABB/SMLATT accumulate the four channels separately.

Integer sums are exact in any order (bias first here, last in TFLite), so these are bit-identical
to ec_conv_s8, which stays for compilers without __ARM_FEATURE_SIMD32 (host builds, Cortex-M0+/M3):
the host tests and the emulator's output comparison check the same arithmetic.
"""

import numpy as np

SIMD = "defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32"

from edgecompile.backends.c.ops import conv

COMMON = """#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
#include <arm_acle.h>
#include <string.h>

/* gcc's pre-allocation scheduler hoists every load of an unrolled multiply-accumulate block ahead and then
 * spills the accumulators (measured: KWS 6.31M -> 6.01M instructions without it; the packed kernel is faster with it) */
#if defined(__GNUC__) && !defined(__clang__)
#define EC_NO_SCHED __attribute__((optimize("no-schedule-insns")))
#else
#define EC_NO_SCHED
#endif

static uint32_t ec_ld4(const int8_t* p) {
  uint32_t v;
  memcpy(&v, p, 4); /* one unaligned LDR on ARMv7E-M */
  return v;
}

/* SXTB16 / SXTAB16 of the odd bytes: the rotation is free in the instruction */
static uint32_t ec_sxtb16_ror8(uint32_t v) {
  uint32_t r;
  __asm("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
  return r;
}

static uint32_t ec_sxtab16_ror8(uint32_t a, uint32_t v) {
  uint32_t r;
  __asm("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(v));
  return r;
}

/* acc += four int8 weights (packed in w4) . four inputs widened to int16 (even bytes xe, odd xo) */
#define EC_SMLAD4(w4, xe, xo, acc) \
  ((acc) = __smlad(ec_sxtb16_ror8(w4), (xo), __smlad(__sxtb16(w4), (xe), (acc))))

#endif
"""

REQ = """#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
static int8_t ec_req(int32_t acc, int32_t mult, int32_t shift, int32_t out_zp, int32_t amin, int32_t amax) {
  return ec_sat8(ec_mbqm(acc, mult, shift) + out_zp, amin, amax);
}

#endif
"""

REQF = """#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* ec_req when the layer's every shift is in [-22, -1] and |acc| < 2^30 (emit() checks; the usual case):
 * no left shift, and RoundingDivideByPOT by e = -shift without its mask/threshold/compare. Bit-exact:
 * with h = 2^(e-1), s = (x < 0), r = x mod 2^e, TFLite returns floor(x / 2^e) + (r > h - 1 + s), and
 * r > h - 1 + s <=> r + h - s >= 2^e <=> floor((r + h - s) / 2^e) == 1 (0 <= r + h - s < 2^(e+1)), so
 * the result is floor((x + h - s) / 2^e): one add of h, one of x >> 31, one arithmetic shift. x + h
 * overflows only for x > 2^31 - 1 - h, so it saturates (QADD) to 2^31 - 1; both the true and the
 * saturated quotient are then >= 2^(31-e) - 1 >= 511 (e <= 22), clamped to the same int8. The per-channel
 * shift comes packed at compile time as eh = h << 8 | e (h <= 2^21), so h and e cost one LSR, no arithmetic. */
static int8_t ec_reqf(int32_t acc, int32_t mult, int32_t eh, int32_t out_zp, int32_t amin, int32_t amax) {
  /* SRDHM as one SMMULR: (2 acc * mult + 2^31) >> 32 == (acc * mult + 2^30) >> 31, and 2 acc fits in int32
   * because emit() bounds |acc| < 2^30 (|bias| + taps * |x| * |w|) */
  int32_t x, r;
  __asm("smmulr %0, %1, %2" : "=r"(x) : "r"((int32_t)((uint32_t)acc << 1)), "r"(mult));
  r = __qadd(x, eh >> 8) + (x >> 31);
  __asm("asr %0, %1, %2" : "=r"(r) : "r"(r), "r"(eh)); /* ASR by a register reads its low byte: e */
  r += out_zp;
  return (int8_t)(r < amin ? amin : (r > amax ? amax : r));
}
#endif
"""

REQS = """#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* ec_reqf for layers clamped to the whole int8 range (amin -128, amax 127: no activation, or a Relu whose output
 * zero point is -128): the clamp is one SSAT */
static int8_t ec_reqs(int32_t acc, int32_t mult, int32_t eh, int32_t out_zp, int32_t amin, int32_t amax) {
  int32_t x, r;
  __asm("smmulr %0, %1, %2" : "=r"(x) : "r"((int32_t)((uint32_t)acc << 1)), "r"(mult));
  r = __qadd(x, eh >> 8) + (x >> 31);
  __asm("asr %0, %1, %2" : "=r"(r) : "r"(r), "r"(eh)); /* by eh's low byte, e */
  (void)amin;
  (void)amax;
  return (int8_t)__ssat(r + out_zp, 8);
}
#endif
"""

DENSE = """#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
static void ec_conv_s8_simd(const int8_t* x, int8_t* y, const ec_conv_geo* g, const int8_t* w, const int32_t* bias,
                            const int32_t* mult, const int32_t* shift, int32_t in_off, int32_t out_zp, int32_t amin,
                            int32_t amax) {
  const int ic = g->ic, kw = g->kw, taps = g->kh * g->kw * g->ic, row = g->iw * g->ic, wrow = g->kw * g->ic;
  const uint32_t off2 = ((uint32_t)(uint16_t)in_off << 16) | (uint16_t)in_off;
  int oy, ox, oc, ky, k;
  for (oy = 0; oy < g->oh; ++oy) {
    const int iy0 = oy * g->sh - g->pt;
    const int ky0 = iy0 < 0 ? -iy0 : 0, ky1 = iy0 + g->kh > g->ih ? g->ih - iy0 : g->kh;
    for (ox = 0; ox < g->ow; ++ox) {
      const int ix0 = ox * g->sw - g->pl;
      const int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + kw > g->iw ? g->iw - ix0 : kw;
      const int n = (kx1 - kx0) * ic, n4 = n & ~3;
      const int8_t* xs = x + ((int32_t)(iy0 + ky0) * g->iw + ix0 + kx0) * ic;
      const int8_t* ws = w + (ky0 * kw + kx0) * ic;
      int8_t* yp = y + ((int32_t)oy * g->ow + ox) * g->oc;
      for (oc = 0; oc + 4 <= g->oc; oc += 4) {
        int32_t a0 = bias[oc], a1 = bias[oc + 1], a2 = bias[oc + 2], a3 = bias[oc + 3];
        const int8_t* xr = xs;
        const int8_t* wr = ws + (int32_t)oc * taps;
        for (ky = ky0; ky < ky1; ++ky, xr += row, wr += wrow) {
          const int8_t* xp = xr;
          const int8_t* wp = wr;
          const int8_t* const end = xr + n4;
          while (xp < end) {
            const uint32_t x4 = ec_ld4(xp);
            const uint32_t xe = __sxtab16(off2, x4), xo = ec_sxtab16_ror8(off2, x4);
            uint32_t w4 = ec_ld4(wp);
            EC_SMLAD4(w4, xe, xo, a0);
            w4 = ec_ld4(wp + taps);
            EC_SMLAD4(w4, xe, xo, a1);
            w4 = ec_ld4(wp + 2 * taps);
            EC_SMLAD4(w4, xe, xo, a2);
            w4 = ec_ld4(wp + 3 * taps);
            EC_SMLAD4(w4, xe, xo, a3);
            xp += 4;
            wp += 4;
          }
          for (k = n4; k < n; ++k) { /* runs that are not a multiple of 4 bytes */
            const int32_t xv = xr[k] + in_off;
            a0 += xv * wr[k];
            a1 += xv * wr[k + taps];
            a2 += xv * wr[k + 2 * taps];
            a3 += xv * wr[k + 3 * taps];
          }
        }
        yp[oc] = ec_req(a0, mult[oc], shift[oc], out_zp, amin, amax);
        yp[oc + 1] = ec_req(a1, mult[oc + 1], shift[oc + 1], out_zp, amin, amax);
        yp[oc + 2] = ec_req(a2, mult[oc + 2], shift[oc + 2], out_zp, amin, amax);
        yp[oc + 3] = ec_req(a3, mult[oc + 3], shift[oc + 3], out_zp, amin, amax);
      }
      for (oc = g->oc & ~3; oc < g->oc; ++oc) { /* channels left over when Cout is not a multiple of 4 */
        int32_t acc = bias[oc];
        const int8_t* xr = xs;
        const int8_t* wr = ws + (int32_t)oc * taps;
        for (ky = ky0; ky < ky1; ++ky, xr += row, wr += wrow) {
          for (k = 0; k < n; ++k) acc += (xr[k] + in_off) * wr[k];
        }
        yp[oc] = ec_req(acc, mult[oc], shift[oc], out_zp, amin, amax);
      }
    }
  }
}
#endif
"""

DEPTHWISE = """#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* one tap for four channels: SMLABB/SMLATT on the even and odd int16 lanes */
#define EC_DWTAP(xq, wq)                                                                   \
  do {                                                                                     \
    const uint32_t x4_ = ec_ld4(xq), w4_ = ec_ld4(wq);                                     \
    const uint32_t xe_ = __sxtab16(off2, x4_), xo_ = ec_sxtab16_ror8(off2, x4_);           \
    const uint32_t we_ = __sxtb16(w4_), wo_ = ec_sxtb16_ror8(w4_);                         \
    a0 = __smlabb((int32_t)xe_, (int32_t)we_, a0);                                         \
    a2 = __smlatt((int32_t)xe_, (int32_t)we_, a2);                                         \
    a1 = __smlabb((int32_t)xo_, (int32_t)wo_, a1);                                         \
    a3 = __smlatt((int32_t)xo_, (int32_t)wo_, a3);                                         \
  } while (0)

EC_NO_SCHED
static void ec_dwconv_s8_simd(const int8_t* x, int8_t* y, const ec_conv_geo* g, const int8_t* w_hwc,
                              const int32_t* bias, const int32_t* mult, const int32_t* shift, int32_t in_off,
                              int32_t out_zp, int32_t amin, int32_t amax) {
  const int ch = g->ic, kw = g->kw;
  const uint32_t off2 = ((uint32_t)(uint16_t)in_off << 16) | (uint16_t)in_off;
  int oy, ox, c, ky, kx;
  for (oy = 0; oy < g->oh; ++oy) {
    const int iy0 = oy * g->sh - g->pt;
    const int ky0 = iy0 < 0 ? -iy0 : 0, ky1 = iy0 + g->kh > g->ih ? g->ih - iy0 : g->kh;
    for (ox = 0; ox < g->ow; ++ox) {
      const int ix0 = ox * g->sw - g->pl;
      const int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + kw > g->iw ? g->iw - ix0 : kw;
      const int8_t* xs = x + ((int32_t)(iy0 + ky0) * g->iw + ix0 + kx0) * ch;
      const int8_t* ws = w_hwc + (ky0 * kw + kx0) * ch;
      int8_t* yp = y + ((int32_t)oy * g->ow + ox) * ch;
      const int full3 = g->kh == 3 && kw == 3 && ky1 - ky0 == 3 && kx1 - kx0 == 3;
      for (c = 0; c < ch; c += 4) { /* ch is a multiple of 4 */
        int32_t a0 = bias[c], a1 = bias[c + 1], a2 = bias[c + 2], a3 = bias[c + 3];
        const int8_t* xr = xs + c;
        const int8_t* wr = ws + c;
        if (full3) { /* a 3x3 window inside the input: three taps a row, no bound arithmetic */
          const int8_t* const xe = xr + 3 * g->iw * ch;
          for (; xr < xe; xr += g->iw * ch, wr += 3 * ch) {
            EC_DWTAP(xr, wr);
            EC_DWTAP(xr + ch, wr + ch);
            EC_DWTAP(xr + 2 * ch, wr + 2 * ch);
          }
        }
        for (ky = full3 ? ky1 : ky0; ky < ky1; ++ky, xr += g->iw * ch, wr += kw * ch) {
          const int8_t* xp = xr;
          const int8_t* wp = wr;
          for (kx = kx0; kx < kx1; ++kx, xp += ch, wp += ch) {
            const uint32_t x4 = ec_ld4(xp), w4 = ec_ld4(wp);
            const uint32_t xe = __sxtab16(off2, x4), xo = ec_sxtab16_ror8(off2, x4);
            const uint32_t we = __sxtb16(w4), wo = ec_sxtb16_ror8(w4);
            a0 = __smlabb((int32_t)xe, (int32_t)we, a0);
            a2 = __smlatt((int32_t)xe, (int32_t)we, a2);
            a1 = __smlabb((int32_t)xo, (int32_t)wo, a1);
            a3 = __smlatt((int32_t)xo, (int32_t)wo, a3);
          }
        }
        yp[c] = ec_req(a0, mult[c], shift[c], out_zp, amin, amax);
        yp[c + 1] = ec_req(a1, mult[c + 1], shift[c + 1], out_zp, amin, amax);
        yp[c + 2] = ec_req(a2, mult[c + 2], shift[c + 2], out_zp, amin, amax);
        yp[c + 3] = ec_req(a3, mult[c + 3], shift[c + 3], out_zp, amin, amax);
      }
    }
  }
}
#endif
"""

PACKED = """#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* Cin % 4 == 0: every run starts and ends on a 4-byte group, so the weights of each block of four output
 * channels are interleaved per group at compile time (w0[k..k+3] w1[k..k+3] w2[..] w3[..]): one pointer
 * walks them, which keeps the loop's accumulators, operands and pointers in registers. */
static void ec_conv_s8_simd4(const int8_t* x, int8_t* y, const ec_conv_geo* g, const int8_t* wpk,
                             const int32_t* bias, const int32_t* mult, const int32_t* shift, int32_t in_off,
                             int32_t out_zp, int32_t amin, int32_t amax) {
  const int ic = g->ic, kw = g->kw, taps = g->kh * g->kw * g->ic, row = g->iw * g->ic, wrow = 4 * g->kw * g->ic;
  const uint32_t off2 = ((uint32_t)(uint16_t)in_off << 16) | (uint16_t)in_off;
  int oy, ox, oc, ky, k;
  for (oy = 0; oy < g->oh; ++oy) {
    const int iy0 = oy * g->sh - g->pt;
    const int ky0 = iy0 < 0 ? -iy0 : 0, ky1 = iy0 + g->kh > g->ih ? g->ih - iy0 : g->kh;
    for (ox = 0; ox < g->ow; ++ox) {
      const int ix0 = ox * g->sw - g->pl;
      const int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + kw > g->iw ? g->iw - ix0 : kw;
      const int n = (kx1 - kx0) * ic;
      const int8_t* xs = x + ((int32_t)(iy0 + ky0) * g->iw + ix0 + kx0) * ic;
      const int32_t ws = 4 * (ky0 * kw + kx0) * ic;
      int8_t* yp = y + ((int32_t)oy * g->ow + ox) * g->oc;
      for (oc = 0; oc + 4 <= g->oc; oc += 4) {
        int32_t a0 = bias[oc], a1 = bias[oc + 1], a2 = bias[oc + 2], a3 = bias[oc + 3];
        const int8_t* xr = xs;
        const int8_t* wr = wpk + (int32_t)oc * taps + ws;
        for (ky = ky0; ky < ky1; ++ky, xr += row, wr += wrow) {
          const int8_t* xp = xr;
          const int8_t* wp = wr;
          const int8_t* const end = xr + n;
          while (xp < end) {
            const uint32_t x4 = ec_ld4(xp);
            const uint32_t xe = __sxtab16(off2, x4), xo = ec_sxtab16_ror8(off2, x4);
            uint32_t w4 = ec_ld4(wp);
            EC_SMLAD4(w4, xe, xo, a0);
            w4 = ec_ld4(wp + 4);
            EC_SMLAD4(w4, xe, xo, a1);
            w4 = ec_ld4(wp + 8);
            EC_SMLAD4(w4, xe, xo, a2);
            w4 = ec_ld4(wp + 12);
            EC_SMLAD4(w4, xe, xo, a3);
            xp += 4;
            wp += 16;
          }
        }
        yp[oc] = ec_req(a0, mult[oc], shift[oc], out_zp, amin, amax);
        yp[oc + 1] = ec_req(a1, mult[oc + 1], shift[oc + 1], out_zp, amin, amax);
        yp[oc + 2] = ec_req(a2, mult[oc + 2], shift[oc + 2], out_zp, amin, amax);
        yp[oc + 3] = ec_req(a3, mult[oc + 3], shift[oc + 3], out_zp, amin, amax);
      }
      for (oc = g->oc & ~3; oc < g->oc; ++oc) { /* channels left over (plain OHWI rows after the packed blocks) */
        int32_t acc = bias[oc];
        const int8_t* xr = xs;
        const int8_t* wr = wpk + (int32_t)oc * taps + ws / 4;
        for (ky = ky0; ky < ky1; ++ky, xr += row, wr += wrow / 4) {
          for (k = 0; k < n; ++k) acc += (xr[k] + in_off) * wr[k];
        }
        yp[oc] = ec_req(acc, mult[oc], shift[oc], out_zp, amin, amax);
      }
    }
  }
}
#endif
"""

MM2 = """#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* GEMM rows of k int8 (k % 4 == 0) for two pixels u, v by two output channels per pass (CMSIS-NN's 2x2 block):
 * each weight word is widened once for both pixels. The input offset is folded into the bias at compile time
 * (sum (x + off) w = sum x w + off sum w, exact in int32), so x is widened with plain SXTB16. Weights: output
 * channel pairs interleaved per 4 bytes. y1 == NULL: v is u again and only y0 is stored. */
#if defined(__GNUC__)
__attribute__((noinline)) /* inlined, gcc spills the block's fourteen live registers */
#endif
EC_NO_SCHED
static void ec_mm2_s8(const int8_t* u0, const int8_t* v0, int32_t k, int8_t* y0, int8_t* y1, int32_t oc,
                      const int8_t* wpk, const int32_t* bias, const int32_t* mult, const int32_t* shift,
                      int32_t out_zp, int32_t amin, int32_t amax) {
  int32_t o;
  for (o = 0; o < oc; o += 2) {
    int32_t a00 = bias[o], a01 = bias[o + 1], a10 = a00, a11 = a01;
    const int8_t* xp = u0;
    const int8_t* yp = v0;
    const int8_t* wp = wpk + o * k;
    const int8_t* const end = u0 + k;
    while (xp < end) {
      const uint32_t u = ec_ld4(xp), v = ec_ld4(yp);
      const uint32_t ue = __sxtb16(u), uo = ec_sxtb16_ror8(u), ve = __sxtb16(v), vo = ec_sxtb16_ror8(v);
      uint32_t w = ec_ld4(wp), we = __sxtb16(w), wo = ec_sxtb16_ror8(w);
      a00 = __smlad(we, ue, a00);
      a00 = __smlad(wo, uo, a00);
      a10 = __smlad(we, ve, a10);
      a10 = __smlad(wo, vo, a10);
      w = ec_ld4(wp + 4), we = __sxtb16(w), wo = ec_sxtb16_ror8(w);
      a01 = __smlad(we, ue, a01);
      a01 = __smlad(wo, uo, a01);
      a11 = __smlad(we, ve, a11);
      a11 = __smlad(wo, vo, a11);
      xp += 4;
      yp += 4;
      wp += 8;
    }
    y0[o] = ec_req(a00, mult[o], shift[o], out_zp, amin, amax);
    y0[o + 1] = ec_req(a01, mult[o + 1], shift[o + 1], out_zp, amin, amax);
    if (y1) {
      y1[o] = ec_req(a10, mult[o], shift[o], out_zp, amin, amax);
      y1[o + 1] = ec_req(a11, mult[o + 1], shift[o + 1], out_zp, amin, amax);
    }
  }
}
#endif
"""

PW = """#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* 1x1, stride 1, no padding, Cin % 4 == 0, Cout even: a GEMM over pixels, two at a time. */
static void ec_pw_s8_simd(const int8_t* x, int8_t* y, const ec_conv_geo* g, const int8_t* wpk, const int32_t* bias,
                          const int32_t* mult, const int32_t* shift, int32_t out_zp, int32_t amin, int32_t amax) {
  const int32_t npix = (int32_t)g->oh * g->ow, ic = g->ic, oc = g->oc;
  int32_t p;
  for (p = 0; p < npix; p += 2) {
    const int two = p + 1 < npix; /* an odd last pixel is computed twice, stored once */
    ec_mm2_s8(x + p * ic, x + (p + two) * ic, ic, y + p * oc, two ? y + (p + 1) * oc : 0, oc, wpk, bias, mult, shift,
              out_zp, amin, amax);
  }
}
#endif
"""

GATHER = """#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* Dense convolutions whose Cin is not a multiple of 4 (first layers: KWS 1 channel, ResNet-8 3): each pixel's
 * kh*kw*Cin window is gathered into a stack row of K4 bytes (K rounded up to 4; padded taps hold the input zero
 * point, so that x + off is 0 there as in TFLite, and the K4 - K spare bytes meet zero weights), then the
 * 2x2-block GEMM. */
static void ec_im2row_s8(const int8_t* x, int8_t* row, const ec_conv_geo* g, int32_t p, int32_t k4, int8_t pad) {
  const int oy = (int)(p / g->ow), ox = (int)(p % g->ow), ic = g->ic, kw = g->kw;
  const int iy0 = oy * g->sh - g->pt, ix0 = ox * g->sw - g->pl;
  const int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + kw > g->iw ? g->iw - ix0 : kw;
  const int lead = kx0 * ic, run = (kx1 - kx0) * ic, trail = (kw - kx1) * ic;
  int ky, c, k = 0;
  for (ky = 0; ky < g->kh; ++ky) {
    const int iy = iy0 + ky;
    if (iy < 0 || iy >= g->ih) {
      for (c = 0; c < kw * ic; ++c) row[k++] = pad;
    } else { /* one contiguous run of the input row, padding either side */
      const int8_t* xp = x + ((int32_t)iy * g->iw + ix0 + kx0) * ic;
      for (c = 0; c < lead; ++c) row[k++] = pad;
      for (c = 0; c < run; ++c) row[k++] = xp[c];
      for (c = 0; c < trail; ++c) row[k++] = pad;
    }
  }
  while (k < k4) row[k++] = 0;
}
#endif
"""

IM2ROW = """#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32

static void ec_conv_s8_im2row(const int8_t* x, int8_t* y, const ec_conv_geo* g, const int8_t* wpk, const int32_t* bias,
                              const int32_t* mult, const int32_t* shift, int32_t in_off, int32_t out_zp, int32_t amin,
                              int32_t amax) {
  int8_t rows[2 * EC_IM2ROW_MAX];
  const int32_t npix = (int32_t)g->oh * g->ow, oc = g->oc, k4 = ((int32_t)g->kh * g->kw * g->ic + 3) & ~3;
  int32_t p;
  for (p = 0; p < npix; p += 2) {
    const int two = p + 1 < npix;
    ec_im2row_s8(x, rows, g, p, k4, (int8_t)-in_off);
    if (two) ec_im2row_s8(x, rows + k4, g, p + 1, k4, (int8_t)-in_off);
    ec_mm2_s8(rows, two ? rows + k4 : rows, k4, y + p * oc, two ? y + (p + 1) * oc : 0, oc, wpk, bias, mult, shift,
              out_zp, amin, amax);
  }
}
#endif
"""

IM2ROW_MAX = 64  # bytes of one gathered window (two live on the stack)


def pack2(w: np.ndarray) -> np.ndarray:
    """(O, I) weights, O even and I % 4 == 0 -> output-channel pairs interleaved per 4 bytes."""
    o, n = w.shape
    return np.ascontiguousarray(w.reshape(o // 2, 2, n // 4, 4).transpose(0, 2, 1, 3).reshape(o, n))


def pack4(w: np.ndarray) -> np.ndarray:
    """OHWI weights -> blocks of 4 output channels interleaved per 4 bytes of the H*W*I axis (the leftover
    output channels stay plain rows; a block takes the same bytes as its 4 rows, so offsets agree)."""
    o = w.shape[0]
    flat = w.reshape(o, -1)
    o4 = o // 4 * 4
    blocks = flat[:o4].reshape(o4 // 4, 4, -1, 4).transpose(0, 2, 1, 3).reshape(o4, -1)
    return np.ascontiguousarray(np.concatenate([blocks, flat[o4:]]).reshape(w.shape))


def emit(e, op, i):
    """The DSP kernels for int8 convolutions without dilation: dense ones and channel-multiplier-1 depthwise
    ones with a multiple of 4 channels. None: the plain kernel."""
    g, a = op.attrs["geo"], op.attrs
    if a["dtype"] != "int8" or g["dh"] != 1 or g["dw"] != 1:
        return None
    depthwise = g["groups"] > 1 and g["groups"] == g["ic"] == g["oc"] and g["ic"] % 4 == 0
    if g["groups"] != 1 and not depthwise:
        return None
    e.kernel("fixedpoint", e.fixedpoint())
    e.kernel("conv_s8", conv.S8, guard=f"!({SIMD})")
    e.kernel("conv_simd_common", COMMON)
    geo = f"ec_geo{i}"
    x, y = e.buf(op.inputs[0], const=True), e.buf(op.outputs[0])
    taps = g["kh"] * g["kw"] * (g["ic"] // g["groups"])
    acc_bound = int(np.abs(a["b"].astype(np.int64)).max(initial=0)) + 2 * taps * 255 * 128  # any folded bias too
    fast = bool(np.all((a["shift"] <= -1) & (a["shift"] >= -22))) and acc_bound < 2**30

    def requant():  # (mult, shift for the SIMD call, shift for the plain one): the fast variants take eh words
        m = e.const(f"m{i}", a["mult"])
        if not fast:
            sh = e.const(f"s{i}", a["shift"])
            return m, sh, sh
        ee = -a["shift"].astype(np.int64)
        eh = e.const(f"eh{i}", (((1 << (ee - 1)) << 8) | ee).astype(np.int32), guard=SIMD)
        return m, eh, e.const(f"s{i}", a["shift"], guard=f"!({SIMD})", count=False)

    sat = fast and tuple(int(v) for v in a["act"]) == (-128, 127)

    def kern(name, src):  # the requantization variants: ec_reqs (name), ec_reqf (name_c), general ec_req (name_any)
        key, req, suffix = (("conv_simd_reqs", "ec_reqs(", "") if sat else ("conv_simd_reqf", "ec_reqf(", "_c") if fast
                            else ("conv_simd_req", "ec_req(", "_any"))
        e.kernel(key, {"conv_simd_reqs": REQS, "conv_simd_reqf": REQF, "conv_simd_req": REQ}[key])
        src = src.replace("ec_req(", req)
        if suffix:
            for n in {name, "mm2_s8"}:
                src = src.replace(f"ec_{n}(", f"ec_{n}{suffix}(")
            name += suffix
        e.kernel(name, src)
        return f"ec_{name}"

    pointwise = (g["groups"] == 1 and g["kh"] == g["kw"] == g["sh"] == g["sw"] == 1 and g["pt"] == g["pl"] == 0
                 and g["ih"] == g["oh"] and g["iw"] == g["ow"] and g["ic"] % 4 == 0 and g["oc"] % 2 == 0)
    if pointwise:
        kern("mm2_s8", MM2)
        fn = kern("pw_s8_simd", PW)
        w2 = a["w"].reshape(g["oc"], g["ic"]).astype(np.int64)
        bias_f = a["b"].astype(np.int64) + int(a["in_off"]) * w2.sum(axis=1)
        assert np.all(np.abs(bias_f) < 2**31 - 2**24)
        w_pk = e.const(f"wq{i}", pack2(a["w"].reshape(g["oc"], g["ic"])), guard=SIMD)
        b_f = e.const(f"bq{i}", bias_f.astype(np.int32), guard=SIMD)
        w_ohwi = e.const(f"w{i}", a["w"], guard=f"!({SIMD})", count=False)
        b = e.const(f"b{i}", a["b"], guard=f"!({SIMD})", count=False)
        m, eh, sh = requant()
        act = f"{a['out_zp']}, {a['act'][0]}, {a['act'][1]}"
        return (f"\n#if {SIMD}\n  {fn}({x}, {y}, &{geo}, {w_pk}, {b_f}, {m}, {eh}, "
                f"{act});\n#else\n  ec_conv_s8({x}, {y}, &{geo}, {w_ohwi}, {b}, {m}, {sh}, {a['in_off']}, {act});\n#endif")
    k = g["kh"] * g["kw"] * g["ic"]
    if g["groups"] == 1 and g["ic"] % 4 and g["oc"] % 2 == 0 and k <= IM2ROW_MAX:
        k4 = (k + 3) // 4 * 4
        e.kernel("im2row_max", f"#define EC_IM2ROW_MAX {IM2ROW_MAX}\n")
        e.kernel("im2row_s8", GATHER)
        kern("mm2_s8", MM2)
        fn = kern("conv_s8_im2row", IM2ROW)
        w2 = np.zeros((g["oc"], k4), np.int8)
        w2[:, :k] = a["w"].reshape(g["oc"], k)
        bias_f = a["b"].astype(np.int64) + int(a["in_off"]) * w2.astype(np.int64).sum(axis=1)
        assert np.all(np.abs(bias_f) < 2**31 - 2**24)
        w_pk = e.const(f"wq{i}", pack2(w2), guard=SIMD)
        b_f = e.const(f"bq{i}", bias_f.astype(np.int32), guard=SIMD)
        w_ohwi = e.const(f"w{i}", a["w"], guard=f"!({SIMD})", count=False)
        b = e.const(f"b{i}", a["b"], guard=f"!({SIMD})", count=False)
        m, eh, sh = requant()
        act = f"{a['in_off']}, {a['out_zp']}, {a['act'][0]}, {a['act'][1]}"
        return (f"\n#if {SIMD}\n  {fn}({x}, {y}, &{geo}, {w_pk}, {b_f}, {m}, {eh}, {act});\n#else\n"
                f"  ec_conv_s8({x}, {y}, &{geo}, {w_ohwi}, {b}, {m}, {sh}, {act});\n#endif")
    bias = e.const(f"b{i}", a["b"])
    m, eh, sh = requant()
    act = f"{a['in_off']}, {a['out_zp']}, {a['act'][0]}, {a['act'][1]}"
    tail, plain = f"{bias}, {m}, {eh}, {act}", f"{bias}, {m}, {sh}, {act}"
    if depthwise:
        # OHWI (C, kh, kw, 1) -> HWC for the SIMD kernel; the preprocessor keeps one of the two copies
        fn = kern("dwconv_s8_simd", DEPTHWISE)
        w_hwc = e.const(f"wd{i}", np.ascontiguousarray(a["w"].reshape(g["oc"], g["kh"] * g["kw"]).T), guard=SIMD)
        w_ohwi = e.const(f"w{i}", a["w"], guard=f"!({SIMD})", count=False)
        return (f"\n#if {SIMD}\n"
                f"  {fn}({x}, {y}, &{geo}, {w_hwc}, {tail});\n#else\n"
                f"  ec_conv_s8({x}, {y}, &{geo}, {w_ohwi}, {plain});\n#endif")
    if g["ic"] % 4 == 0:
        fn = kern("conv_s8_simd4", PACKED)
        w_pk = e.const(f"wp{i}", pack4(a["w"]), guard=SIMD)
        w_ohwi = e.const(f"w{i}", a["w"], guard=f"!({SIMD})", count=False)
        return (f"\n#if {SIMD}\n  {fn}({x}, {y}, &{geo}, {w_pk}, {tail});\n#else\n"
                f"  ec_conv_s8({x}, {y}, &{geo}, {w_ohwi}, {plain});\n#endif")
    fn = kern("conv_s8_simd", DENSE)
    w = e.const(f"w{i}", a["w"])
    return (f"\n#if {SIMD}\n  {fn}({x}, {y}, &{geo}, {w}, {tail});\n#else\n"
            f"  ec_conv_s8({x}, {y}, &{geo}, {w}, {plain});\n#endif")
