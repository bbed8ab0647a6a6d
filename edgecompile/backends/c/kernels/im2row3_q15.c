#ifndef EC_AMALGAMATED
#include "ec.h"
#include "conv_geo.h"
#include "simd.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* The windows of pixels p .. p + 2 (the first n < 3 of them real; the block repeats its last real pixel), Cin % 4
 * == 0, gathered widened into ec_mm3q_s8's rows: per four K-bytes six words (u even, u odd, v even, ...). Three
 * pixels of one output row whose windows miss the left and right padding share their kernel rows: per input
 * word of u's window, v's and w's lie sw * Cin bytes further on, so one pass loads all three (and fills a
 * padded kernel row once for all). Any other block takes ec_im2row_q15 per pixel. */
/* one group: four bytes of each of the three windows, widened to six words */
#define EC_I3Q_GROUP(q, s)                                                          \
  do {                                                                              \
    const uint32_t u = ec_ld4(s), v = ec_ld4((s) + d), w = ec_ld4((s) + 2 * d);     \
    (q)[0] = __sxtb16(u);                                                           \
    (q)[1] = ec_sxtb16_ror8(u);                                                     \
    (q)[2] = __sxtb16(v);                                                           \
    (q)[3] = ec_sxtb16_ror8(v);                                                     \
    (q)[4] = __sxtb16(w);                                                           \
    (q)[5] = ec_sxtb16_ror8(w);                                                     \
  } while (0)
EC_API void ec_im2row3_q15(const int8_t* x, uint32_t* q, const ec_conv_geo* g, int32_t p, int32_t n, uint32_t padw) {
  const int oy = (int)(p / g->ow), ox = (int)(p % g->ow), ic = g->ic, kw = g->kw;
  const int ix0 = ox * g->sw - g->pl, d = g->sw * ic;
  if (n < 3 || ox + 2 >= g->ow || ix0 < 0 || ix0 + 2 * g->sw + kw > g->iw) {
    ec_im2row_q15(x, q, g, p, padw, 6);
    ec_im2row_q15(x, q + 2, g, n > 1 ? p + 1 : p, padw, 6);
    ec_im2row_q15(x, q + 4, g, n > 2 ? p + 2 : (n > 1 ? p + 1 : p), padw, 6);
    return;
  }
  {
    const int iy0 = oy * g->sh - g->pt, width = kw * ic / 4; /* groups per kernel row */
    int ky, m;
    for (ky = 0; ky < g->kh; ++ky) {
      const int iy = iy0 + ky;
      if (iy < 0 || iy >= g->ih) {
        for (m = width; m > 0; --m, q += 6) q[0] = q[1] = q[2] = q[3] = q[4] = q[5] = padw;
      } else {
        const int8_t* s = x + ((int32_t)iy * g->iw + ix0) * ic;
        if (width & 1) { /* an odd width's first group alone, then two a pass (loop overhead) */
          EC_I3Q_GROUP(q, s);
          q += 6;
          s += 4;
        }
        for (m = width / 2; m > 0; --m, q += 12, s += 8) {
          EC_I3Q_GROUP(q, s);
          EC_I3Q_GROUP(q + 6, s + 4);
        }
      }
    }
  }
}
#undef EC_I3Q_GROUP
#endif
