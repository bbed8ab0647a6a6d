/* Conv (groups, strides, pads, dilations) over NHWC float data, OHWI weights. */
#ifndef EC_AMALGAMATED
#include "ec.h"
#include "conv_geo.h"
#endif

EC_API void ec_conv_f32(const float* x, float* y, const ec_conv_geo* g, const float* w, const float* bias) {
  const int icg = g->ic / g->groups, ocg = g->oc / g->groups;
  int oy, ox, oc, ky, kx, c;
  for (oy = 0; oy < g->oh; ++oy) {
    for (ox = 0; ox < g->ow; ++ox) {
      const int iy0 = oy * g->sh - g->pt, ix0 = ox * g->sw - g->pl;
      for (oc = 0; oc < g->oc; ++oc) {
        const float* wp = w + (int32_t)oc * g->kh * g->kw * icg;
        const float* xc = x + (oc / ocg) * icg;
        float acc = 0.0f;
        for (ky = 0; ky < g->kh; ++ky) {
          const int iy = iy0 + ky * g->dh;
          if (iy < 0 || iy >= g->ih) continue;
          for (kx = 0; kx < g->kw; ++kx) {
            const int ix = ix0 + kx * g->dw;
            if (ix >= 0 && ix < g->iw) {
              const float* xp = xc + ((int32_t)iy * g->iw + ix) * g->ic;
              const float* wk = wp + (ky * g->kw + kx) * icg;
              for (c = 0; c < icg; ++c) acc += xp[c] * wk[c];
            }
          }
        }
        y[((int32_t)oy * g->ow + ox) * g->oc + oc] = acc + bias[oc];
      }
    }
  }
}
