/* Element-wise float Add/Sub/Mul/Div/Max/Min with broadcasting, any storage order. The generator picks
 * the operation, EC_BINARY_EXPR(a, b); model.c names each pasting of this file after its operation. */
#ifndef EC_AMALGAMATED
#include "ec.h"
#include "bcast.h"
#endif
#ifndef EC_BINARY_EXPR
#define EC_BINARY_EXPR(a, b) ((a) + (b))
#endif

EC_API void ec_binary_f32(const float* a, const float* b, float* y, const ec_bcast* s) {
  int32_t i0, i1, i2, i3, n;
  EC_BCAST_FOR(s) { y[n] = EC_BINARY_EXPR(a[EC_BCAST_AT(s->sa)], b[EC_BCAST_AT(s->sb)]); }
}
