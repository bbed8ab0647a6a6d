/* TFLite / gemmlowp fixed-point arithmetic (the reference kernels' rounding, bit for bit). */
static int32_t ec_srdhm_ns(int32_t a, int32_t b) {
  /* SaturatingRoundingDoublingHighMul without the saturation (callers never pass INT32_MIN twice).
   * TFLite adds 2^30 (1 - 2^30 when negative) and truncates toward zero; floor((a*b + 2^30) / 2^31)
   * is the same integer for both signs (-floor((n - 1 + 2^30) / 2^31) == floor((2^30 - n) / 2^31)
   * for n > 0), and is one SMLAL and a shift on Cortex-M (CMSIS-NN's form), with no branch. */
  return (int32_t)(((int64_t)a * (int64_t)b + (INT64_C(1) << 30)) >> 31);
}

static int32_t ec_rdbpot(int32_t x, int exponent) {
  /* RoundingDivideByPOT: round half away from zero */
  const int32_t mask = (int32_t)((UINT32_C(1) << exponent) - 1u);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

static int32_t ec_mbqm(int32_t x, int32_t mult, int32_t shift) {
  /* MultiplyByQuantizedMultiplier */
  const int left = shift > 0 ? (int)shift : 0;
  const int right = shift > 0 ? 0 : (int)-shift;
  /* mult is 0 or in [2^30, 2^31): never INT32_MIN */
  return ec_rdbpot(ec_srdhm_ns((int32_t)((uint32_t)x << left), mult), right);
}

static int8_t ec_sat8(int32_t v, int32_t lo, int32_t hi) {
  return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
}
