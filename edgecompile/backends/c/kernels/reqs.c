#ifndef EC_AMALGAMATED
#include "ec.h"
#include "simd.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* ec_reqf for layers clamped to the whole int8 range (amin -128, amax 127: no activation, or a Relu whose output
 * zero point is -128): the clamp is one SSAT */
EC_API int8_t ec_reqs(int32_t acc, int32_t mult, int32_t eh, int32_t out_zp, int32_t amin, int32_t amax) {
  int32_t r;
  EC_REQ_FAST(acc, mult, eh, r);
  (void)amin;
  (void)amax;
  return (int8_t)__ssat(r + out_zp, 8);
}
#endif
