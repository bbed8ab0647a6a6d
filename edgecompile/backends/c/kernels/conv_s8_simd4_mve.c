#ifndef EC_AMALGAMATED
#include "ec.h"
#include "conv_geo.h"
#include "mve.h"
#endif

#ifdef EC_MVE
/* Helium form of ec_conv_s8_simd4 (same arguments; Cin % 4 == 0, weights of each block of four output
 * channels interleaved per 4-byte group). Eight inputs per step, widened to int16 by the load with the input
 * offset added (|x + off| <= 255), against each channel's eight weights, gathered and widened out of the
 * block's 32 bytes (offsets 0-3, 16-19; +4 per channel): VMLADAVA.S16 multiplies and adds across into four
 * int32 accumulators (exact: bit-identical to the SMLAD form). The four channels requantize as one vector. */
EC_API void ec_conv_s8_simd4(const int8_t* x, int8_t* y, const ec_conv_geo* g, const int8_t* wpk,
                             const int32_t* bias, const int32_t* mult, const int32_t* shift, int32_t in_off,
                             int32_t out_zp, int32_t amin, int32_t amax) {
  const int ic = g->ic, kw = g->kw, taps = g->kh * g->kw * g->ic, row = g->iw * g->ic, wrow = 4 * g->kw * g->ic;
  const uint16x8_t lanes = vidupq_n_u16(0, 1);
  const uint16x8_t offs = vaddq_u16(vandq_u16(lanes, vdupq_n_u16(3)), vshlq_n_u16(vshrq_n_u16(lanes, 2), 4));
  /* one offset vector per channel of the block: the gathers share one base register */
  const uint16x8_t o1 = vaddq_n_u16(offs, 4), o2 = vaddq_n_u16(offs, 8), o3 = vaddq_n_u16(offs, 12);
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
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        const int8_t* xr = xs;
        const int8_t* wr = wpk + (int32_t)oc * taps + ws;
        for (ky = ky0; ky < ky1; ++ky, xr += row, wr += wrow) {
          const int8_t* xp = xr;
          const int8_t* wp = wr;
          const int8_t* const end8 = xr + (n & ~7);
          for (; xp < end8; xp += 8, wp += 32) { /* eight k a step */
            const int16x8_t xv = vaddq_n_s16(vldrbq_s16(xp), (int16_t)in_off);
            a0 = vmladavaq_s16(a0, vldrbq_gather_offset_s16(wp, offs), xv);
            a1 = vmladavaq_s16(a1, vldrbq_gather_offset_s16(wp, o1), xv);
            a2 = vmladavaq_s16(a2, vldrbq_gather_offset_s16(wp, o2), xv);
            a3 = vmladavaq_s16(a3, vldrbq_gather_offset_s16(wp, o3), xv);
          }
          if (n & 4) { /* a last group of four k: half the lanes */
            const mve_pred16_t p = vctp16q(4u);
            const int16x8_t xv = vaddq_n_s16(vldrbq_z_s16(xp, p), (int16_t)in_off);
            a0 = vmladavaq_p_s16(a0, vldrbq_gather_offset_z_s16(wp, offs, p), xv, p);
            a1 = vmladavaq_p_s16(a1, vldrbq_gather_offset_z_s16(wp, o1, p), xv, p);
            a2 = vmladavaq_p_s16(a2, vldrbq_gather_offset_z_s16(wp, o2, p), xv, p);
            a3 = vmladavaq_p_s16(a3, vldrbq_gather_offset_z_s16(wp, o3, p), xv, p);
          }
        }
        {
          const int32x4_t acc = vsetq_lane_s32(a3, vsetq_lane_s32(a2, vsetq_lane_s32(a1, vdupq_n_s32(a0), 1), 2), 3);
          vstrbq_s32(yp + oc, EC_REQV(vaddq_s32(acc, vldrwq_s32(bias + oc)), vldrwq_s32(mult + oc),
                                      vldrwq_s32(shift + oc), out_zp, amin, amax));
        }
      }
      for (oc = g->oc & ~3; oc < g->oc; ++oc) { /* channels left over (plain OHWI rows after the packed blocks) */
        int32_t acc = bias[oc];
        const int8_t* xr = xs;
        const int8_t* wr = wpk + (int32_t)oc * taps + ws / 4;
        for (ky = ky0; ky < ky1; ++ky, xr += row, wr += wrow / 4) {
          for (k = 0; k < n; ++k) acc += (xr[k] + in_off) * wr[k];
        }
        vstrbq_p_s32(yp + oc, EC_REQV(vdupq_n_s32(acc), vdupq_n_s32(mult[oc]), vdupq_n_s32(shift[oc]), out_zp, amin, amax),
                     vctp32q(1u)); /* lane 0 */
      }
    }
  }
}
#endif
