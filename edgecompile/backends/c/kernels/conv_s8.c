/* Conv (groups incl. depthwise, strides, pads, dilations) over NHWC int8 data, OHWI weights: TFLite's
 * ConvPerChannel / DepthwiseConvPerChannel. int32 accumulation of (x + input_offset) * w, int32 bias,
 * per-channel requantization, a clamp that carries the fused Relu/Clip. */
#ifndef EC_AMALGAMATED
#include "ec.h"
#include "conv_geo.h"
#endif

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

EC_API void ec_conv_s8(const int8_t* x, int8_t* y, const ec_conv_geo* g, const int8_t* w, const int32_t* bias,
                       const int32_t* mult, const int32_t* shift, int32_t in_off, int32_t out_zp, int32_t amin,
                       int32_t amax) {
  const int icg = g->ic / g->groups, ocg = g->oc / g->groups;
  int oy, ox, oc, ky, kx, c;
#ifdef EC_RESIDUAL
  int8_t res[EC_RES_OC];
#endif
  for (oy = 0; oy < g->oh; ++oy) {
    for (ox = 0; ox < g->ow; ++ox) {
      const int iy0 = oy * g->sh - g->pt, ix0 = ox * g->sw - g->pl;
      int8_t* const yp = y + ((int32_t)oy * g->ow + ox) * g->oc;
      for (oc = 0; oc < g->oc; ++oc) {
        const int8_t* wp = w + (int32_t)oc * g->kh * g->kw * icg;
        const int cin0 = (oc / ocg) * icg;
        int32_t acc = 0;
        for (ky = 0; ky < g->kh; ++ky) {
          const int iy = iy0 + ky * g->dh;
          if (iy < 0 || iy >= g->ih) continue;
          for (kx = 0; kx < g->kw; ++kx) {
            const int ix = ix0 + kx * g->dw;
            const int8_t* xp;
            const int8_t* wk;
            if (ix < 0 || ix >= g->iw) continue;
            xp = x + ((int32_t)iy * g->iw + ix) * g->ic + cin0;
            wk = wp + (ky * g->kw + kx) * icg;
            for (c = 0; c < icg; ++c) acc += (xp[c] + in_off) * wk[c];
          }
        }
        EC_PUT(yp + oc, ec_sat8(ec_mbqm(acc + bias[oc], mult[oc], shift[oc]) + out_zp, amin, amax));
      }
      EC_PIXEL_DONE(yp);
    }
  }
}
#undef EC_PUT
#undef EC_PIXEL_DONE
