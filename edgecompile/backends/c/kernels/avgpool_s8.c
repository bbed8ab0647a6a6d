/* int8 average pooling (and spatial ReduceMean). Equal input/output quantization (mult == 0) is TFLite's: a
 * sum over the valid window divided with rounding half away from zero; otherwise the sum is requantized. */
#ifndef EC_AMALGAMATED
#include "ec.h"
#include "pool_geo.h"
#endif

EC_API void ec_avgpool_s8(const int8_t* x, int8_t* y, const ec_pool_geo* g, int32_t in_zp, int32_t out_zp,
                          int32_t mult, int32_t shift, int32_t amin, int32_t amax) {
  int oy, ox, ch, ky, kx;
  for (oy = 0; oy < g->oh; ++oy)
    for (ox = 0; ox < g->ow; ++ox)
      for (ch = 0; ch < g->c; ++ch) {
        int32_t acc = 0, cnt = 0;
        EC_POOL_WINDOW(g, x, int32_t, (acc += v, ++cnt))
        if (mult == 0) {
          acc = acc > 0 ? (acc + cnt / 2) / cnt : (acc - cnt / 2) / cnt;
        } else {
          acc = ec_mbqm(acc - cnt * in_zp, mult, shift) + out_zp;
        }
        y[((int32_t)oy * g->ow + ox) * g->c + ch] = ec_sat8(acc, amin, amax);
      }
}
