/* ec_avgpool_s8 (same arguments, same results) for C % 4 == 0 on the DSP extension: four channels a pass, each
 * tap one load and two SXTAB16 into int16 lanes (channels 0, 2 and 1, 3), the lanes moved into int32 sums at the
 * end, or after every window row when the window holds more than 256 taps (a row holds at most 256: ops/pool.py;
 * 256 * 128 fits int16's magnitude, so no lane overflows). The division or requantization is ec_avgpool_s8's. */
#ifndef EC_AMALGAMATED
#include "ec.h"
#include "pool_geo.h"
#include "simd.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
EC_API void ec_avgpool_s8_simd(const int8_t* x, int8_t* y, const ec_pool_geo* g, int32_t in_zp, int32_t out_zp,
                               int32_t mult, int32_t shift, int32_t amin, int32_t amax) {
  const int c = g->c;
  int oy, ox, ch, k;
  for (oy = 0; oy < g->oh; ++oy) {
    const int iy0 = oy * g->sh - g->pt;
    const int ky0 = iy0 < 0 ? -iy0 : 0, ky1 = iy0 + g->kh > g->ih ? g->ih - iy0 : g->kh;
    for (ox = 0; ox < g->ow; ++ox) {
      const int ix0 = ox * g->sw - g->pl;
      const int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + g->kw > g->iw ? g->iw - ix0 : g->kw;
      const int nx = kx1 - kx0, cnt = (ky1 - ky0) * nx;
      int8_t* const yp = y + ((int32_t)oy * g->ow + ox) * c;
      for (ch = 0; ch < c; ch += 4) {
        int32_t acc[4] = {0, 0, 0, 0};
        uint32_t e = 0, o = 0; /* int16 lanes: channels ch, ch + 2 and ch + 1, ch + 3 */
        int ky;
        for (ky = ky0; ky < ky1; ++ky) {
          const int8_t* xp = x + ((int32_t)(iy0 + ky) * g->iw + ix0 + kx0) * c + ch;
          const int8_t* const xe = xp + nx * c;
          for (; xp != xe; xp += c) {
            uint32_t v;
            memcpy(&v, xp, 4); /* one unaligned LDR */
            e = __sxtab16(e, v);
            o = ec_sxtab16_ror8(o, v);
          }
          if (cnt > 256) { /* a row at a time into the int32 sums (ops/pool.py: rows of at most 256 taps) */
            acc[0] += (int16_t)e, acc[2] += (int32_t)e >> 16, acc[1] += (int16_t)o, acc[3] += (int32_t)o >> 16;
            e = o = 0;
          }
        }
        acc[0] += (int16_t)e, acc[2] += (int32_t)e >> 16, acc[1] += (int16_t)o, acc[3] += (int32_t)o >> 16;
        for (k = 0; k < 4; ++k) {
          int32_t a = acc[k];
          if (mult == 0) {
            a = a > 0 ? (a + cnt / 2) / cnt : (a - cnt / 2) / cnt;
          } else {
            a = ec_mbqm(a - cnt * in_zp, mult, shift) + out_zp;
          }
          yp[ch + k] = ec_sat8(a, amin, amax);
        }
      }
    }
  }
}
#endif
