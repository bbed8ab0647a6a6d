#ifndef EC_AMALGAMATED
#include "ec.h"
#include "conv_geo.h"
#include "simd.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* A pasting with a residual Add fused in (fuse_residual.py) defines EC_RESIDUAL(v, y, n), the Add of a
 * pixel's n conv outputs v and the other operand's n bytes at y, written over y (TFLite's int8 Add, one
 * element after another: each byte of y is read just before it is overwritten), and EC_RES_OC >= oc: the
 * pixel's outputs go to a small buffer, then the Add runs once per pixel, out of the MAC loops. */
#ifdef EC_RESIDUAL
#define EC_PUT(p, v) (res[(p) - yp] = (v))
#define EC_PIXEL_DONE(yp) EC_RESIDUAL(res, (yp), g->oc)
#else
#define EC_PUT(p, v) (*(p) = (v))
#define EC_PIXEL_DONE(yp) ((void)0)
#endif
/* Cin % 4 == 0: every run starts and ends on a 4-byte group, so the weights of each block of four output
 * channels are interleaved per group at compile time (w0[k..k+3] w1[k..k+3] w2[..] w3[..]): one pointer
 * walks them, which keeps the loop's accumulators, operands and pointers in registers. */
EC_API void ec_conv_s8_simd4(const int8_t* x, int8_t* y, const ec_conv_geo* g, const int8_t* wpk,
                             const int32_t* bias, const int32_t* mult, const int32_t* shift, int32_t in_off,
                             int32_t out_zp, int32_t amin, int32_t amax) {
  const int ic = g->ic, kw = g->kw, taps = g->kh * g->kw * g->ic, row = g->iw * g->ic, wrow = 4 * g->kw * g->ic;
  const uint32_t off2 = ((uint32_t)(uint16_t)in_off << 16) | (uint16_t)in_off;
  int oy, ox, oc, ky, k;
#ifdef EC_RESIDUAL
  int8_t res[EC_RES_OC];
#endif
  for (oy = 0; oy < g->oh; ++oy) {
    EC_WINDOW_ROWS(g, oy);
    for (ox = 0; ox < g->ow; ++ox) {
      EC_WINDOW_COLS(g, ox, kw);
      const int n = (kx1 - kx0) * ic;
      const int8_t* xs = x + ((int32_t)(iy0 + ky0) * g->iw + ix0 + kx0) * ic;
      const int32_t ws = 4 * (ky0 * kw + kx0) * ic;
      int8_t* yp = y + ((int32_t)oy * g->ow + ox) * g->oc;
      for (oc = 0; oc + 4 <= g->oc; oc += 4) {
        int32_t a0 = bias[oc], a1 = bias[oc + 1], a2 = bias[oc + 2], a3 = bias[oc + 3];
        const int8_t* xr = xs;
        const int8_t* wr = wpk + (int32_t)oc * taps + ws;
        for (ky = ky0; ky < ky1; ++ky, xr += row, wr += wrow) {
          const int8_t* xp = xr;
          const int8_t* wp = wr;
          const int8_t* const end = xr + n;
          while (xp < end) {
            EC_DOT4X4(xp, wp, 4, off2, a0, a1, a2, a3);
            xp += 4;
            wp += 16;
          }
        }
        EC_PUT(yp + oc, EC_REQ(a0, mult[oc], shift[oc], out_zp, amin, amax));
        EC_PUT(yp + oc + 1, EC_REQ(a1, mult[oc + 1], shift[oc + 1], out_zp, amin, amax));
        EC_PUT(yp + oc + 2, EC_REQ(a2, mult[oc + 2], shift[oc + 2], out_zp, amin, amax));
        EC_PUT(yp + oc + 3, EC_REQ(a3, mult[oc + 3], shift[oc + 3], out_zp, amin, amax));
      }
      for (oc = g->oc & ~3; oc < g->oc; ++oc) { /* channels left over (plain OHWI rows after the packed blocks) */
        int32_t acc = bias[oc];
        const int8_t* xr = xs;
        const int8_t* wr = wpk + (int32_t)oc * taps + ws / 4;
        for (ky = ky0; ky < ky1; ++ky, xr += row, wr += wrow / 4) {
          for (k = 0; k < n; ++k) acc += (xr[k] + in_off) * wr[k];
        }
        EC_PUT(yp + oc, EC_REQ(acc, mult[oc], shift[oc], out_zp, amin, amax));
      }
      EC_PIXEL_DONE(yp);
    }
  }
}
#undef EC_PUT
#undef EC_PIXEL_DONE
#endif
