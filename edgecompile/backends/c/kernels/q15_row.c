#ifndef EC_AMALGAMATED
#include "ec.h"
#include "simd.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* One pixel's row of k4 int8 (k4 % 4 == 0) widened once for ec_mm2q_s8, which then only widens weights: per
 * four bytes, SXTB16 of the even bytes and of the odd ones, written at q[0], q[1] of each group of four words
 * (the other pixel's pair goes in q[2], q[3]). Eight bytes a pass (loop overhead), then the last four. */
EC_API void ec_q15_row(const int8_t* r, int32_t k4, uint32_t* q) {
  const int8_t* const end = r + (k4 & ~7);
  for (; r < end; r += 8, q += 8) {
    const uint32_t x = ec_ld4(r), z = ec_ld4(r + 4);
    q[0] = __sxtb16(x);
    q[1] = ec_sxtb16_ror8(x);
    q[4] = __sxtb16(z);
    q[5] = ec_sxtb16_ror8(z);
  }
  if (k4 & 4) {
    const uint32_t x = ec_ld4(r);
    q[0] = __sxtb16(x);
    q[1] = ec_sxtb16_ror8(x);
  }
}
#endif
