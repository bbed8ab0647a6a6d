/* Loads and byte widening for the SIMD kernels */
#ifndef EC_AMALGAMATED
#include "ec.h"
#include "simd.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
EC_API uint32_t ec_ld4(const int8_t* p) {
  uint32_t v;
  memcpy(&v, p, 4); /* one unaligned LDR on ARMv7E-M */
  return v;
}

/* SXTB16 of the odd bytes: the rotation is free in the instruction */
EC_API uint32_t ec_sxtb16_ror8(uint32_t v) {
  uint32_t r;
  __asm("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
  return r;
}
#endif
