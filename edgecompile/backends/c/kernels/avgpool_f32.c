/* float average pooling (and spatial ReduceMean); count_pad: divide by the whole window, padding included */
#ifndef EC_AMALGAMATED
#include "ec.h"
#include "pool_geo.h"
#endif

EC_API void ec_avgpool_f32(const float* x, float* y, const ec_pool_geo* g, int32_t count_pad) {
  int oy, ox, ch, ky, kx;
  for (oy = 0; oy < g->oh; ++oy)
    for (ox = 0; ox < g->ow; ++ox)
      for (ch = 0; ch < g->c; ++ch) {
        float acc = 0.0f;
        int32_t cnt = 0;
        EC_POOL_WINDOW(g, x, float, (acc += v, ++cnt))
        y[((int32_t)oy * g->ow + ox) * g->c + ch] = acc / (float)(count_pad ? g->kh * g->kw : cnt);
      }
}
