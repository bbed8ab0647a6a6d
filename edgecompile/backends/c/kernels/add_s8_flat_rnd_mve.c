#ifndef EC_AMALGAMATED
#include "ec.h"
#include "mve.h"
#endif

#ifdef EC_MVE
/* Helium form of ec_add_s8_flat_rnd (same arguments and bounds, see add_s8_flat_rnd.c): four elements a step in
 * int32 lanes, widened by the load; SRDHM by VQRDMULH (exact: no multiplier is INT32_MIN), and
 * RoundingDivideByPOT as (x + h + ((x >> 31) & nz)) >> e, the right shift a VSHL by -e. The last n % 4 elements
 * go through the same step with predicated loads and stores. */
#if defined(__GNUC__)
__attribute__((always_inline)) /* each call site's constants stay in registers across the loop */
#endif
static inline void ec_add_s8_flat_rnd(const int8_t* a, const int8_t* b, int8_t* y, int32_t n, int32_t off1,
                                      int32_t off2, int ls, int32_t m1, int e1, int32_t m2, int e2, int32_t mo,
                                      int eo, int32_t zp, int32_t amin, int32_t amax) {
  const int32_t h1 = (int32_t)((UINT32_C(1) << e1) >> 1), h2 = (int32_t)((UINT32_C(1) << e2) >> 1);
  const int32_t ho = (int32_t)((UINT32_C(1) << eo) >> 1);
  const int32_t nz1 = e1 ? -1 : 0, nz2 = e2 ? -1 : 0, nzo = eo ? -1 : 0;
  const int32x4_t lo = vdupq_n_s32(amin), hi = vdupq_n_s32(amax);
  int32_t i;
  for (i = 0; i < n; i += 4) {
    const mve_pred16_t p = vctp32q((uint32_t)(n - i));
    int32x4_t va = vshlq_r_s32(vaddq_n_s32(vldrbq_z_s32(a + i, p), off1), ls);
    int32x4_t vb = vshlq_r_s32(vaddq_n_s32(vldrbq_z_s32(b + i, p), off2), ls);
    int32x4_t v;
    va = vqrdmulhq_n_s32(va, m1);
    va = vshlq_r_s32(vaddq_s32(vaddq_n_s32(va, h1), vandq_s32(vshrq_n_s32(va, 31), vdupq_n_s32(nz1))), -e1);
    vb = vqrdmulhq_n_s32(vb, m2);
    vb = vshlq_r_s32(vaddq_s32(vaddq_n_s32(vb, h2), vandq_s32(vshrq_n_s32(vb, 31), vdupq_n_s32(nz2))), -e2);
    v = vqrdmulhq_n_s32(vaddq_s32(va, vb), mo);
    v = vshlq_r_s32(vaddq_s32(vaddq_n_s32(v, ho), vandq_s32(vshrq_n_s32(v, 31), vdupq_n_s32(nzo))), -eo);
    vstrbq_p_s32(y + i, vminq_s32(vmaxq_s32(vaddq_n_s32(v, zp), lo), hi), p);
  }
}
#endif
