#ifndef EC_AMALGAMATED
#include "ec.h"
#include "conv_geo.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
#include <string.h>
/* The windows of pixels p .. p + 2 (the first n < 3 of them real; the block repeats its last real pixel) gathered
 * into three int8 rows of K4 bytes at rows, rows + k4, rows + 2 k4 (as ec_im2row_s8 writes one). Three pixels
 * of one output row whose windows miss the left and right padding share their kernel rows: one pass per kernel
 * row copies the three runs (sw * Cin bytes apart in the input) a word at a time, where ec_im2row_s8 per pixel
 * costs a division and more set-up (a first conv's 3x3x3 window: nine bytes a run). Any other block takes
 * ec_im2row_s8 per pixel. */
EC_API void ec_im2row3_s8(const int8_t* x, int8_t* rows, const ec_conv_geo* g, int32_t p, int32_t n, int32_t k4,
                          int8_t pad) {
  const int oy = (int)(p / g->ow), ox = (int)(p % g->ow), ic = g->ic, kw = g->kw, sw = g->sw;
  const int ix0 = ox * sw - g->pl, width = kw * ic;
  int ky, k, j, m;
  if (n < 3 || ox + 2 >= g->ow || ix0 < 0 || ix0 + 2 * sw + kw > g->iw) {
    for (j = 0; j < 3; ++j) ec_im2row_s8(x, rows + j * k4, g, p + (j < n ? j : n - 1), k4, pad);
    return;
  }
  for (ky = 0, k = 0; ky < g->kh; ++ky, k += width) {
    const int iy = oy * g->sh - g->pt + ky;
    if (iy < 0 || iy >= g->ih) {
      for (j = 0; j < 3; ++j) memset(rows + j * k4 + k, pad, (size_t)width);
    } else {
      const int8_t* s = x + ((int32_t)iy * g->iw + ix0) * ic;
      const int d = sw * ic;
      for (m = 0; m + 4 <= width; m += 4) { /* unaligned words (ARMv7E-M), not calls */
        memcpy(rows + k + m, s + m, 4);
        memcpy(rows + k4 + k + m, s + d + m, 4);
        memcpy(rows + 2 * k4 + k + m, s + 2 * d + m, 4);
      }
      for (; m < width; ++m) {
        rows[k + m] = s[m];
        rows[k4 + k + m] = s[d + m];
        rows[2 * k4 + k + m] = s[2 * d + m];
      }
    }
  }
  for (j = 0; j < 3; ++j)
    for (k = g->kh * width; k < k4; ++k) rows[j * k4 + k] = 0;
}
#endif
