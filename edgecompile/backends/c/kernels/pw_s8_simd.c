#ifndef EC_AMALGAMATED
#include "ec.h"
#include "conv_geo.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* 1x1, stride 1, no padding, Cin % 4 == 0, Cout even: a GEMM over pixels. On Helium two pixels at a time
 * (ec_mm2_s8); otherwise three, widened to int16 once (a stack buffer of 6 Cin bytes) for all output channels
 * (ec_mm3q_s8); a block short of pixels at the end repeats its last one. */
EC_API void ec_pw_s8_simd(const int8_t* x, int8_t* y, const ec_conv_geo* g, const int8_t* wpk, const int32_t* bias,
                          const int32_t* mult, const int32_t* shift, int32_t out_zp, int32_t amin, int32_t amax) {
  const int32_t npix = (int32_t)g->oh * g->ow, ic = g->ic, oc = g->oc;
  int32_t p;
#if defined(__ARM_FEATURE_MVE) && __ARM_FEATURE_MVE
  for (p = 0; p < npix; p += 2) {
    const int two = p + 1 < npix; /* an odd last pixel is computed twice, stored once */
    ec_mm2_s8(x + p * ic, x + (p + two) * ic, ic, y + p * oc, two ? y + (p + 1) * oc : 0, oc, wpk, bias, mult, shift,
              out_zp, amin, amax);
  }
#else
  uint32_t q[ic / 4 * 6];
  ec_mm3q_args a;
  ec_mm3q_setup(&a, q, ic, oc, wpk, bias, mult, shift, out_zp, amin, amax);
  for (p = 0; p < npix; p += 3) {
    const int32_t p1 = p + 1 < npix ? p + 1 : p, p2 = p + 2 < npix ? p + 2 : p1;
    ec_q15_row(x + p * ic, ic, q, 6);
    ec_q15_row(x + p1 * ic, ic, q + 2, 6);
    ec_q15_row(x + p2 * ic, ic, q + 4, 6);
    ec_mm3q_s8(&a, y + p * oc, y + p1 * oc, y + p2 * oc);
  }
#endif
}
#endif
