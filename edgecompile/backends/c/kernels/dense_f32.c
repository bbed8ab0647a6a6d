/* Gemm / MatMul against a constant matrix, float: y[b][o] = x[b] . w[o] + bias[o]. */
#ifndef EC_AMALGAMATED
#include "ec.h"
#endif

EC_API void ec_dense_f32(const float* x, float* y, int batch, int k, int n, const float* w, const float* bias) {
  int32_t b, o, c;
  for (b = 0; b < batch; ++b) {
    for (o = 0; o < n; ++o) {
      float acc = 0.0f;
      for (c = 0; c < k; ++c) acc += x[b * k + c] * w[o * k + c];
      y[b * n + o] = acc + bias[o];
    }
  }
}
