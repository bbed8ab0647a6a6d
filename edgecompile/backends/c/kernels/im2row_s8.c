#ifndef EC_AMALGAMATED
#include "ec.h"
#include "conv_geo.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* Dense convolutions whose Cin is not a multiple of 4 (first layers: KWS 1 channel, ResNet-8 3): each pixel's
 * kh*kw*Cin window is gathered into a stack row of K4 bytes (K rounded up to 4; padded taps hold the input zero
 * point, so that x + off is 0 there as in TFLite, and the K4 - K spare bytes meet zero weights), then the
 * 2x2-block GEMM. */
EC_API void ec_im2row_s8(const int8_t* x, int8_t* row, const ec_conv_geo* g, int32_t p, int32_t k4, int8_t pad) {
  const int oy = (int)(p / g->ow), ox = (int)(p % g->ow), ic = g->ic, kw = g->kw;
  const int iy0 = oy * g->sh - g->pt, ix0 = ox * g->sw - g->pl;
  const int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + kw > g->iw ? g->iw - ix0 : kw;
  const int lead = kx0 * ic, run = (kx1 - kx0) * ic, trail = (kw - kx1) * ic;
  int ky, c, k = 0;
  for (ky = 0; ky < g->kh; ++ky) {
    const int iy = iy0 + ky;
    if (iy < 0 || iy >= g->ih) {
      for (c = 0; c < kw * ic; ++c) row[k++] = pad;
    } else { /* one contiguous run of the input row, padding either side */
      const int8_t* xp = x + ((int32_t)iy * g->iw + ix0 + kx0) * ic;
      for (c = 0; c < lead; ++c) row[k++] = pad;
      for (c = 0; c < run; ++c) row[k++] = xp[c];
      for (c = 0; c < trail; ++c) row[k++] = pad;
    }
  }
  while (k < k4) row[k++] = 0;
}
#endif
