#ifndef EC_AMALGAMATED
#include "ec.h"
#include "conv_geo.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* Two pixels' windows gathered (ec_im2row_s8) into stack buffers sized by the layer (the generator bounds them:
 * kernel_table.IM2ROW_MAX, GATHER_MAX; off Helium one int8 window and both widened: 5 bytes per K), then the
 * 2x2-block GEMM over both. A pasting with a residual Add fused in (EC_RESIDUAL, EC_RES_OC >= oc: see
 * conv_s8_simd4.c) has the GEMM write both pixels to a small buffer, then adds each to the other operand at its
 * destination. */
EC_API void ec_conv_s8_im2row(const int8_t* x, int8_t* y, const ec_conv_geo* g, const int8_t* wpk, const int32_t* bias,
                              const int32_t* mult, const int32_t* shift, int32_t in_off, int32_t out_zp, int32_t amin,
                              int32_t amax) {
  const int32_t npix = (int32_t)g->oh * g->ow, oc = g->oc, k4 = ((int32_t)g->kh * g->kw * g->ic + 3) & ~3;
#if defined(__ARM_FEATURE_MVE) && __ARM_FEATURE_MVE
  int8_t rows[2 * k4];
#define EC_GATHER(p, two)                                             \
  do {                                                                \
    ec_im2row_s8(x, rows, g, p, k4, (int8_t)-in_off);                 \
    if (two) ec_im2row_s8(x, rows + k4, g, (p) + 1, k4, (int8_t)-in_off); \
  } while (0)
#define EC_MM2(y0, y1) \
  ec_mm2_s8(rows, two ? rows + k4 : rows, k4, y0, y1, oc, wpk, bias, mult, shift, out_zp, amin, amax)
#else /* the windows widened to int16 once for all output channels (ec_mm2q_s8): gathered straight into the
       * widened rows when Cin % 4 == 0, else gathered, then widened */
  const uint32_t padw = (uint32_t)(uint16_t)-in_off * 0x10001u;
  int8_t rows[g->ic % 4 ? k4 : 4];
  uint32_t q[k4];
#define EC_GATHER(p, two)                                                \
  do {                                                                   \
    if (g->ic % 4 == 0) {                                                \
      ec_im2row_q15(x, q, g, p, padw);                                   \
      ec_im2row_q15(x, q + 2, g, (p) + (two), padw);                     \
    } else {                                                             \
      ec_im2row_s8(x, rows, g, p, k4, (int8_t)-in_off);                  \
      ec_q15_row(rows, k4, q);                                           \
      if (two) ec_im2row_s8(x, rows, g, (p) + 1, k4, (int8_t)-in_off);   \
      ec_q15_row(rows, k4, q + 2);                                       \
    }                                                                    \
  } while (0)
#define EC_MM2(y0, y1) ec_mm2q_s8(q, k4, y0, y1, oc, wpk, bias, mult, shift, out_zp, amin, amax)
#endif
#ifdef EC_RESIDUAL
  int8_t res[2 * EC_RES_OC];
#endif
  int32_t p;
  for (p = 0; p < npix; p += 2) {
    const int two = p + 1 < npix;
    EC_GATHER(p, two);
#ifdef EC_RESIDUAL
    EC_MM2(res, two ? res + EC_RES_OC : 0);
    EC_RESIDUAL(res, y + p * oc, oc);
    if (two) EC_RESIDUAL(res + EC_RES_OC, y + (p + 1) * oc, oc);
#else
    EC_MM2(y + p * oc, two ? y + (p + 1) * oc : 0);
#endif
  }
#undef EC_GATHER
#undef EC_MM2
}
#endif
