/* TFLite / gemmlowp fixed-point arithmetic (the reference kernels' rounding, bit for bit). */
static int32_t ec_srdhm(int32_t a, int32_t b) {
  /* SaturatingRoundingDoublingHighMul */
  const int64_t ab = (int64_t)a * (int64_t)b;
  const int64_t nudge = ab >= 0 ? (INT64_C(1) << 30) : (INT64_C(1) - (INT64_C(1) << 30));
  if (a == b && a == INT32_MIN) return INT32_MAX;
  const int64_t t = ab + nudge;
  /* t / 2^31 truncated toward zero, as shifts: a 64-bit division is a library call on Cortex-M */
  return (int32_t)(t >= 0 ? (t >> 31) : -((-t) >> 31));
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
  return ec_rdbpot(ec_srdhm((int32_t)((uint32_t)x << left), mult), right);
}

static int8_t ec_sat8(int32_t v, int32_t lo, int32_t hi) {
  return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
}
