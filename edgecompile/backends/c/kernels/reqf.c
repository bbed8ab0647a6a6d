#ifndef EC_AMALGAMATED
#include "ec.h"
#include "simd.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* ec_req when the layer's every shift is in [-15, -1] and |acc| < 2^30 (emit() checks; the usual case):
 * no left shift, and RoundingDivideByPOT by e = -shift without its mask/threshold/compare. Bit-exact:
 * with h = 2^(e-1), s = (x < 0), r = x mod 2^e, TFLite returns floor(x / 2^e) + (r > h - 1 + s), and
 * r > h - 1 + s <=> r + h - s >= 2^e <=> floor((r + h - s) / 2^e) == 1 (0 <= r + h - s < 2^(e+1)), so
 * the result is floor((x + h - s) / 2^e): one add of h, one of x >> 31, one arithmetic shift. x + hz
 * overflows only for |x| > 2^31 - 2^23, so it saturates (QADD) to 2^31 - 1 or -2^31; the true and the
 * saturated quotient are then both beyond +-(2^(31-e) - 2^(23-e)) (|.| >= 65280, e <= 15), clamped to the same
 * int8. The per-channel shift comes packed at compile time as eh = hz << 8 | e with hz = h + zp 2^e (|hz| <
 * 2^23; the callers then pass out_zp 0): (x + hz - s) >> e is the quotient plus zp exactly, and hz and e cost
 * one ASR, no arithmetic. */
EC_API int8_t ec_reqf(int32_t acc, int32_t mult, int32_t eh, int32_t out_zp, int32_t amin, int32_t amax) {
  /* SRDHM as one SMMULR: (2 acc * mult + 2^31) >> 32 == (acc * mult + 2^30) >> 31, and 2 acc fits in int32
   * because emit() bounds |acc| < 2^30 (|bias| + taps * |x| * |w|) */
  int32_t r;
  EC_REQ_FAST(acc, mult, eh, r);
  r += out_zp;
  return (int8_t)(r < amin ? amin : (r > amax ? amax : r));
}
#endif
