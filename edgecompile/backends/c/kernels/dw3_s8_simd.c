#ifndef EC_AMALGAMATED
#include "ec.h"
#include "conv_geo.h"
#include "simd.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* Depthwise 3x3, stride 1, no dilation, channel multiplier 1, C even, per-channel shifts in [-22, -1],
 * multipliers >= 0 and |accumulator| < 2^30 (ops/conv_simd.py checks). Two channels a pass, one SMLAD per two
 * taps: a channel's input is widened (input offset added) into int16 pairs of vertically adjacent pixels,
 * V[j][q] = (x[2j - pt][q - pl], x[2j + 1 - pt][q - pl]) (0 outside the input), in the caller's `vb`.
 * With a column's taps packed as P = (w0, w1) and Q = (w1, w2), output rows 2j and 2j + 1 are
 *   out[2j]     += SMLAD(V[j], P) + V[j+1].lo * Q.hi
 *   out[2j + 1] += V[j].hi * P.lo + SMLAD(V[j+1], Q)
 * so each input word feeds up to 8 products. Output rows are computed four at a time (pair-rows j .. j + 2)
 * down each column (assembly: the registers named, where gcc spilled the accumulators), the channel's taps and
 * requantization constants read from one struct (ec_dw3_k).
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
#define EC_DW3_S 15 /* pair-rows a band's buffer holds (odd: four output rows a step) */
#define EC_DW3_ROWS (2 * (EC_DW3_S - 1)) /* output rows a band */
#ifndef EC_DW3_CLAMP /* the variant's clamp: one SSAT when the layer clamps to the whole int8 range */
#define EC_DW3_CLAMP(r) ((r) < k->amin ? k->amin : ((r) > k->amax ? k->amax : (r)))
#endif
#ifndef EC_DW3_SIGN /* s: 0 when the clamp's floor is >= zp (a Relu; "r" variants): s only moves outputs <= zp */
#define EC_DW3_SIGN(acc) ((acc) >> 31)
#endif

#ifndef EC_DW3_K_ /* (once: a model pastes this file once per variant) */
#define EC_DW3_K_
/* one channel's constants: its taps as int16 pairs P0, Q0, P1, Q1, P2, Q2 (doubled), 2 bias, requantization */
typedef struct {
  uint32_t pq[6];
  int32_t b2, m, hz, e, rw, amin, amax;
} ec_dw3_k;
#endif

/* 2 acc -> the output byte at p */
#define EC_DW3_PUT(acc, p)                                                                              \
  do {                                                                                                  \
    int32_t r_;                                                                                         \
    __asm("smmlar %0, %1, %2, %3" : "=r"(r_) : "r"(acc), "r"(k->m), "r"(k->hz + EC_DW3_SIGN(acc)));     \
    r_ >>= k->e;                                                                                        \
    *(p) = (int8_t)EC_DW3_CLAMP(r_);                                                                    \
  } while (0)

/* int16 pair (lo, hi), both doubled */
#define EC_DW3_PAIR2(lo, hi) (((uint32_t)((lo) * 2) & 0xFFFFu) | ((uint32_t)(int32_t)(hi) << 17))

/* the sums of four output rows of one column, pair-rows at v[0], v[2], v[4] (and 2 * EC_DW3_S words on per
 * column of the window): 16 loads and 24 multiplies in one block, the registers named (gcc spills them in C) */
#define EC_DW3_KX(o, wo)                                               \
  "ldr %[p], [%[k], #" #wo "]\n\t"                                     \
  "ldr %[q], [%[k], #" #wo "+4]\n\t"                                   \
  "ldr %[d0], [%[v], #" o "]\n\t"                                      \
  "ldr %[d1], [%[v], #" o "+8]\n\t"                                    \
  "ldr %[d2], [%[v], #" o "+16]\n\t"
#define EC_DW3_MAC                                                     \
  "smlad %[a0], %[d0], %[p], %[a0]\n\t"                                \
  "smlatb %[a1], %[d0], %[p], %[a1]\n\t"                               \
  "smlad %[a2], %[d1], %[p], %[a2]\n\t"                                \
  "smlatb %[a3], %[d1], %[p], %[a3]\n\t"                               \
  "smlabt %[a0], %[d1], %[q], %[a0]\n\t"                               \
  "smlad %[a1], %[d1], %[q], %[a1]\n\t"                                \
  "smlabt %[a2], %[d2], %[q], %[a2]\n\t"                               \
  "smlad %[a3], %[d2], %[q], %[a3]\n\t"

#ifdef EC_DW3_RELU
#define EC_DW3_REQ(a) "smmlar %[" a "], %[" a "], %[p], %[q]\n\t"
#else
#define EC_DW3_REQ(a)                              \
  "add %[d2], %[q], %[" a "], asr #31\n\t"        \
  "smmlar %[" a "], %[" a "], %[p], %[d2]\n\t"
