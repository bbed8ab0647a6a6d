#ifndef EC_SIMD_H_
#define EC_SIMD_H_
/* The Cortex-M DSP extension (SMLAD and friends, CMSIS-NN's ideas, our own loops). Kernels that use it
 * compile to nothing without __ARM_FEATURE_SIMD32; the generator then calls the plain C kernel instead. */
#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
#include <arm_acle.h>
#include <string.h>

/* gcc's pre-allocation scheduler hoists every load of an unrolled multiply-accumulate block ahead and then
 * spills the accumulators (measured: KWS 6.31M -> 6.01M instructions without it; the packed kernel is faster with it) */
#if defined(__GNUC__) && !defined(__clang__)
#define EC_NO_SCHED __attribute__((optimize("no-schedule-insns")))
#else
#define EC_NO_SCHED
#endif

/* acc += four int8 weights (packed in w4) . four inputs widened to int16 (even bytes xe, odd xo) */
#define EC_SMLAD4(w4, xe, xo, acc) \
  ((acc) = __smlad(ec_sxtb16_ror8(w4), (xo), __smlad(__sxtb16(w4), (xe), (acc))))

/* four input bytes at xp (plus the offset packed twice in off2) times the four weights of each of four output
 * channels, at wp, wp + ws, wp + 2 ws, wp + 3 ws, into a0 .. a3 */
#define EC_DOT4X4(xp, wp, ws, off2, a0, a1, a2, a3)                                   \
  do {                                                                               \
    const uint32_t x4_ = ec_ld4(xp);                                                 \
    const uint32_t xe_ = __sxtab16(off2, x4_), xo_ = ec_sxtab16_ror8(off2, x4_);     \
    uint32_t w4_ = ec_ld4(wp);                                                       \
    EC_SMLAD4(w4_, xe_, xo_, a0);                                                    \
    w4_ = ec_ld4((wp) + (ws));                                                       \
    EC_SMLAD4(w4_, xe_, xo_, a1);                                                    \
    w4_ = ec_ld4((wp) + 2 * (ws));                                                   \
    EC_SMLAD4(w4_, xe_, xo_, a2);                                                    \
    w4_ = ec_ld4((wp) + 3 * (ws));                                                   \
    EC_SMLAD4(w4_, xe_, xo_, a3);                                                    \
  } while (0)

/* The part of a kh x kw window at output row oy / column ox that lies inside the input: rows ky0 .. ky1 - 1,
 * columns kx0 .. kx1 - 1 (padding is skipped, never read). They declare iy0, ky0, ky1 / ix0, kx0, kx1. */
#define EC_WINDOW_ROWS(g, oy)               \
  const int iy0 = (oy) * (g)->sh - (g)->pt; \
  const int ky0 = iy0 < 0 ? -iy0 : 0, ky1 = iy0 + (g)->kh > (g)->ih ? (g)->ih - iy0 : (g)->kh
#define EC_WINDOW_COLS(g, ox, kw)           \
  const int ix0 = (ox) * (g)->sw - (g)->pl; \
  const int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + (kw) > (g)->iw ? (g)->iw - ix0 : (kw)

/* outputs c .. c + 3 from accumulators a0 .. a3, requantized by the variant's EC_REQ */
#define EC_REQ4(yp, c, a0, a1, a2, a3)                                          \
  do {                                                                          \
    (yp)[c] = EC_REQ(a0, mult[c], shift[c], out_zp, amin, amax);                \
    (yp)[(c) + 1] = EC_REQ(a1, mult[(c) + 1], shift[(c) + 1], out_zp, amin, amax); \
    (yp)[(c) + 2] = EC_REQ(a2, mult[(c) + 2], shift[(c) + 2], out_zp, amin, amax); \
    (yp)[(c) + 3] = EC_REQ(a3, mult[(c) + 3], shift[(c) + 3], out_zp, amin, amax); \
  } while (0)

/* SRDHM as one SMMULR, then RoundingDivideByPOT by e with one QADD of h, one add of x >> 31 and one ASR by eh's
 * low byte (kernels/reqf.c proves it exact): r = the requantized accumulator before the zero point */
#define EC_REQ_FAST(acc, mult, eh, r)                                                             \
  do {                                                                                            \
    int32_t x_;                                                                                   \
    __asm("smmulr %0, %1, %2" : "=r"(x_) : "r"((int32_t)((uint32_t)(acc) << 1)), "r"(mult));      \
    (r) = __qadd(x_, (eh) >> 8) + (x_ >> 31);                                                     \
    __asm("asr %0, %1, %2" : "=r"(r) : "r"(r), "r"(eh));                                          \
  } while (0)

#endif
#endif
