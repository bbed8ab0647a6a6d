#ifndef EC_AMALGAMATED
#include "ec.h"
#include "conv_geo.h"
#include "simd.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* Depthwise 3x3, stride 1, no dilation, channel multiplier 1, C even, per-channel shifts in [-22, -1],
 * multipliers >= 0 and |accumulator| < 2^30 (ops/conv_simd.py checks). Two channels a pass, one SMLAD per two
 * taps: a channel's input is widened (input offset added) into int16 pairs of vertically adjacent pixels,
 * V[j][q] = (x[2j - pt][q - pl], x[2j + 1 - pt][q - pl]) (0 outside the input), in `vb` on the caller's stack.
 * With a column's taps packed as P = (w0, w1) and Q = (w1, w2), output rows 2j and 2j + 1 are
 *   out[2j]     += SMLAD(V[j], P) + V[j+1].lo * Q.hi
 *   out[2j + 1] += V[j].hi * P.lo + SMLAD(V[j+1], Q)
 * so each input word feeds up to 8 products. Output rows are computed four at a time (pair-rows j .. j + 2)
 * down each column, weights and requantization constants of the channel held across the column.
 * The pair-rows of a band of rows are widened before any output of the band is written and each pass writes
 * only its own two channels, so y may be x (an in-place depthwise conv: output row oy over input row oy); the
 * band's last pair-row, the next band's first, is carried over, not read again (its rows may be overwritten).
 *
 * Requantization (bit-exact with TFLite, kernels/reqf.c's argument): the weights are doubled, so the sum is
 * a2 = 2 acc, and SRDHM(acc, m) = SMMULR(a2, m). With e = -shift, h = 2^(e-1), s = (SRDHM < 0), TFLite's result
 * is floor((SRDHM + h - s) / 2^e) + zp = floor((SRDHM + hz - s) / 2^e) with hz = h + zp 2^e, and
 * SRDHM + hz - s = SMMLAR(a2, m, hz - s) (no overflow: |SRDHM| <= |acc| < 2^30, |hz| < 2^30). For m >= 0,
 * s may be taken as (a2 < 0): they differ only when SRDHM == 0 with a2 < 0, where floor((hz - 1) / 2^e) ==
 * floor(hz / 2^e) == zp because 0 <= h - 1 < h < 2^e. So: one ADD, one SMMLAR, one ASR, the clamp. */
#define EC_DW3_S 9 /* pair-rows a band's buffer holds (odd: four output rows a step) */
#define EC_DW3_ROWS (2 * (EC_DW3_S - 1)) /* output rows a band */
#ifndef EC_DW3_CLAMP /* the variant's clamp: one SSAT when the layer clamps to the whole int8 range */
#define EC_DW3_CLAMP(r) ((r) < amin ? amin : ((r) > amax ? amax : (r)))
#endif

/* a2 (2 acc) -> the output byte at p, in the variant's clamp (EC_DW3_CLAMP) */
#define EC_DW3_PUT(acc, p)                                                                    \
  do {                                                                                        \
    int32_t r_;                                                                               \
    __asm("smmlar %0, %1, %2, %3" : "=r"(r_) : "r"(acc), "r"(m), "r"(hz + ((acc) >> 31)));    \
    r_ >>= e;                                                                                 \
    *(p) = (int8_t)EC_DW3_CLAMP(r_);                                                          \
  } while (0)

/* the products of one column (kx) of the window on four output rows, pair-rows at v[0], v[2], v[4] */
#define EC_DW3_COL(v, P, Q)                                        \
  do {                                                             \
    const uint32_t d0_ = (v)[0], d1_ = (v)[2], d2_ = (v)[4];       \
    a0 = __smlad(d0_, P, a0);                                      \
    a1 = __smlatb(d0_, P, a1);                                     \
    a0 = __smlabt(d1_, Q, a0);                                     \
    a1 = __smlad(d1_, Q, a1);                                      \
    a2 = __smlad(d1_, P, a2);                                      \
    a3 = __smlatb(d1_, P, a3);                                     \
    a2 = __smlabt(d2_, Q, a2);                                     \
    a3 = __smlad(d2_, Q, a3);                                      \
  } while (0)

/* int16 pair (lo, hi), both doubled */
#define EC_DW3_PAIR2(lo, hi) (((uint32_t)((lo) * 2) & 0xFFFFu) | ((uint32_t)(int32_t)(hi) << 17))

/* outputs of channel c (lane l of the buffer) in rows oy0 .. oy0 + n - 1 from pair-rows 0 .. of vb */
static void ec_dw3_lane(const uint32_t* vb, int8_t* y, const ec_conv_geo* g, int c, int oy0, int n, const int8_t* w,
                        int32_t b2, int32_t m, int32_t e, int32_t hz, int32_t amin, int32_t amax) {
  const int32_t rw = (int32_t)g->ow * g->ic;
  const uint32_t P0 = EC_DW3_PAIR2(w[0], w[3]), P1 = EC_DW3_PAIR2(w[1], w[4]), P2 = EC_DW3_PAIR2(w[2], w[5]);
  const uint32_t Q0 = EC_DW3_PAIR2(w[3], w[6]), Q1 = EC_DW3_PAIR2(w[4], w[7]), Q2 = EC_DW3_PAIR2(w[5], w[8]);
  int ox;
  (void)amin;
  (void)amax;
  for (ox = 0; ox < g->ow; ++ox) {
    const uint32_t* v = vb + ox * (2 * EC_DW3_S);
    int8_t* yp = y + ((int32_t)oy0 * g->ow + ox) * g->ic + c;
    int left;
    for (left = n; left > 0; left -= 4, v += 4, yp += 4 * rw) {
      int32_t a0 = b2, a1 = b2, a2 = b2, a3 = b2;
      EC_DW3_COL(v, P0, Q0);
      EC_DW3_COL(v + 2 * EC_DW3_S, P1, Q1);
      EC_DW3_COL(v + 4 * EC_DW3_S, P2, Q2);
      EC_DW3_PUT(a0, yp);
      if (left < 4) { /* the last rows of the output */
        if (left > 1) EC_DW3_PUT(a1, yp + rw);
        if (left > 2) EC_DW3_PUT(a2, yp + 2 * rw);
        break;
      }
      EC_DW3_PUT(a1, yp + rw);
      EC_DW3_PUT(a2, yp + 2 * rw);
      EC_DW3_PUT(a3, yp + 3 * rw);
    }
  }
}

/* vb: 2 * (ow + 2) * EC_DW3_S words: word (q, j, lane) at (q * EC_DW3_S + j) * 2 + lane */
EC_API void ec_dw3_s8(const int8_t* x, int8_t* y, const ec_conv_geo* g, const int8_t* w, const int32_t* bias,
                      const int32_t* mult, const int32_t* shift, int32_t in_off, int32_t out_zp, int32_t amin,
                      int32_t amax, uint32_t* vb) {
  const int ch = g->ic, ncol = g->ow + 2;
  const int qa = g->pl, qb = g->pl + g->iw < ncol ? g->pl + g->iw : ncol; /* buffer columns inside the input */
  const int32_t xrow = (int32_t)g->iw * ch;
  const uint32_t off2 = ((uint32_t)(uint16_t)in_off << 16) | (uint16_t)in_off;
  const uint32_t pad = 0x01010101u * (uint8_t)(-in_off); /* padding bytes: x + in_off == 0 */
  int c, q;
  memset(vb, 0, (size_t)ncol * EC_DW3_S * 2 * sizeof(uint32_t)); /* columns outside the input stay 0 */
  for (c = 0; c < ch; c += 2) {
    const int8_t* const xc = x + c;
    int oy0 = 0, pr0 = -g->pt; /* pr0: the input row of the band's pair-row 0, low half */
    for (;;) {
      const int rows = g->oh - oy0, n = rows < EC_DW3_ROWS ? rows : EC_DW3_ROWS;
      const int jn = 2 * ((n + 3) / 4) + 1; /* pair-rows the band's four-row steps read */
      int j, l;
      for (j = oy0 == 0 ? 0 : 1; j < jn; ++j) { /* widen (pair-row 0 of a later band is carried over) */
        const int ra = pr0 + 2 * j, rb = ra + 1;
        const int in_a = ra >= 0 && ra < g->ih, in_b = rb >= 0 && rb < g->ih;
        const int8_t* pa = in_a ? xc + ra * xrow : (const int8_t*)&pad; /* padding: a stride-0 pointer */
        const int8_t* pb = in_b ? xc + rb * xrow : (const int8_t*)&pad;
        const int sa = in_a ? ch : 0, sb = in_b ? ch : 0;
        uint32_t* vq = vb + (qa * EC_DW3_S + j) * 2;
        for (q = qa; q < qb; ++q, pa += sa, pb += sb, vq += 2 * EC_DW3_S) {
          uint16_t a, b; /* the pair's two channels in rows ra and rb */
          uint32_t ab;
          memcpy(&a, pa, 2);
          memcpy(&b, pb, 2);
          ab = a | (uint32_t)b << 16;
          vq[0] = __sxtab16(off2, ab);
          vq[1] = ec_sxtab16_ror8(off2, ab);
        }
      }
      for (l = 0; l < 2; ++l) {
        const int cc = c + l, e = -shift[cc];
        const int32_t hz = (int32_t)(1u << (e - 1)) + (int32_t)((uint32_t)out_zp << e);
        ec_dw3_lane(vb + l, y, g, cc, oy0, n, w + cc * 9, bias[cc] * 2, mult[cc], e, hz, amin, amax);
      }
      if (rows <= EC_DW3_ROWS) break;
      for (q = qa; q < qb; ++q) { /* the last pair-row starts the next band */
        uint32_t* vq = vb + q * EC_DW3_S * 2;
        vq[0] = vq[(EC_DW3_S - 1) * 2];
        vq[1] = vq[(EC_DW3_S - 1) * 2 + 1];
      }
      oy0 += EC_DW3_ROWS;
      pr0 += EC_DW3_ROWS;
    }
  }
}
#undef EC_DW3_COL
#undef EC_DW3_PUT
#undef EC_DW3_PAIR2
#undef EC_DW3_S
#undef EC_DW3_ROWS
#undef EC_DW3_CLAMP
#endif
