/* General requantization of a SIMD kernel's accumulator (any shift): TFLite's, via ec_mbqm */
#ifndef EC_AMALGAMATED
#include "ec.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
EC_API int8_t ec_req(int32_t acc, int32_t mult, int32_t shift, int32_t out_zp, int32_t amin, int32_t amax) {
  return ec_sat8(ec_mbqm(acc, mult, shift) + out_zp, amin, amax);
}
#endif
