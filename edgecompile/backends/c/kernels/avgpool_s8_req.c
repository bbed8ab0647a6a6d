/* int8 average pooling where the divisor varies (padding not counted) or is the whole window (padding
 * counted, count_pad), with any input and output quantization: the window's sum, less its zero points,
 * requantized by the multiplier for its divisor d (in_scale / (out_scale * d), one table entry per d). */
#ifndef EC_AMALGAMATED
#include "ec.h"
#include "pool_geo.h"
#endif

EC_API void ec_avgpool_s8_req(const int8_t* x, int8_t* y, const ec_pool_geo* g, int32_t in_zp, int32_t out_zp,
                              const int32_t* mult, const int32_t* shift, int32_t count_pad, int32_t amin,
                              int32_t amax) {
  int oy, ox, ch, ky, kx;
  for (oy = 0; oy < g->oh; ++oy)
    for (ox = 0; ox < g->ow; ++ox)
      for (ch = 0; ch < g->c; ++ch) {
        int32_t acc = 0, cnt = 0, d;
        EC_POOL_WINDOW(g, x, int32_t, (acc += v, ++cnt))
        d = count_pad ? g->kh * g->kw : cnt;
        y[((int32_t)oy * g->ow + ox) * g->c + ch] =
            ec_sat8(ec_mbqm(acc - cnt * in_zp, mult[d], shift[d]) + out_zp, amin, amax);
      }
}
