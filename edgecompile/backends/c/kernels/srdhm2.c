/* SaturatingRoundingDoublingHighMul for operands below 2^30 in magnitude (ec_add_s8_flat_rnd's: < 2^29) */
#ifndef EC_AMALGAMATED
#include "ec.h"
#endif

EC_API int32_t ec_srdhm2(int32_t x, int32_t m) {
#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
  /* one SMMULR of the doubled operand: (2x * m + 2^31) >> 32 == (x * m + 2^30) >> 31 (2x fits int32) */
  int32_t r;
  __asm("smmulr %0, %1, %2" : "=r"(r) : "r"((int32_t)((uint32_t)x << 1)), "r"(m));
  return r;
#else
  return (int32_t)(((int64_t)x * (int64_t)m + (INT64_C(1) << 30)) >> 31); /* ec_srdhm_ns's arithmetic */
#endif
}
