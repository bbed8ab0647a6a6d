#ifndef EC_AMALGAMATED
#include "ec.h"
#include "conv_geo.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* 1x1, stride 1, no padding, Cin % 4 == 0, Cout even: a GEMM over pixels, two at a time. Off Helium both pixels
 * are widened to int16 once (a stack buffer of 4 Cin bytes) for all output channels (ec_mm2q_s8). */
EC_API void ec_pw_s8_simd(const int8_t* x, int8_t* y, const ec_conv_geo* g, const int8_t* wpk, const int32_t* bias,
                          const int32_t* mult, const int32_t* shift, int32_t out_zp, int32_t amin, int32_t amax) {
  const int32_t npix = (int32_t)g->oh * g->ow, ic = g->ic, oc = g->oc;
#if !(defined(__ARM_FEATURE_MVE) && __ARM_FEATURE_MVE)
  uint32_t q[ic];
#endif
  int32_t p;
  for (p = 0; p < npix; p += 2) {
    const int two = p + 1 < npix; /* an odd last pixel is computed twice, stored once */
#if defined(__ARM_FEATURE_MVE) && __ARM_FEATURE_MVE
    ec_mm2_s8(x + p * ic, x + (p + two) * ic, ic, y + p * oc, two ? y + (p + 1) * oc : 0, oc, wpk, bias, mult, shift,
              out_zp, amin, amax);
#else
    ec_q15_row(x + p * ic, ic, q, 4);
    ec_q15_row(x + (p + two) * ic, ic, q + 2, 4);
    ec_mm2q_s8(q, ic, y + p * oc, two ? y + (p + 1) * oc : 0, oc, wpk, bias, mult, shift, out_zp, amin, amax);
#endif
  }
}
#endif
