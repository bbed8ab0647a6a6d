#ifndef EC_AMALGAMATED
#include "ec.h"
#include "conv_geo.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
#include <string.h>
/* One pixel's kh*kw*Cin window gathered into a row of K4 bytes (K rounded up to 4; padded taps hold the input
 * zero point, so that x + off is 0 there as in TFLite, and the K4 - K spare bytes meet zero weights), for the
 * GEMM. Each kernel row is one contiguous run of the input row (memcpy) with padding either side;
 * when Cin % 4 == 0 every piece is whole words. */
EC_API void ec_im2row_s8(const int8_t* x, int8_t* row, const ec_conv_geo* g, int32_t p, int32_t k4, int8_t pad) {
  const int oy = (int)(p / g->ow), ox = (int)(p % g->ow), ic = g->ic, kw = g->kw;
  const int iy0 = oy * g->sh - g->pt, ix0 = ox * g->sw - g->pl;
  const int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + kw > g->iw ? g->iw - ix0 : kw;
  const int lead = kx0 * ic, run = kx1 > kx0 ? (kx1 - kx0) * ic : 0, width = kw * ic;
  int ky, k = 0;
  for (ky = 0; ky < g->kh; ++ky, k += width) {
    const int iy = iy0 + ky;
    if (iy < 0 || iy >= g->ih || run == 0) {
      memset(row + k, pad, (size_t)width);
    } else { /* one contiguous run of the input row, padding either side */
      const int8_t* s = x + ((int32_t)iy * g->iw + ix0 + kx0) * ic;
      int8_t* d = row + k + lead;
      int n = run;
      if (lead) memset(row + k, pad, (size_t)lead);
      /* a few bytes (a first conv's 3x3x3 window: 9 a row): words, unaligned, not a call to memcpy */
      for (; n >= 4; n -= 4, s += 4, d += 4) memcpy(d, s, 4);
      for (; n > 0; --n) *d++ = *s++;
      if (lead + run < width) memset(row + k + lead + run, pad, (size_t)(width - lead - run));
    }
  }
  if (k < k4) memset(row + k, 0, (size_t)(k4 - k));
}
#endif
