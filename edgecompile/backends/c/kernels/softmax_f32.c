/* float softmax over the innermost stored axis */
#ifndef EC_AMALGAMATED
#include <math.h>
#include "ec.h"
#endif

EC_API void ec_softmax_f32(const float* x, float* y, int32_t outer, int32_t depth) {
  int32_t i, c;
  for (i = 0; i < outer; ++i) {
    const float* xr = x + i * depth;
    float* yr = y + i * depth;
    float maxv = xr[0], sum = 0.0f;
    for (c = 1; c < depth; ++c) maxv = xr[c] > maxv ? xr[c] : maxv;
    for (c = 0; c < depth; ++c) {
      yr[c] = expf(xr[c] - maxv);
      sum += yr[c];
    }
    for (c = 0; c < depth; ++c) yr[c] /= sum;
  }
}
