#ifndef EC_AMALGAMATED
#include "ec.h"
#include "simd.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* ec_mm2_s8's 2x2 block (two pixels by two output channels, same packed weights and bias), over inputs widened
 * beforehand (ec_q15_row: per four K-bytes the words u even, u odd, v even, v odd), as CMSIS-NN's
 * arm_nn_mat_mult_kernel_s8_s16 does: the inner loop widens only the weights, once per channel for both pixels. */
/* Per four K-bytes, scheduled by hand: six loads in a row (the four input words, both channels' weights: 7
 * cycles on the Cortex-M4), four SXTB16, eight SMLAD; the first quarter's input load advances xp (post-index),
 * the weight loads sit between the input loads so that none reads the register its predecessor just wrote.
 * Fourteen registers: the four accumulators, three pointers, seven temporaries. */
#define EC_MM2Q_QUARTER(x0, x1, x2, x3, w0)                                           \
  "ldr %[t0], " x0 "\n\t"                                                            \
  "ldr %[t4], [%[wp], #" w0 "]\n\t"                                                  \
  "ldr %[t1], " x1 "\n\t"                                                            \
  "ldr %[t5], [%[wp], #" w0 " + 4]\n\t"                                              \
  "ldr %[t2], " x2 "\n\t"                                                            \
  "ldr %[t3], " x3 "\n\t"                                                            \
  "sxtb16 %[t6], %[t4]\n\t"                                                          \
  "sxtb16 %[t4], %[t4], ror #8\n\t"                                                  \
  "smlad %[a00], %[t6], %[t0], %[a00]\n\t"                                           \
  "smlad %[a00], %[t4], %[t1], %[a00]\n\t"                                           \
  "smlad %[a10], %[t6], %[t2], %[a10]\n\t"                                           \
  "smlad %[a10], %[t4], %[t3], %[a10]\n\t"                                           \
  "sxtb16 %[t6], %[t5]\n\t"                                                          \
  "sxtb16 %[t5], %[t5], ror #8\n\t"                                                  \
  "smlad %[a01], %[t6], %[t0], %[a01]\n\t"                                           \
  "smlad %[a01], %[t5], %[t1], %[a01]\n\t"                                           \
  "smlad %[a11], %[t6], %[t2], %[a11]\n\t"                                           \
  "smlad %[a11], %[t5], %[t3], %[a11]\n\t"
/* the asm operands of both loops below */
#define EC_MM2Q_ASM(code)                                                                                  \
  do {                                                                                                     \
    uint32_t t0_, t1_, t2_, t3_, t4_, t5_, t6_;                                                            \
    __asm volatile(code                                                                                    \
                   : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [xp] "+r"(xp),     \
                     [wp] "+r"(wp), [t0] "=&r"(t0_), [t1] "=&r"(t1_), [t2] "=&r"(t2_), [t3] "=&r"(t3_),     \
                     [t4] "=&r"(t4_), [t5] "=&r"(t5_), [t6] "=&r"(t6_)                                      \
                   : [end] "r"(end)                                                                        \
                   : "cc", "memory");                                                                      \
  } while (0)
/* four K-bytes (the leftovers: gcc's own form of it reloads the inputs for the second channel) */
#define EC_MM2Q_GROUP \
  EC_MM2Q_QUARTER("[%[xp]], #16", "[%[xp], #-12]", "[%[xp], #-8]", "[%[xp], #-4]", "0") "adds %[wp], #8\n\t"
/* sixteen K-bytes a pass until xp reaches end (its first instruction word aligned: a taken branch to a 32-bit
 * instruction that is not costs the M4 a cycle) */
#define EC_MM2Q_LOOP16                                                                          \
  ".p2align 2\n"                                                                                \
  "1:\n\t"                                                                                      \
  EC_MM2Q_QUARTER("[%[xp]], #64", "[%[xp], #-60]", "[%[xp], #-56]", "[%[xp], #-52]", "0")        \
  EC_MM2Q_QUARTER("[%[xp], #-48]", "[%[xp], #-44]", "[%[xp], #-40]", "[%[xp], #-36]", "8")       \
  EC_MM2Q_QUARTER("[%[xp], #-32]", "[%[xp], #-28]", "[%[xp], #-24]", "[%[xp], #-20]", "16")      \
  EC_MM2Q_QUARTER("[%[xp], #-16]", "[%[xp], #-12]", "[%[xp], #-8]", "[%[xp], #-4]", "24")        \
  "adds %[wp], #32\n\t"                                                                          \
  "cmp %[xp], %[end]\n\t"                                                                        \
  "bne 1b"

#if defined(__GNUC__)
__attribute__((noinline)) /* inlined, gcc spills the block's fourteen live registers */
#endif
EC_NO_SCHED
EC_API void ec_mm2q_s8(const uint32_t* q, int32_t k, int8_t* y0, int8_t* y1, int32_t oc, const int8_t* wpk,
                       const int32_t* bias, const int32_t* mult, const int32_t* shift, int32_t out_zp, int32_t amin,
                       int32_t amax) {
  /* an odd last pixel (y1 == NULL, v == u) stores its bytes twice to y0: the same values */
  int8_t* const y1s = y1 ? y1 : y0;
  const uint32_t* const end = q + k; /* four words per four K-bytes */
  const int8_t* wp = wpk;
  int32_t o;
  for (o = 0; o < oc; o += 2) {
    int32_t a00 = bias[o], a01 = bias[o + 1], a10 = a00, a11 = a01;
    const uint32_t* xp = q;
    while ((end - xp) & 15) EC_MM2Q_ASM(EC_MM2Q_GROUP); /* until sixteen K-bytes a pass remain */
    if (xp < end) EC_MM2Q_ASM(EC_MM2Q_LOOP16);               /* wp ends on the next pair's weights */
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
