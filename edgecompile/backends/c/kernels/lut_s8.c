/* int8 element-wise functions and requantization as a 256-entry table (computed at compile time) */
#ifndef EC_AMALGAMATED
#include "ec.h"
#endif

EC_API void ec_lut_s8(const int8_t* x, int8_t* y, int32_t n, const int8_t* table) {
  int32_t i;
  for (i = 0; i < n; ++i) y[i] = table[x[i] + 128];
}
