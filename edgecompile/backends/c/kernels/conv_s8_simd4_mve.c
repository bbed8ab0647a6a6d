#ifndef EC_AMALGAMATED
#include "ec.h"
#include "conv_geo.h"
#include "mve.h"
#endif

#ifdef EC_MVE
/* Helium form of ec_conv_s8_simd4 (same arguments; Cin % 4 == 0, weights of each block of four output
 * channels interleaved per 4-byte group). Sixteen inputs per step against each channel's sixteen weights,
 * gathered out of the block's 64 bytes (offsets 0-3, 16-19, 32-35, 48-51; +4 per channel): VMLADAVA.S8 adds
 * x.w, VADDVA.S8 the weights, and the input offset enters once per pixel as off * sum(w), exact in int32; the
 * four channels requantize as one vector (EC_REQ4). */
EC_API void ec_conv_s8_simd4(const int8_t* x, int8_t* y, const ec_conv_geo* g, const int8_t* wpk,
                             const int32_t* bias, const int32_t* mult, const int32_t* shift, int32_t in_off,
                             int32_t out_zp, int32_t amin, int32_t amax) {
  const int ic = g->ic, kw = g->kw, taps = g->kh * g->kw * g->ic, row = g->iw * g->ic, wrow = 4 * g->kw * g->ic;
  const uint8x16_t lanes = vidupq_n_u8(0, 1);
  const uint8x16_t offs = vaddq_u8(vandq_u8(lanes, vdupq_n_u8(3)), vshlq_n_u8(vshrq_n_u8(lanes, 2), 4));
  int oy, ox, oc, ky, k;
  for (oy = 0; oy < g->oh; ++oy) {
    const int iy0 = oy * g->sh - g->pt;
    const int ky0 = iy0 < 0 ? -iy0 : 0, ky1 = iy0 + g->kh > g->ih ? g->ih - iy0 : g->kh;
    for (ox = 0; ox < g->ow; ++ox) {
      const int ix0 = ox * g->sw - g->pl;
      const int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + kw > g->iw ? g->iw - ix0 : kw;
      const int n = (kx1 - kx0) * ic;
      const int8_t* xs = x + ((int32_t)(iy0 + ky0) * g->iw + ix0 + kx0) * ic;
      const int32_t ws = 4 * (ky0 * kw + kx0) * ic;
      int8_t* yp = y + ((int32_t)oy * g->ow + ox) * g->oc;
      for (oc = 0; oc + 4 <= g->oc; oc += 4) {
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        const int8_t* xr = xs;
        const int8_t* wr = wpk + (int32_t)oc * taps + ws;
        for (ky = ky0; ky < ky1; ++ky, xr += row, wr += wrow) {
          for (k = 0; k < n; k += 16) {
            const mve_pred16_t p = vctp8q((uint32_t)(n - k));
            const int8x16_t xv = vldrbq_z_s8(xr + k, p);
            const int8_t* wb = wr + 4 * k;
            const int8x16_t w0 = vldrbq_gather_offset_z_s8(wb, offs, p);
            const int8x16_t w1 = vldrbq_gather_offset_z_s8(wb + 4, offs, p);
            const int8x16_t w2 = vldrbq_gather_offset_z_s8(wb + 8, offs, p);
            const int8x16_t w3 = vldrbq_gather_offset_z_s8(wb + 12, offs, p);
            a0 = vmladavaq_s8(a0, w0, xv);
            s0 = vaddvaq_s8(s0, w0);
            a1 = vmladavaq_s8(a1, w1, xv);
            s1 = vaddvaq_s8(s1, w1);
            a2 = vmladavaq_s8(a2, w2, xv);
            s2 = vaddvaq_s8(s2, w2);
            a3 = vmladavaq_s8(a3, w3, xv);
            s3 = vaddvaq_s8(s3, w3);
          }
        }
        {
          int32x4_t acc = vsetq_lane_s32(a3, vsetq_lane_s32(a2, vsetq_lane_s32(a1, vdupq_n_s32(a0), 1), 2), 3);
          int32x4_t sw = vsetq_lane_s32(s3, vsetq_lane_s32(s2, vsetq_lane_s32(s1, vdupq_n_s32(s0), 1), 2), 3);
          acc = vmlaq_n_s32(vaddq_s32(acc, vldrwq_s32(bias + oc)), sw, in_off);
          vstrbq_s32(yp + oc, EC_REQ4(acc, vldrwq_s32(mult + oc), vldrwq_s32(shift + oc), out_zp, amin, amax));
        }
      }
      for (oc = g->oc & ~3; oc < g->oc; ++oc) { /* channels left over (plain OHWI rows after the packed blocks) */
        int32_t acc = bias[oc];
        const int8_t* xr = xs;
        const int8_t* wr = wpk + (int32_t)oc * taps + ws / 4;
        for (ky = ky0; ky < ky1; ++ky, xr += row, wr += wrow / 4) {
          for (k = 0; k < n; ++k) acc += (xr[k] + in_off) * wr[k];
        }
        vstrbq_p_s32(yp + oc, EC_REQ4(vdupq_n_s32(acc), vdupq_n_s32(mult[oc]), vdupq_n_s32(shift[oc]), out_zp, amin, amax),
                     vctp32q(1u)); /* lane 0 */
      }
    }
  }
}
#endif
