/* SXTAB16 of the odd bytes (the rotation is free in the instruction): widen and add the input offset at once */
#ifndef EC_AMALGAMATED
#include "ec.h"
#include "simd.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
EC_API uint32_t ec_sxtab16_ror8(uint32_t a, uint32_t v) {
  uint32_t r;
  __asm("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(v));
  return r;
}
#endif