#endif
/* one output from its sum: requantization (p: m, q: hz, d0: e), SSAT; the store is the caller's */
#define EC_DW3_OUT(a) EC_DW3_REQ(a) "asr %[" a "], %[" a "], %[d0]\n\t" "ssat %[" a "], #8, %[" a "]\n\t"

/* one output row's sum: per column of the window, op1 on its pair-row (r / 2) and P, op2 on the next and Q */
#define EC_DW3_ROW1(op1, op2, o, wo)                                   \
  "ldr %[p], [%[k], #" #wo "]\n\t"                                     \
  "ldr %[q], [%[k], #" #wo "+4]\n\t"                                   \
  "ldr %[d0], [%[v], #" o "]\n\t"                                      \
  "ldr %[d1], [%[v], #" o "+8]\n\t"                                    \
  op1 " %[a], %[d0], %[p], %[a]\n\t" op2 " %[a], %[d1], %[q], %[a]\n\t"
#define EC_DW3_ROW(op1, op2)                                                                  \
  "ldr %[a], [%[k], #24]\n\t" EC_DW3_ROW1(op1, op2, "0", 0) EC_DW3_ROW1(op1, op2, "%c[c1]", 8) \
      EC_DW3_ROW1(op1, op2, "%c[c2]", 16)
#define EC_DW3_ROW_OUT [a] "=&r"(a), [p] "=&r"(p), [q] "=&r"(q), [d0] "=&r"(d0), [d1] "=&r"(d1)
#define EC_DW3_ROW_IN [v] "r"(vr), [k] "r"(k), [c1] "i"(8 * EC_DW3_S), [c2] "i"(16 * EC_DW3_S)

