/* Helium requantization of four accumulators (TFLite's MultiplyByQuantizedMultiplier, bit for bit) */
#ifndef EC_AMALGAMATED
#include "ec.h"
#include "mve.h"
#endif

#ifdef EC_MVE
/* shift in TFLite's form (> 0: left). VQRDMULH is SaturatingRoundingDoublingHighMul exactly; RoundingDivideByPOT
 * rounds halves away from zero where VRSHL rounds them up, so negative lanes with a right shift first lose 1
 * (floor((x - 1 + h) / 2^e) == floor(x / 2^e) + (x mod 2^e > h) for x < 0; saturating at INT32_MIN changes
  * nothing there). Returns the clamped int8 values in int32 lanes. Marked unused: every Helium kernel gets both
 * forms, and a model may call only one. */
__attribute__((unused)) EC_API int32x4_t ec_req4(int32x4_t acc, int32x4_t mult, int32x4_t shift, int32_t out_zp, int32_t amin,
                         int32_t amax) {
  const int32x4_t zero = vdupq_n_s32(0);
  const int32x4_t right = vmaxq_s32(vnegq_s32(shift), zero);
  int32x4_t x = vqrdmulhq_s32(vshlq_s32(acc, vmaxq_s32(shift, zero)), mult);
  x = vqaddq_m_s32(x, x, vshrq_n_s32(x, 31), vcmpgtq_n_s32(right, 0));
  x = vaddq_n_s32(vrshlq_s32(x, vnegq_s32(right)), out_zp);
  return vminq_s32(vmaxq_s32(x, vdupq_n_s32(amin)), vdupq_n_s32(amax));
}
#endif
