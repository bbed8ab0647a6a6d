#ifndef EC_AMALGAMATED
#include "ec.h"
#include "mve.h"
#endif

#ifdef EC_MVE
/* The 2x2-block GEMM on Helium (other DSP cores widen the rows first: mm3q_s8.c); packed weights: output-channel
 * pairs interleaved per 4 bytes. Sixteen k per step, VMLADAVA.S8 multiplying 16 int8 pairs and adding them across
 * into the int32 accumulator (exact, so bit-identical to the SMLAD form). A byte gather takes one channel's 16
 * weights out of the pair's 32 bytes (offsets 0-3, 8-11, 16-19, 24-27; +4 for the second channel); loads
 * predicated by VCTP take the last k % 16 without reading past either row. The four results requantize as one
 * vector (EC_REQV). */
EC_API void ec_mm2_s8(const int8_t* u0, const int8_t* v0, int32_t k, int8_t* y0, int8_t* y1, int32_t oc,
                      const int8_t* wpk, const int32_t* bias, const int32_t* mult, const int32_t* shift,
                      int32_t out_zp, int32_t amin, int32_t amax) {
  const uint8x16_t lanes = vidupq_n_u8(0, 1);
  const uint8x16_t offs = vaddq_u8(vandq_u8(lanes, vdupq_n_u8(3)), vshlq_n_u8(vshrq_n_u8(lanes, 2), 3));
  const uint8x16_t offs1 = vaddq_n_u8(offs, 4); /* the second channel's: both gathers share one base register */
  /* lanes: (u, o), (u, o + 1), (v, o), (v, o + 1); without y1 only the first two are stored */
  const uint32x4_t pair = vandq_u32(vidupq_n_u32(0, 1), vdupq_n_u32(1));
  const uint32x4_t dst = vaddq_u32(pair, vmulq_n_u32(vshrq_n_u32(vidupq_n_u32(0, 1), 1), y1 ? (uint32_t)(y1 - y0) : 0u));
  const mve_pred16_t store = vctp32q(y1 ? 4u : 2u);
  const int32_t k16 = k & ~15;
  const mve_pred16_t tail = vctp8q((uint32_t)(k - k16));
  int32x4_t acc = vdupq_n_s32(0);
  int32_t o, j;
  for (o = 0; o < oc; o += 2) {
    int32_t a00 = bias[o], a01 = bias[o + 1], a10 = a00, a11 = a01;
    const int8_t* wp = wpk + o * k;
    for (j = 0; j < k16; j += 16) {
      const int8x16_t u = vldrbq_s8(u0 + j), v = vldrbq_s8(v0 + j);
      const int8x16_t w0 = vldrbq_gather_offset_s8(wp + 2 * j, offs), w1 = vldrbq_gather_offset_s8(wp + 2 * j, offs1);
      a00 = vmladavaq_s8(a00, w0, u);
      a10 = vmladavaq_s8(a10, w0, v);
      a01 = vmladavaq_s8(a01, w1, u);
      a11 = vmladavaq_s8(a11, w1, v);
    }
    if (j < k) { /* the last k % 16, predicated */
      const int8x16_t u = vldrbq_z_s8(u0 + j, tail), v = vldrbq_z_s8(v0 + j, tail);
      const int8x16_t w0 = vldrbq_gather_offset_z_s8(wp + 2 * j, offs, tail);
      const int8x16_t w1 = vldrbq_gather_offset_z_s8(wp + 2 * j, offs1, tail);
      a00 = vmladavaq_s8(a00, w0, u);
      a10 = vmladavaq_s8(a10, w0, v);
      a01 = vmladavaq_s8(a01, w1, u);
      a11 = vmladavaq_s8(a11, w1, v);
    }
    /* the four results in one vector: requantized together, stored by one byte scatter */
    acc = vsetq_lane_s32(a00, acc, 0);
    acc = vsetq_lane_s32(a01, acc, 1);
    acc = vsetq_lane_s32(a10, acc, 2);
    acc = vsetq_lane_s32(a11, acc, 3);
    acc = EC_REQV(acc, vldrwq_gather_shifted_offset_s32(mult + o, pair), vldrwq_gather_shifted_offset_s32(shift + o, pair),
                  out_zp, amin, amax);
    vstrbq_scatter_offset_p_s32(y0 + o, dst, acc, store);
  }
}
#endif
