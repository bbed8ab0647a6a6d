/* Helium form of ec_reqf / ec_reqs for four accumulators (the packed eh = hz << 8 | e shifts, reqf.c) */
#ifndef EC_AMALGAMATED
#include "ec.h"
#include "mve.h"
#endif

#ifdef EC_MVE
/* ec_reqf's arithmetic lane by lane (see reqf.c: every shift in [-15, -1], |acc| < 2^30): SRDHM by VQRDMULH,
 * then floor((x + h - (x < 0)) / 2^e) with a saturating add of h and an arithmetic shift by e */
__attribute__((unused)) EC_API int32x4_t ec_req4e(int32x4_t acc, int32x4_t mult, int32x4_t eh, int32_t out_zp, int32_t amin,
                          int32_t amax) {
  const int32x4_t x = vqrdmulhq_s32(acc, mult);
  const int32x4_t r = vaddq_s32(vqaddq_s32(x, vshrq_n_s32(eh, 8)), vshrq_n_s32(x, 31));
  const int32x4_t e = vandq_s32(eh, vdupq_n_s32(0xff));
  const int32x4_t y = vaddq_n_s32(vshlq_s32(r, vnegq_s32(e)), out_zp);
  return vminq_s32(vmaxq_s32(y, vdupq_n_s32(amin)), vdupq_n_s32(amax));
}
#endif
