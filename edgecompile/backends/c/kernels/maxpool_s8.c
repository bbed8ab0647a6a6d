/* int8 max pooling (and GlobalMaxPool); requantized when input and output quantization differ (mult != 0) */
#ifndef EC_AMALGAMATED
#include "ec.h"
#include "pool_geo.h"
#endif

EC_API void ec_maxpool_s8(const int8_t* x, int8_t* y, const ec_pool_geo* g, int32_t in_zp, int32_t out_zp,
                          int32_t mult, int32_t shift, int32_t amin, int32_t amax) {
  int oy, ox, ch, ky, kx;
  for (oy = 0; oy < g->oh; ++oy)
    for (ox = 0; ox < g->ow; ++ox)
      for (ch = 0; ch < g->c; ++ch) {
        int32_t acc = -128;
        EC_POOL_WINDOW(g, x, int32_t, acc = v > acc ? v : acc)
        if (mult != 0) acc = ec_mbqm(acc - in_zp, mult, shift) + out_zp;
        y[((int32_t)oy * g->ow + ox) * g->c + ch] = ec_sat8(acc, amin, amax);
      }
}
