/* A residual Add fused into a convolution's store (the _r<layer> pastings of conv_s8.c and conv_s8_simd4.c):
 * TFLite's int8 Add of the convolution's requantized output v (operand 1) and the value r its destination
 * holds (the other operand, which the sum overwrites element by element: each r is read just before its own
 * byte is written, so nothing unread is lost). add_s8_flat_rnd.c's exact fast form, so the generator fuses
 * only Adds that form covers; always inline, so that the layer's constants are immediates. */
#ifndef EC_AMALGAMATED
#include "ec.h"
#endif

#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int8_t ec_res_add_s8(int32_t v, int32_t r, int32_t off1, int32_t off2, int32_t m1, int e1, int32_t m2,
                                   int e2, int32_t mo, int eo, int32_t zp, int32_t amin, int32_t amax) {
  const int32_t h1 = (int32_t)((UINT32_C(1) << e1) >> 1), h2 = (int32_t)((UINT32_C(1) << e2) >> 1);
  const int32_t ho = (int32_t)((UINT32_C(1) << eo) >> 1);
  const int32_t va = ec_rdbpot_h(ec_srdhm_ns((int32_t)((uint32_t)(v + off1) << 20), m1), h1, e1 ? -1 : 0, e1);
  const int32_t vb = ec_rdbpot_h(ec_srdhm_ns((int32_t)((uint32_t)(r + off2) << 20), m2), h2, e2 ? -1 : 0, e2);
  const int32_t s = ec_rdbpot_h(ec_srdhm_ns(va + vb, mo), ho, eo ? -1 : 0, eo) + zp;
  return (int8_t)(s < amin ? amin : (s > amax ? amax : s));
}
