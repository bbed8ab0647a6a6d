#ifndef EC_AMALGAMATED
#include "ec.h"
#include "conv_geo.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* Blocks of pixels' windows gathered into stack buffers sized by the layer (the generator bounds them:
 * kernel_table.IM2ROW_MAX, GATHER_MAX), then a GEMM over the block: on Helium two int8 windows (ec_im2row_s8)
 * and the 2x2-block ec_mm2_s8; otherwise three windows widened to int16 once for all output channels (6 bytes
 * per K, plus three int8 windows when Cin % 4 != 0) and the 3x2-block ec_mm3q_s8. A block short of pixels at the
 * end repeats its last one. A pasting with a residual Add fused in (EC_RESIDUAL, EC_RES_OC >= oc: see
 * conv_s8_simd4.c) has the GEMM write the block to a small buffer, then adds each pixel to the other operand at
 * its destination. */
EC_API void ec_conv_s8_im2row(const int8_t* x, int8_t* y, const ec_conv_geo* g, const int8_t* wpk, const int32_t* bias,
                              const int32_t* mult, const int32_t* shift, int32_t in_off, int32_t out_zp, int32_t amin,
                              int32_t amax) {
  const int32_t npix = (int32_t)g->oh * g->ow, oc = g->oc, k4 = ((int32_t)g->kh * g->kw * g->ic + 3) & ~3;
#if defined(__ARM_FEATURE_MVE) && __ARM_FEATURE_MVE
#define EC_BLOCK 2
  int8_t rows[2 * k4];
#define EC_GATHER(p, n)                                               \
  do {                                                                \
    ec_im2row_s8(x, rows, g, p, k4, (int8_t)-in_off);                 \
    if ((n) > 1) ec_im2row_s8(x, rows + k4, g, (p) + 1, k4, (int8_t)-in_off); \
  } while (0)
#define EC_MM(yp, n) \
  ec_mm2_s8(rows, (n) > 1 ? rows + k4 : rows, k4, yp, (n) > 1 ? (yp) + EC_STRIDE : 0, oc, wpk, bias, mult, shift, \
            out_zp, amin, amax)
#else
#define EC_BLOCK 3
  const uint32_t padw = (uint32_t)(uint16_t)-in_off * 0x10001u;
  int8_t rows[g->ic % 4 ? 3 * k4 : 4];
  uint32_t q[k4 / 4 * 6];
  ec_mm3q_args a;
  ec_mm3q_setup(&a, q, k4, oc, wpk, bias, mult, shift, out_zp, amin, amax);
#define EC_GATHER(p, n)                                                 \
  do {                                                                  \
    if (g->ic % 4 == 0) {                                               \
      ec_im2row3_q15(x, q, g, p, n, padw);                              \
    } else {                                                            \
      ec_im2row3_s8(x, rows, g, p, n, k4, (int8_t)-in_off);             \
      ec_q15_row(rows, k4, q, 6);                                       \
      ec_q15_row(rows + k4, k4, q + 2, 6);                              \
      ec_q15_row(rows + 2 * k4, k4, q + 4, 6);                          \
    }                                                                   \
  } while (0)
#define EC_MM(yp, n) \
  ec_mm3q_s8(&a, EC_Y(yp, 0, n), EC_Y(yp, 1, n), EC_Y(yp, 2, n))
#endif
/* pixel i of a block of n real ones (a repeated pixel writes its own row again) */
#define EC_Y(yp, i, n) ((yp) + ((i) < (n) ? (i) : (n) - 1) * EC_STRIDE)
#ifdef EC_RESIDUAL
  int8_t res[EC_BLOCK * EC_RES_OC];
#define EC_STRIDE EC_RES_OC
#else
#define EC_STRIDE oc
#endif
  int32_t p;
  for (p = 0; p < npix; p += EC_BLOCK) {
    const int32_t n = npix - p < EC_BLOCK ? npix - p : EC_BLOCK;
    EC_GATHER(p, n);
#ifdef EC_RESIDUAL
    {
      int32_t i;
      EC_MM(res, n);
      for (i = 0; i < n; ++i) EC_RESIDUAL(res + i * EC_RES_OC, y + (p + i) * oc, oc);
    }
#else
    EC_MM(y + p * oc, n);
#endif
  }
#undef EC_GATHER
#undef EC_MM
#undef EC_Y
#undef EC_STRIDE
#undef EC_BLOCK
}
#endif
