/* int8 softmax over the innermost stored axis: TFLite's reference kernel. Input differences scaled into
 * Q5.26, gemmlowp's fixed-point exp, a Q12.19 sum, a Newton-Raphson reciprocal, output in units of 1/256
 * offset by -128. */
#ifndef EC_AMALGAMATED
#include <stdint.h>
#include "ec.h"
#endif

EC_API int32_t ec_srdhm(int32_t a, int32_t b) {
  /* SaturatingRoundingDoublingHighMul with its one saturating case */
  if (a == b && a == INT32_MIN) return INT32_MAX;
  return ec_srdhm_ns(a, b);
}

EC_API int32_t ec_sat_shl(int32_t x, int e) {
  /* SaturatingRoundingMultiplyByPOT for a positive exponent */
  const int32_t threshold = (int32_t)((UINT32_C(1) << (31 - e)) - 1u);
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return (int32_t)((uint32_t)x << e);
}

EC_API int32_t ec_exp_on_interval(int32_t a) {
  /* exp(a) for a in [-1/4, 0), Q0.31: Taylor series around -1/8 */
  const int32_t constant_term = 1895147668, one_third = 715827883;
  const int32_t x = a + (1 << 28);
  const int32_t x2 = ec_srdhm(x, x), x3 = ec_srdhm(x2, x), x4 = ec_srdhm(x2, x2);
  const int32_t x4_over_4 = ec_rdbpot(x4, 2);
  const int32_t poly = ec_rdbpot(ec_srdhm(x4_over_4 + x3, one_third) + x2, 1);
  return constant_term + ec_srdhm(constant_term, x + poly);
}

EC_API int32_t ec_exp_on_negative(int32_t a) {
  /* exp(a) for a <= 0 in Q5.26 -> Q0.31 (gemmlowp's barrel shifter) */
  static const int32_t mults[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  const int32_t a_mod = (a & ((1 << 24) - 1)) - (1 << 24);
  const int32_t remainder = a_mod - a;
  int32_t result = ec_exp_on_interval(ec_sat_shl(a_mod, 5));
  int k;
  for (k = 0; k < 7; ++k) {
    if (remainder & (1 << (24 + k))) result = ec_srdhm(result, mults[k]);
  }
  return a == 0 ? INT32_MAX : result;
}

EC_API int32_t ec_one_over_one_plus_x(int32_t a) {
  /* 1 / (1 + a) for a in [0, 1), Q0.31 in, Q0.31 out */
  const int64_t sum = (int64_t)a + INT32_MAX;
  const int32_t half_den = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
  int32_t x = 1515870810 + ec_srdhm(half_den, -1010580540);
  int i;
  for (i = 0; i < 3; ++i) {
    const int32_t one_minus = (1 << 29) - ec_srdhm(half_den, x);
    x = x + ec_sat_shl(ec_srdhm(x, one_minus), 2);
  }
  return ec_sat_shl(x, 1);
}

EC_API int ec_clz32(uint32_t v) {
  int n = 0;
  if (v == 0u) return 32;
  while (!(v & 0x80000000u)) {
    v <<= 1;
    ++n;
  }
  return n;
}

EC_API void ec_softmax_s8(const int8_t* x, int8_t* y, int32_t outer, int32_t depth, int32_t mult, int32_t left,
                          int32_t diff_min) {
  int32_t i, c;
  for (i = 0; i < outer; ++i) {
    const int8_t* xr = x + i * depth;
    int8_t* yr = y + i * depth;
    int32_t maxv = -128, sum = 0, scale, bits;
    int headroom;
    for (c = 0; c < depth; ++c) maxv = xr[c] > maxv ? xr[c] : maxv;
    for (c = 0; c < depth; ++c) {
      const int32_t diff = xr[c] - maxv;
      if (diff >= diff_min) {
        sum += ec_rdbpot(ec_exp_on_negative(ec_srdhm((int32_t)((uint32_t)diff << left), mult)), 12);
      }
    }
    headroom = ec_clz32((uint32_t)sum);
    bits = 12 - headroom;
    scale = ec_one_over_one_plus_x((int32_t)(((uint32_t)sum << headroom) - (UINT32_C(1) << 31)));
    for (c = 0; c < depth; ++c) {
      const int32_t diff = xr[c] - maxv;
      if (diff >= diff_min) {
        const int32_t e = ec_exp_on_negative(ec_srdhm((int32_t)((uint32_t)diff << left), mult));
        yr[c] = ec_sat8(ec_rdbpot(ec_srdhm(scale, e), bits + 31 - 8) - 128, -128, 127);
      } else {
        yr[c] = -128;
      }
    }
  }
}
