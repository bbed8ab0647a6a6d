#ifndef EC_AMALGAMATED
#include "ec.h"
#include "simd.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* GEMM rows of k int8 (k % 4 == 0) for two pixels u, v by two output channels per pass (CMSIS-NN's 2x2 block):
 * each weight word is widened once for both pixels. The input offset is folded into the bias at compile time
 * (sum (x + off) w = sum x w + off sum w, exact in int32), so x is widened with plain SXTB16. Weights: output
 * channel pairs interleaved per 4 bytes. y1 == NULL: v is u again and only y0 is stored. */
/* The loop over sixteen bytes a pass, scheduled by hand (gcc interleaves the loads with the multiplies and
 * loses the back-to-back load pipelining, or spills): per four bytes, three loads in a row (u, v, the first
 * channel's weights), six SXTB16, eight SMLAD, and the second channel's weights; the first quarter's loads
 * advance u and v (post-index), so a pass ends with one add, a compare and the branch: 92 cycles for 64 MACs
 * on the Cortex-M4. Fourteen registers: the four accumulators, four pointers, six temporaries. */
#define EC_MM2_QUARTER(ux, vx, w0)                                                       \
  "ldr %[t0], " ux "\n\t"                                                            \
  "ldr %[t1], " vx "\n\t"                                                            \
  "ldr %[t2], [%[wp], #" w0 "]\n\t"                                                  \
  "sxtb16 %[t3], %[t0]\n\t"                                                          \
  "sxtb16 %[t0], %[t0], ror #8\n\t"                                                  \
  "sxtb16 %[t4], %[t1]\n\t"                                                          \
  "sxtb16 %[t1], %[t1], ror #8\n\t"                                                  \
  "sxtb16 %[t5], %[t2]\n\t"                                                          \
  "sxtb16 %[t2], %[t2], ror #8\n\t"                                                  \
  "smlad %[a00], %[t5], %[t3], %[a00]\n\t"                                           \
  "smlad %[a00], %[t2], %[t0], %[a00]\n\t"                                           \
  "smlad %[a10], %[t5], %[t4], %[a10]\n\t"                                           \
  "smlad %[a10], %[t2], %[t1], %[a10]\n\t"                                           \
  "ldr %[t2], [%[wp], #" w0 " + 4]\n\t"                                              \
  "sxtb16 %[t5], %[t2]\n\t"                                                          \
  "sxtb16 %[t2], %[t2], ror #8\n\t"                                                  \
  "smlad %[a01], %[t5], %[t3], %[a01]\n\t"                                           \
  "smlad %[a01], %[t2], %[t0], %[a01]\n\t"                                           \
  "smlad %[a11], %[t5], %[t4], %[a11]\n\t"                                           \
  "smlad %[a11], %[t2], %[t1], %[a11]\n\t"
#define EC_MM2_LOOP16(a00, a01, a10, a11, xp, yp, wp, end)                                                  \
  do {                                                                                                     \
    uint32_t t0_, t1_, t2_, t3_, t4_, t5_;                                                                 \
    __asm volatile("1:\n\t"                                                                                \
                   EC_MM2_QUARTER("[%[xp]], #16", "[%[yp]], #16", "0")                                      \
                   EC_MM2_QUARTER("[%[xp], #-12]", "[%[yp], #-12]", "8")                                    \
                   EC_MM2_QUARTER("[%[xp], #-8]", "[%[yp], #-8]", "16")                                     \
                   EC_MM2_QUARTER("[%[xp], #-4]", "[%[yp], #-4]", "24")                                     \
                   "adds %[wp], #32\n\t"                                                                   \
                   "cmp %[xp], %[end]\n\t"                                                                 \
                   "bne 1b"                                                                                \
                   : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [xp] "+r"(xp),     \
                     [yp] "+r"(yp), [wp] "+r"(wp), [t0] "=&r"(t0_), [t1] "=&r"(t1_), [t2] "=&r"(t2_),       \
                     [t3] "=&r"(t3_), [t4] "=&r"(t4_), [t5] "=&r"(t5_)                                      \
                   : [end] "r"(end)                                                                        \
                   : "cc", "memory");                                                                      \
  } while (0)

#if defined(__GNUC__)
__attribute__((noinline)) /* inlined, gcc spills the block's fourteen live registers */
#endif
EC_NO_SCHED
EC_API void ec_mm2_s8(const int8_t* u0, const int8_t* v0, int32_t k, int8_t* y0, int8_t* y1, int32_t oc,
                      const int8_t* wpk, const int32_t* bias, const int32_t* mult, const int32_t* shift,
                      int32_t out_zp, int32_t amin, int32_t amax) {
  /* an odd last pixel (y1 == NULL, v == u) stores its bytes twice to y0: the same values */
  int8_t* const y1s = y1 ? y1 : y0;
  const int8_t* const end = u0 + k;
  const int8_t* wp = wpk;
  int32_t o;
  for (o = 0; o < oc; o += 2) {
    int32_t a00 = bias[o], a01 = bias[o + 1], a10 = a00, a11 = a01;
    const int8_t* xp = u0;
    const int8_t* yp = v0;
    while ((end - xp) & 15) { /* groups of four first, until the loop below can take sixteen bytes a pass */
      const uint32_t u = ec_ld4(xp), v = ec_ld4(yp);
      const uint32_t ue = __sxtb16(u), uo = ec_sxtb16_ror8(u), ve = __sxtb16(v), vo = ec_sxtb16_ror8(v);
      uint32_t w = ec_ld4(wp), we = __sxtb16(w), wo = ec_sxtb16_ror8(w);
      a00 = __smlad(wo, uo, __smlad(we, ue, a00));
      a10 = __smlad(wo, vo, __smlad(we, ve, a10));
      w = ec_ld4(wp + 4), we = __sxtb16(w), wo = ec_sxtb16_ror8(w);
      a01 = __smlad(wo, uo, __smlad(we, ue, a01));
      a11 = __smlad(wo, vo, __smlad(we, ve, a11));
      xp += 4;
      yp += 4;
      wp += 8;
    }
    if (xp < end) EC_MM2_LOOP16(a00, a01, a10, a11, xp, yp, wp, end); /* wp ends on the next pair's weights */
    { /* constants read once for both pixels (the byte stores may alias them, as far as C knows) */
      const int32_t m0 = mult[o], m1 = mult[o + 1], s0 = shift[o], s1 = shift[o + 1];
      const int8_t r00 = EC_REQ(a00, m0, s0, out_zp, amin, amax), r01 = EC_REQ(a01, m1, s1, out_zp, amin, amax);
      const int8_t r10 = EC_REQ(a10, m0, s0, out_zp, amin, amax), r11 = EC_REQ(a11, m1, s1, out_zp, amin, amax);
      y0[o] = r00;
      y0[o + 1] = r01;
      y1s[o] = r10;
      y1s[o + 1] = r11;
    }
  }
}
#endif