/* outputs n rows down from yp (one channel, stride k->rw) from the buffer column at v */
static void ec_dw3_lane(const uint32_t* v, int8_t* yp, const ec_dw3_k* k, int n) {
#ifdef EC_DW3_SSAT
  int blocks = n / 4; /* whole four-row steps: one loop in assembly, requantization and stores included */
  if (blocks > 0) {
    int32_t a0, a1, a2, a3;
    uint32_t p, q, d0, d1, d2;
    n -= 4 * blocks;
    __asm volatile(
        "1:\n\t"
        "ldr %[a3], [%[k], #24]\n\t" EC_DW3_KX("0", 0)
        "smlad %[a0], %[d0], %[p], %[a3]\n\t"
        "smlatb %[a1], %[d0], %[p], %[a3]\n\t"
        "smlad %[a2], %[d1], %[p], %[a3]\n\t"
        "smlatb %[a3], %[d1], %[p], %[a3]\n\t"
        "smlabt %[a0], %[d1], %[q], %[a0]\n\t"
        "smlad %[a1], %[d1], %[q], %[a1]\n\t"
        "smlabt %[a2], %[d2], %[q], %[a2]\n\t"
        "smlad %[a3], %[d2], %[q], %[a3]\n\t"
        EC_DW3_KX("%c[c1]", 8) EC_DW3_MAC EC_DW3_KX("%c[c2]", 16) EC_DW3_MAC
        "ldr %[p], [%[k], #28]\n\t"
        "ldr %[q], [%[k], #32]\n\t"
        "ldr %[d0], [%[k], #36]\n\t"
        "ldr %[d1], [%[k], #40]\n\t"
        EC_DW3_OUT("a0") "strb %[a0], [%[yp]]\n\t"
        EC_DW3_OUT("a1") "strb %[a1], [%[yp], %[d1]]\n\t"
        "add %[yp], %[yp], %[d1], lsl #1\n\t"
        EC_DW3_OUT("a2") "strb %[a2], [%[yp]]\n\t"
        EC_DW3_OUT("a3") "strb %[a3], [%[yp], %[d1]]\n\t"
        "add %[yp], %[yp], %[d1], lsl #1\n\t"
        "add %[v], %[v], #16\n\t"
        "subs %[n4], %[n4], #1\n\t"
        "bne 1b\n\t"
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [p] "=&r"(p), [q] "=&r"(q),
          [d0] "=&r"(d0), [d1] "=&r"(d1), [d2] "=&r"(d2), [v] "+r"(v), [yp] "+r"(yp), [n4] "+r"(blocks)
        : [k] "r"(k), [c1] "i"(8 * EC_DW3_S), [c2] "i"(16 * EC_DW3_S)
        : "cc", "memory");
  }
#else
  for (; n >= 4; n -= 4, v += 4) {
    int32_t a0, a1, a2, a3;
    uint32_t p, q, d0, d1, d2;
    __asm("ldr %[a0], [%[k], #24]\n\t"
          "mov %[a1], %[a0]\n\t"
          "mov %[a2], %[a0]\n\t"
          "mov %[a3], %[a0]\n\t"
          EC_DW3_KX("0", 0) EC_DW3_MAC EC_DW3_KX("%c[c1]", 8) EC_DW3_MAC EC_DW3_KX("%c[c2]", 16) EC_DW3_MAC
          : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [p] "=&r"(p), [q] "=&r"(q),
            [d0] "=&r"(d0), [d1] "=&r"(d1), [d2] "=&r"(d2)
          : [v] "r"(v), [k] "r"(k), [c1] "i"(8 * EC_DW3_S), [c2] "i"(16 * EC_DW3_S)
          : "memory");
    EC_DW3_PUT(a0, yp);
    yp += k->rw;
    EC_DW3_PUT(a1, yp);
    yp += k->rw;
    EC_DW3_PUT(a2, yp);
    yp += k->rw;
    EC_DW3_PUT(a3, yp);
    yp += k->rw;
  }
#endif
  {
    int r;
    for (r = 0; r < n; ++r, yp += k->rw) { /* the last rows, one at a time: row r from pair-rows r / 2, r / 2 + 1 */
      const uint32_t* vr = v + (r >> 1) * 2;
      int32_t a;
      uint32_t p, q, d0, d1;
      if (r & 1) {
        __asm(EC_DW3_ROW("smlatb", "smlad") : EC_DW3_ROW_OUT : EC_DW3_ROW_IN : "memory");
      } else {
        __asm(EC_DW3_ROW("smlad", "smlabt") : EC_DW3_ROW_OUT : EC_DW3_ROW_IN : "memory");
      }
      EC_DW3_PUT(a, yp);
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
      const int j0 = oy0 == 0 ? 0 : 1; /* pair-row 0 of a later band is carried over */
      /* pair-rows jf .. jl - 1 lie inside the input: down each column, one pointer; the others read padding */
      const int jin = pr0 < 0 ? (1 - pr0) / 2 : 0, jf = jin > j0 ? jin : j0;
      const int jm = g->ih - 2 - pr0 < 0 ? 0 : (g->ih - 2 - pr0) / 2 + 1, jl = jm < jn ? jm : jn;
      int j, l;
      for (q = qa; q < qb && jl > jf; ++q) {
        const int8_t* pa = xc + (pr0 + 2 * jf) * xrow + (q - qa) * ch;
        const int8_t* const pend = pa + (jl - jf) * 2 * xrow;
        uint32_t* vq = vb + (q * EC_DW3_S + jf) * 2;
        for (; pa != pend; pa += 2 * xrow, vq += 2) {
          uint16_t a, b; /* the pair's two channels in rows 2j + pr0 and the next */
          uint32_t ab;
          memcpy(&a, pa, 2);
          memcpy(&b, pa + xrow, 2);
          ab = a | (uint32_t)b << 16;
          vq[0] = __sxtab16(off2, ab);
          vq[1] = ec_sxtab16_ror8(off2, ab);
        }
      }
      for (j = j0; j < jn; ++j) { /* the pair-rows with a row in the padding */
        int ra, rb, in_a, in_b, sa, sb;
        const int8_t *pa, *pb;
        uint32_t* vq;
        if (j >= jf && j < jl) { /* done above */
          j = jl - 1;
          continue;
        }
        ra = pr0 + 2 * j, rb = ra + 1;
        in_a = ra >= 0 && ra < g->ih, in_b = rb >= 0 && rb < g->ih;
        pa = in_a ? xc + ra * xrow : (const int8_t*)&pad; /* padding: a stride-0 pointer */
        pb = in_b ? xc + rb * xrow : (const int8_t*)&pad;
        sa = in_a ? ch : 0, sb = in_b ? ch : 0;
        vq = vb + (qa * EC_DW3_S + j) * 2;
        for (q = qa; q < qb; ++q, pa += sa, pb += sb, vq += 2 * EC_DW3_S) {
          uint16_t a, b;
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
        const int8_t* const wc = w + cc * 9;
        ec_dw3_k k;
        int ox;
        for (ox = 0; ox < 3; ++ox) {
          k.pq[2 * ox] = EC_DW3_PAIR2(wc[ox], wc[3 + ox]);
          k.pq[2 * ox + 1] = EC_DW3_PAIR2(wc[3 + ox], wc[6 + ox]);
        }
        k.b2 = bias[cc] * 2;
        k.m = mult[cc];
        k.e = e;
        k.hz = (int32_t)(1u << (e - 1)) + (int32_t)((uint32_t)out_zp << e);
        k.rw = (int32_t)g->ow * ch;
        k.amin = amin;
        k.amax = amax;
        for (ox = 0; ox < g->ow; ++ox)
          ec_dw3_lane(vb + l + ox * 2 * EC_DW3_S, y + ((int32_t)oy0 * g->ow + ox) * ch + cc, &k, n);
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
#undef EC_DW3_KX
#undef EC_DW3_ROW1
#undef EC_DW3_ROW
#undef EC_DW3_ROW_OUT
#undef EC_DW3_ROW_IN
#undef EC_DW3_REQ
#undef EC_DW3_OUT
#undef EC_DW3_MAC
#undef EC_DW3_SIGN
#undef EC_DW3_PUT
#undef EC_DW3_PAIR2
#undef EC_DW3_S
#undef EC_DW3_ROWS
#undef EC_DW3_CLAMP
#endif
