#ifndef EC_AMALGAMATED
#include "ec.h"
#endif

EC_API int32_t ec_rdbpot(int32_t x, int exponent) {
  /* RoundingDivideByPOT: round half away from zero */
  const int32_t mask = (int32_t)((UINT32_C(1) << exponent) - 1u);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}
