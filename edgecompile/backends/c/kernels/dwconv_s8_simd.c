#ifndef EC_AMALGAMATED
#include "ec.h"
#include "conv_geo.h"
#include "simd.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* one tap for four channels: SMLABB/SMLATT on the even and odd int16 lanes */
#define EC_DWTAP(xq, wq)                                                       \
  do {                                                                         \
    const uint32_t x4_ = ec_ld4(xq), w4_ = ec_ld4(wq);                         \
    const uint32_t xe_ = __sxtab16(off2, x4_), xo_ = ec_sxtab16_ror8(off2, x4_); \
    const uint32_t we_ = __sxtb16(w4_), wo_ = ec_sxtb16_ror8(w4_);             \
    a0 = __smlabb((int32_t)xe_, (int32_t)we_, a0);                             \
    a2 = __smlatt((int32_t)xe_, (int32_t)we_, a2);                             \
    a1 = __smlabb((int32_t)xo_, (int32_t)wo_, a1);                             \
    a3 = __smlatt((int32_t)xo_, (int32_t)wo_, a3);                             \
  } while (0)

/* Every channel group of one output pixel whose window rows hold n taps each (n > 0): n = 3 and 2 unrolled (the
 * 3-wide kernels' inner and edge pixels), any other n a loop. Requantization constants are read through
 * pointers that walk with the groups. */
#define EC_DW_PIXEL(n)                                                                        \
  do {                                                                                        \
    const int32_t* bp = bias;                                                                 \
    const int32_t* mp = mult;                                                                 \
    const int32_t* sp = shift;                                                                \
    const int8_t* xc = xs;                                                                    \
    const int8_t* wc = ws;                                                                    \
    int8_t* yc = yp;                                                                          \
    int8_t* const yend = yp + ch;                                                             \
    for (; yc < yend; yc += 4, xc += 4, wc += 4, bp += 4, mp += 4, sp += 4) {                 \
      int32_t a0 = bp[0], a1 = bp[1], a2 = bp[2], a3 = bp[3];                                 \
      const int8_t* xr = xc;                                                                  \
      const int8_t* wr = wc;                                                                  \
      int ky;                                                                                 \
      for (ky = nky; ky > 0; --ky, xr += xrow, wr += wrow) {                                  \
        if ((n) == 3) {                                                                       \
          EC_DWTAP(xr, wr);                                                                   \
          EC_DWTAP(xr + ch, wr + ch);                                                         \
          EC_DWTAP(xr + 2 * ch, wr + 2 * ch);                                                 \
        } else if ((n) == 2) {                                                                \
          EC_DWTAP(xr, wr);                                                                   \
          EC_DWTAP(xr + ch, wr + ch);                                                         \
        } else {                                                                              \
          const int8_t* xp = xr;                                                              \
          const int8_t* wp = wr;                                                              \
          int kx;                                                                             \
          for (kx = (n); kx > 0; --kx, xp += ch, wp += ch) EC_DWTAP(xp, wp);                  \
        }                                                                                     \
      }                                                                                       \
      yc[0] = EC_REQ(a0, mp[0], sp[0], out_zp, amin, amax);                                   \
      yc[1] = EC_REQ(a1, mp[1], sp[1], out_zp, amin, amax);                                   \
      yc[2] = EC_REQ(a2, mp[2], sp[2], out_zp, amin, amax);                                   \
      yc[3] = EC_REQ(a3, mp[3], sp[3], out_zp, amin, amax);                                   \
    }                                                                                         \
  } while (0)

/* Depthwise, channel multiplier 1, C % 4 == 0, HWC weights: per output pixel, four channels a pass over the
 * part of the window inside the input (padding is skipped, never read). */
EC_NO_SCHED
EC_API void ec_dwconv_s8_simd(const int8_t* x, int8_t* y, const ec_conv_geo* g, const int8_t* w_hwc,
                              const int32_t* bias, const int32_t* mult, const int32_t* shift, int32_t in_off,
                              int32_t out_zp, int32_t amin, int32_t amax) {
  const int ch = g->ic, kw = g->kw;
  const uint32_t off2 = ((uint32_t)(uint16_t)in_off << 16) | (uint16_t)in_off;
  int oy, ox;
  for (oy = 0; oy < g->oh; ++oy) {
    EC_WINDOW_ROWS(g, oy);
    const int nky = ky1 - ky0;
    for (ox = 0; ox < g->ow; ++ox) {
      EC_WINDOW_COLS(g, ox, kw);
      const int nkx = kx1 - kx0;
      const int8_t* const xs = x + ((int32_t)(iy0 + ky0) * g->iw + ix0 + kx0) * ch;
      const int8_t* const ws = w_hwc + (ky0 * kw + kx0) * ch;
      int8_t* const yp = y + ((int32_t)oy * g->ow + ox) * ch;
      const int32_t xrow = (int32_t)g->iw * ch, wrow = (int32_t)kw * ch; /* one window row down */
      if (nkx == 3) { /* (pads < kernel: every window holds a tap of the input) */
        EC_DW_PIXEL(3);
      } else if (nkx == 2) {
        EC_DW_PIXEL(2);
      } else {
        EC_DW_PIXEL(nkx);
      }
    }
  }
}
#undef EC_DW_PIXEL
#endif
