#ifndef EC_AMALGAMATED
#include "ec.h"
#include "conv_geo.h"
#include "mve.h"
#endif

#ifdef EC_MVE
/* one tap of eight channels: (x + off) * w in int16 lanes, the even and odd products added in int32 */
#define EC_DW8(xload, wload)                                    \
  do {                                                          \
    const int16x8_t xv_ = vaddq_n_s16((xload), off);            \
    const int16x8_t wv_ = (wload);                              \
    ae = vaddq_s32(ae, vmullbq_int_s16(xv_, wv_));              \
    ao = vaddq_s32(ao, vmulltq_int_s16(xv_, wv_));              \
  } while (0)

/* Helium form of ec_dwconv_s8_simd (same arguments, HWC weights): eight channels of one tap per step, inputs
 * and weights widened to int16 by the load, the input offset added in int16 (|x + off| <= 255), and the
 * products of the even and odd lanes (VMULLB/VMULLT, int32) added into two accumulators. Loads predicated by
 * VCTP take a last group of four channels. Integer sums: bit-identical to the SMLABB form. Each parity's four
 * results requantize as one vector (EC_REQV), bias, multipliers and shifts gathered, bytes scattered. */
EC_API void ec_dwconv_s8_simd(const int8_t* x, int8_t* y, const ec_conv_geo* g, const int8_t* w_hwc,
                              const int32_t* bias, const int32_t* mult, const int32_t* shift, int32_t in_off,
                              int32_t out_zp, int32_t amin, int32_t amax) {
  const int ch = g->ic, kw = g->kw;
  const uint32x4_t even = vidupq_n_u32(0, 2); /* channel offsets 0, 2, 4, 6 */
  const int16_t off = (int16_t)in_off;
  int oy, ox, c, ky, kx;
  for (oy = 0; oy < g->oh; ++oy) {
    const int iy0 = oy * g->sh - g->pt;
    const int ky0 = iy0 < 0 ? -iy0 : 0, ky1 = iy0 + g->kh > g->ih ? g->ih - iy0 : g->kh;
    for (ox = 0; ox < g->ow; ++ox) {
      const int ix0 = ox * g->sw - g->pl;
      const int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + kw > g->iw ? g->iw - ix0 : kw;
      const int8_t* xs = x + ((int32_t)(iy0 + ky0) * g->iw + ix0 + kx0) * ch;
      const int8_t* ws = w_hwc + (ky0 * kw + kx0) * ch;
      int8_t* yp = y + ((int32_t)oy * g->ow + ox) * ch;
      const int full3 = g->kh == 3 && kw == 3 && ky1 - ky0 == 3 && kx1 - kx0 == 3;
      for (c = 0; c < ch; c += 8) {
        const mve_pred16_t p = vctp16q((uint32_t)(ch - c)); /* all lanes but in a last group of four channels */
        int32x4_t ae = vdupq_n_s32(0), ao = vdupq_n_s32(0);
        const int8_t* xr = xs + c;
        const int8_t* wr = ws + c;
        if (full3 && c + 8 <= ch) { /* a whole 3x3 window of eight channels: nine taps, no bounds, no predicates */
          const int8_t* const xe = xr + 3 * g->iw * ch;
          for (; xr < xe; xr += g->iw * ch, wr += 3 * ch) {
            EC_DW8(vldrbq_s16(xr), vldrbq_s16(wr));
            EC_DW8(vldrbq_s16(xr + ch), vldrbq_s16(wr + ch));
            EC_DW8(vldrbq_s16(xr + 2 * ch), vldrbq_s16(wr + 2 * ch));
          }
        } else {
          for (ky = ky0; ky < ky1; ++ky, xr += g->iw * ch, wr += kw * ch) {
            const int8_t* xp = xr;
            const int8_t* wp = wr;
            for (kx = kx0; kx < kx1; ++kx, xp += ch, wp += ch) EC_DW8(vldrbq_z_s16(xp, p), vldrbq_z_s16(wp, p));
          }
        }
        { /* each parity's four channels requantize as one vector: bias, multipliers, shifts gathered, bytes scattered */
          const mve_pred16_t q = vctp32q((uint32_t)(ch - c) / 2u); /* lanes of each parity left */
          const int32_t* const bc = bias + c;
          const int32_t* const mc = mult + c;
          const int32_t* const sc = shift + c;
          int8_t* const yc = yp + c;
          const int32x4_t re = EC_REQV(vaddq_s32(ae, vldrwq_gather_shifted_offset_z_s32(bc, even, q)),
                                       vldrwq_gather_shifted_offset_z_s32(mc, even, q),
                                       vldrwq_gather_shifted_offset_z_s32(sc, even, q), out_zp, amin, amax);
          const int32x4_t ro = EC_REQV(vaddq_s32(ao, vldrwq_gather_shifted_offset_z_s32(bc + 1, even, q)),
                                       vldrwq_gather_shifted_offset_z_s32(mc + 1, even, q),
                                       vldrwq_gather_shifted_offset_z_s32(sc + 1, even, q), out_zp, amin, amax);
          vstrbq_scatter_offset_p_s32(yc, even, re, q);
          vstrbq_scatter_offset_p_s32(yc + 1, even, ro, q);
        }
      }
    }
  }
}
#undef EC_DW8
#endif
