/* A float element-wise activation. The generator picks it:
 * EC_UNARY_EXPR(v, p0, p1) (its value; p0, p1 the op's parameters, e.g. Clip's bounds, LeakyRelu's alpha). */
#ifndef EC_AMALGAMATED
#include <math.h>
#include "ec.h"
#endif
#ifndef EC_UNARY_EXPR
#define EC_UNARY_EXPR(v, p0, p1) ((v) > 0.0f ? (v) : 0.0f)
#endif

EC_API void ec_unary_f32(const float* x, float* y, int32_t n, float p0, float p1) {
  int32_t i;
  (void)p0;
  (void)p1;
  for (i = 0; i < n; ++i) {
    const float v = x[i];
    y[i] = EC_UNARY_EXPR(v, p0, p1);
  }
}
