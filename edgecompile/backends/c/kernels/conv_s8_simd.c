#ifndef EC_AMALGAMATED
#include "ec.h"
#include "conv_geo.h"
#include "simd.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
EC_API void ec_conv_s8_simd(const int8_t* x, int8_t* y, const ec_conv_geo* g, const int8_t* w, const int32_t* bias,
                            const int32_t* mult, const int32_t* shift, int32_t in_off, int32_t out_zp, int32_t amin,
                            int32_t amax) {
  const int ic = g->ic, kw = g->kw, taps = g->kh * g->kw * g->ic, row = g->iw * g->ic, wrow = g->kw * g->ic;
  const uint32_t off2 = ((uint32_t)(uint16_t)in_off << 16) | (uint16_t)in_off;
  int oy, ox, oc, ky, k;
  for (oy = 0; oy < g->oh; ++oy) {
    EC_WINDOW_ROWS(g, oy);
    for (ox = 0; ox < g->ow; ++ox) {
      EC_WINDOW_COLS(g, ox, kw);
      const int n = (kx1 - kx0) * ic, n4 = n & ~3;
      const int8_t* xs = x + ((int32_t)(iy0 + ky0) * g->iw + ix0 + kx0) * ic;
      const int8_t* ws = w + (ky0 * kw + kx0) * ic;
      int8_t* yp = y + ((int32_t)oy * g->ow + ox) * g->oc;
      for (oc = 0; oc + 4 <= g->oc; oc += 4) {
        int32_t a0 = bias[oc], a1 = bias[oc + 1], a2 = bias[oc + 2], a3 = bias[oc + 3];
        const int8_t* xr = xs;
        const int8_t* wr = ws + (int32_t)oc * taps;
        for (ky = ky0; ky < ky1; ++ky, xr += row, wr += wrow) {
          const int8_t* xp = xr;
          const int8_t* wp = wr;
          const int8_t* const end = xr + n4;
          while (xp < end) {
            EC_DOT4X4(xp, wp, taps, off2, a0, a1, a2, a3);
            xp += 4;
            wp += 4;
          }
          for (k = n4; k < n; ++k) { /* runs that are not a multiple of 4 bytes */
            const int32_t xv = xr[k] + in_off;
            a0 += xv * wr[k];
            a1 += xv * wr[k + taps];
            a2 += xv * wr[k + 2 * taps];
            a3 += xv * wr[k + 3 * taps];
          }
        }
        EC_REQ4(yp, oc, a0, a1, a2, a3);
      }
      for (oc = g->oc & ~3; oc < g->oc; ++oc) { /* channels left over when Cout is not a multiple of 4 */
        int32_t acc = bias[oc];
        const int8_t* xr = xs;
        const int8_t* wr = ws + (int32_t)oc * taps;
        for (ky = ky0; ky < ky1; ++ky, xr += row, wr += wrow) {
          for (k = 0; k < n; ++k) acc += (xr[k] + in_off) * wr[k];
        }
        yp[oc] = EC_REQ(acc, mult[oc], shift[oc], out_zp, amin, amax);
      }
    }
  }
}
#endif
