#ifndef EC_AMALGAMATED
#include "ec.h"
#endif

EC_API int32_t ec_mbqm(int32_t x, int32_t mult, int32_t shift) {
  /* MultiplyByQuantizedMultiplier */
  const int left = shift > 0 ? (int)shift : 0;
  const int right = shift > 0 ? 0 : (int)-shift;
  /* mult is 0 or in [2^30, 2^31): never INT32_MIN */
  return ec_rdbpot(ec_srdhm_ns((int32_t)((uint32_t)x << left), mult), right);
}
