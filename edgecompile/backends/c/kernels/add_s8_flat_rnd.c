/* ec_add_s8_flat when every shift is <= 0 (the generator checks; TFLite's input multipliers are <= 1/2, the
 * output one tiny): RoundingDivideByPOT(x, e) == (x + h + ((x >> 31) & nz)) >> e with h = 2^(e-1) and nz = -1
 * for e >= 1, h = nz = 0 for e = 0. Proof for e >= 1, s = (x < 0), r = x mod 2^e: TFLite adds 1 to
 * floor(x / 2^e) iff r > 2^(e-1) - 1 + s, i.e. iff r + h - s >= 2^e, and 0 <= r + h - s < 2^(e+1), so the sum
 * is floor((x + h - s) / 2^e). No overflow: |x| < 2^29 here ((a + off) << 20 with |a + off| <= 255, SRDHM by a
 * multiplier < 1 never grows it, two of them summed) and h <= 2^30; so SRDHM is ec_smmulr of the doubled
 * operand (one SMMULR on the Cortex-M). Shifts and constants are loop-invariant, passed as arguments of an
 * always-inline function, so that they are immediates at each call site. */
#ifndef EC_AMALGAMATED
#include "ec.h"
#endif

EC_API int32_t ec_rdbpot_h(int32_t x, int32_t h, int32_t nz, int e) {
  return (x + h + ((x >> 31) & nz)) >> e;
}

/* (v << s) + k for a byte v (as unsigned arithmetic: no signed-shift overflow) */
#define EC_SHADD(v, s, k) ((int32_t)(((uint32_t)(int32_t)(v) << (s)) + (k)))

#if defined(__GNUC__)
__attribute__((always_inline)) /* each call site's constants become immediates: no spills in the loop */
#endif
static inline void ec_add_s8_flat_rnd(const int8_t* a, const int8_t* b, int8_t* y, int32_t n, int32_t off1,
                                      int32_t off2, int ls, int32_t m1, int e1, int32_t m2, int e2, int32_t mo,
                                      int eo, int32_t zp, int32_t amin, int32_t amax) {
  const int32_t h1 = (int32_t)((UINT32_C(1) << e1) >> 1), h2 = (int32_t)((UINT32_C(1) << e2) >> 1);
  const int32_t ho = (int32_t)((UINT32_C(1) << eo) >> 1);
  const int32_t nz1 = e1 ? -1 : 0, nz2 = e2 ? -1 : 0;
  /* A clamp whose floor is at or above the zero point (a fused Relu) makes the output's sign term moot: for
   * x < 0, with or without it, (x + ho) >> eo <= 0, so the result is <= zp <= amin and clamps to amin. */
  const int32_t nzo = eo && amin < zp ? -1 : 0;
  /* (x + h + s) >> e, plus the zero point: the zero point times 2^e joins h (exact, and no overflow while
   * |zp| 2^eo <= 2^29) */
  const int32_t hz = eo && eo <= 22 ? ho + (int32_t)((uint32_t)zp << eo) : ho, zr = eo && eo <= 22 ? 0 : zp;
  /* SRDHM by 2^30 is a halving (x even: ls >= 1), and the input with the larger scale always gets that multiplier
   * with no shift (fixedpoint.add_params): that input's x is then the doubled operand of the output's SRDHM as it
   * stands. The offsets, shifted, are held in registers (the empty asm hides their values from gcc): the input
   * (a << ls) + k is then one ADD with a shifted operand, not a shift and an add of an immediate. */
  const int half1 = m1 == (1 << 30) && e1 == 0, half2 = m2 == (1 << 30) && e2 == 0;
  uint32_t k1 = (uint32_t)off1 << (half1 && !half2 ? ls : ls + 1), k2 = (uint32_t)off2 << (half2 ? ls : ls + 1);
  int32_t i;
#if defined(__GNUC__)
  __asm("" : "+r"(k1), "+r"(k2));
#endif
  for (i = 0; i < n; ++i) {
    int32_t s2, v; /* s2: 2 (va + vb), the output SRDHM's doubled operand */
    if (half2) {
      const int32_t va = ec_rdbpot_h(ec_smmulr(EC_SHADD(a[i], ls + 1, k1), m1), h1, nz1, e1);
      s2 = (int32_t)((uint32_t)va << 1) + EC_SHADD(b[i], ls, k2);
    } else if (half1) {
      const int32_t vb = ec_rdbpot_h(ec_smmulr(EC_SHADD(b[i], ls + 1, k2), m2), h2, nz2, e2);
      s2 = (int32_t)((uint32_t)vb << 1) + EC_SHADD(a[i], ls, k1);
    } else {
      const int32_t va = ec_rdbpot_h(ec_smmulr(EC_SHADD(a[i], ls + 1, k1), m1), h1, nz1, e1);
      const int32_t vb = ec_rdbpot_h(ec_smmulr(EC_SHADD(b[i], ls + 1, k2), m2), h2, nz2, e2);
      s2 = (int32_t)((uint32_t)(va + vb) << 1);
    }
    v = ec_rdbpot_h(ec_smmulr(s2, mo), hz, nzo, eo) + zr;
#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
    if (amin == -128 && amax == 127) { /* the whole int8 range: one SSAT, not gcc's compares and branches */
      __asm("ssat %0, #8, %1" : "=r"(v) : "r"(v));
      y[i] = (int8_t)v;
      continue;
    }
#endif
    y[i] = (int8_t)(v < amin ? amin : (v > amax ? amax : v));
  }
}
#undef EC_SHADD
