#ifndef EC_AMALGAMATED
#include "ec.h"
#include "simd.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* GEMM rows of k int8 (k % 4 == 0) for two pixels u, v by two output channels per pass (CMSIS-NN's 2x2 block):
 * each weight word is widened once for both pixels. The input offset is folded into the bias at compile time
 * (sum (x + off) w = sum x w + off sum w, exact in int32), so x is widened with plain SXTB16. Weights: output
 * channel pairs interleaved per 4 bytes. y1 == NULL: v is u again and only y0 is stored. */
#if defined(__GNUC__)
__attribute__((noinline)) /* inlined, gcc spills the block's fourteen live registers */
#endif
EC_NO_SCHED
EC_API void ec_mm2_s8(const int8_t* u0, const int8_t* v0, int32_t k, int8_t* y0, int8_t* y1, int32_t oc,
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
    y0[o] = EC_REQ(a00, mult[o], shift[o], out_zp, amin, amax);
    y0[o + 1] = EC_REQ(a01, mult[o + 1], shift[o + 1], out_zp, amin, amax);
    if (y1) {
      y1[o] = EC_REQ(a10, mult[o], shift[o], out_zp, amin, amax);
      y1[o + 1] = EC_REQ(a11, mult[o + 1], shift[o + 1], out_zp, amin, amax);
    }
  }
}
#endif
