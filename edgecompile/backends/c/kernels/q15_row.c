#ifndef EC_AMALGAMATED
#include "ec.h"
#include "simd.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* One pixel's row of k4 int8 (k4 % 4 == 0) widened once for the GEMM (ec_mm3q_s8), which then only
 * widen weights: per four bytes, SXTB16 of the even bytes and of the odd ones, written at q[0], q[1] of each
 * group of `step` words (the block's other pixels' pairs fill the rest). Eight bytes a pass (loop overhead),
 * then the last four. */
EC_API void ec_q15_row(const int8_t* r, int32_t k4, uint32_t* q, int32_t step) {
  const int8_t* const end = r + (k4 & ~7);
  for (; r < end; r += 8, q += 2 * step) {
    const uint32_t x = ec_ld4(r), z = ec_ld4(r + 4);
    q[0] = __sxtb16(x);
    q[1] = ec_sxtb16_ror8(x);
    q[step] = __sxtb16(z);
    q[step + 1] = ec_sxtb16_ror8(z);
  }
  if (k4 & 4) {
    const uint32_t x = ec_ld4(r);
    q[0] = __sxtb16(x);
    q[1] = ec_sxtb16_ror8(x);
  }
}
#endif
