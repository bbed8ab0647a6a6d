#ifndef EC_AMALGAMATED
#include "ec.h"
#include "conv_geo.h"
#include "simd.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* one tap for four channels: SMLABB/SMLATT on the even and odd int16 lanes */
#define EC_DWTAP(xq, wq)                                                                     do {                                                                                         const uint32_t x4_ = ec_ld4(xq), w4_ = ec_ld4(wq);                                         const uint32_t xe_ = __sxtab16(off2, x4_), xo_ = ec_sxtab16_ror8(off2, x4_);               const uint32_t we_ = __sxtb16(w4_), wo_ = ec_sxtb16_ror8(w4_);                             a0 = __smlabb((int32_t)xe_, (int32_t)we_, a0);                                             a2 = __smlatt((int32_t)xe_, (int32_t)we_, a2);                                             a1 = __smlabb((int32_t)xo_, (int32_t)wo_, a1);                                             a3 = __smlatt((int32_t)xo_, (int32_t)wo_, a3);                                           } while (0)

EC_NO_SCHED
EC_API void ec_dwconv_s8_simd(const int8_t* x, int8_t* y, const ec_conv_geo* g, const int8_t* w_hwc,
                              const int32_t* bias, const int32_t* mult, const int32_t* shift, int32_t in_off,
                              int32_t out_zp, int32_t amin, int32_t amax) {
  const int ch = g->ic, kw = g->kw;
  const uint32_t off2 = ((uint32_t)(uint16_t)in_off << 16) | (uint16_t)in_off;
  int oy, ox, c, ky, kx;
  for (oy = 0; oy < g->oh; ++oy) {
    EC_WINDOW_ROWS(g, oy);
    for (ox = 0; ox < g->ow; ++ox) {
      EC_WINDOW_COLS(g, ox, kw);
      const int8_t* xs = x + ((int32_t)(iy0 + ky0) * g->iw + ix0 + kx0) * ch;
      const int8_t* ws = w_hwc + (ky0 * kw + kx0) * ch;
      int8_t* yp = y + ((int32_t)oy * g->ow + ox) * ch;
      const int full3 = g->kh == 3 && kw == 3 && ky1 - ky0 == 3 && kx1 - kx0 == 3;
      for (c = 0; c < ch; c += 4) { /* ch is a multiple of 4 */
        int32_t a0 = bias[c], a1 = bias[c + 1], a2 = bias[c + 2], a3 = bias[c + 3];
        const int8_t* xr = xs + c;
        const int8_t* wr = ws + c;
        if (full3) { /* a 3x3 window inside the input: three taps a row, no bound arithmetic */
          const int8_t* const xe = xr + 3 * g->iw * ch;
          for (; xr < xe; xr += g->iw * ch, wr += 3 * ch) {
            EC_DWTAP(xr, wr);
            EC_DWTAP(xr + ch, wr + ch);
            EC_DWTAP(xr + 2 * ch, wr + 2 * ch);
          }
        }
        for (ky = full3 ? ky1 : ky0; ky < ky1; ++ky, xr += g->iw * ch, wr += kw * ch) {
          const int8_t* xp = xr;
          const int8_t* wp = wr;
          for (kx = kx0; kx < kx1; ++kx, xp += ch, wp += ch) {
            const uint32_t x4 = ec_ld4(xp), w4 = ec_ld4(wp);
            const uint32_t xe = __sxtab16(off2, x4), xo = ec_sxtab16_ror8(off2, x4);
            const uint32_t we = __sxtb16(w4), wo = ec_sxtb16_ror8(w4);
            a0 = __smlabb((int32_t)xe, (int32_t)we, a0);
            a2 = __smlatt((int32_t)xe, (int32_t)we, a2);
            a1 = __smlabb((int32_t)xo, (int32_t)wo, a1);
            a3 = __smlatt((int32_t)xo, (int32_t)wo, a3);
          }
        }
        EC_REQ4(yp, c, a0, a1, a2, a3);
      }
    }
  }
}
#endif
