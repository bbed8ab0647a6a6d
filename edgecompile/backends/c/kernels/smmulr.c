/* SMMULR: the high word of x * m, rounded: (x * m + 2^31) >> 32. For |x| < 2^30 it is SRDHM of x / 2 (x even) or,
 * read the other way, SaturatingRoundingDoublingHighMul(v, m) == ec_smmulr(2 v, m): (2 v m + 2^31) >> 32 ==
 * (v m + 2^30) >> 31, and 2 v fits int32 (ec_add_s8_flat_rnd's operands: |v| < 2^29) */
#ifndef EC_AMALGAMATED
#include "ec.h"
#endif

EC_API int32_t ec_smmulr(int32_t x, int32_t m) {
#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
  int32_t r;
  __asm("smmulr %0, %1, %2" : "=r"(r) : "r"(x), "r"(m));
  return r;
#else
  return (int32_t)(((int64_t)x * (int64_t)m + (INT64_C(1) << 31)) >> 32);
#endif
}
