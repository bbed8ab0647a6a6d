/* float max pooling (and GlobalMaxPool) */
#ifndef EC_AMALGAMATED
#include "ec.h"
#include "pool_geo.h"
#endif

EC_API void ec_maxpool_f32(const float* x, float* y, const ec_pool_geo* g) {
  int oy, ox, ch, ky, kx;
  for (oy = 0; oy < g->oh; ++oy)
    for (ox = 0; ox < g->ow; ++ox)
      for (ch = 0; ch < g->c; ++ch) {
        float acc = -3.402823466e38f;
        EC_POOL_WINDOW(g, x, float, acc = v > acc ? v : acc)
        y[((int32_t)oy * g->ow + ox) * g->c + ch] = acc;
      }
}
