/* Concat along any axis: each input is `rows` rows of its own width, interleaved into the output */
#ifndef EC_AMALGAMATED
#include "ec.h"
#endif

EC_API void ec_rows(const uint8_t* x, uint8_t* y, int32_t rows, int32_t width, int32_t stride) {
  int32_t r, b;
  for (r = 0; r < rows; ++r)
    for (b = 0; b < width; ++b) y[r * stride + b] = x[r * width + b];
}
