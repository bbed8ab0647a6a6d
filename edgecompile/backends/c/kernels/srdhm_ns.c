/* TFLite / gemmlowp fixed-point arithmetic (the reference kernels' rounding, bit for bit). */
#ifndef EC_AMALGAMATED
#include "ec.h"
#endif

EC_API int32_t ec_srdhm_ns(int32_t a, int32_t b) {
  /* SaturatingRoundingDoublingHighMul without the saturation (callers never pass INT32_MIN twice).
   * TFLite adds 2^30 (1 - 2^30 when negative) and truncates toward zero; floor((a*b + 2^30) / 2^31)
   * is the same integer for both signs (-floor((n - 1 + 2^30) / 2^31) == floor((2^30 - n) / 2^31)
   * for n > 0), and is one SMLAL and a shift on Cortex-M (CMSIS-NN's form), with no branch. */
  return (int32_t)(((int64_t)a * (int64_t)b + (INT64_C(1) << 30)) >> 31);
}
