#ifndef EC_AMALGAMATED
#include "ec.h"
#include "conv_geo.h"
#include "simd.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* One pixel's kh*kw*Cin window, Cin % 4 == 0, gathered straight into the widened rows the GEMMs read (words
 * q[0], q[1] of each group of `step`, as ec_q15_row writes them): no int8 copy and second pass. Padded taps hold
 * the input zero point widened (padw: it twice as int16), so that x + off is 0 there as in TFLite. */
EC_API void ec_im2row_q15(const int8_t* x, uint32_t* q, const ec_conv_geo* g, int32_t p, uint32_t padw,
                          int32_t step) {
  const int oy = (int)(p / g->ow), ox = (int)(p % g->ow), ic = g->ic, kw = g->kw;
  const int iy0 = oy * g->sh - g->pt, ix0 = ox * g->sw - g->pl;
  const int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + kw > g->iw ? g->iw - ix0 : kw;
  const int lead = kx0 * ic / 4, run = kx1 > kx0 ? (kx1 - kx0) * ic / 4 : 0, width = kw * ic / 4; /* groups */
  int ky, n;
  for (ky = 0; ky < g->kh; ++ky) {
    const int iy = iy0 + ky;
    if (iy < 0 || iy >= g->ih || run == 0) {
      for (n = width; n > 0; --n, q += step) q[0] = q[1] = padw;
    } else { /* one contiguous run of the input row, padding either side */
      const int8_t* s = x + ((int32_t)iy * g->iw + ix0 + kx0) * ic;
      for (n = lead; n > 0; --n, q += step) q[0] = q[1] = padw;
      if (run & 1) { /* an odd run's first group alone, then two a pass (loop overhead) */
        const uint32_t v = ec_ld4(s);
        q[0] = __sxtb16(v);
        q[1] = ec_sxtb16_ror8(v);
        q += step;
        s += 4;
      }
      for (n = run / 2; n > 0; --n, q += 2 * step, s += 8) {
        const uint32_t v = ec_ld4(s), z = ec_ld4(s + 4);
        q[0] = __sxtb16(v);
        q[1] = ec_sxtb16_ror8(v);
        q[step] = __sxtb16(z);
        q[step + 1] = ec_sxtb16_ror8(z);
      }
      for (n = width - lead - run; n > 0; --n, q += step) q[0] = q[1] = padw;
    }
  }
}
#endif
