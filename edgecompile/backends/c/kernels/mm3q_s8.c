#ifndef EC_AMALGAMATED
#include "ec.h"
#include "simd.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* A 3x2 block (three pixels by two output channels; output-channel pairs packed as ec_mm2_s8's, bias folded) over
 * inputs widened beforehand: per four K-bytes six words, u even, u odd, v even, v odd, w even, w odd
 * (ec_im2row3_q15, ec_q15_row with step 6). Each weight word is widened once for three pixels, where a 2x2 block
 * widens it for two: per four K-bytes 27 cycles for 24 MACs on the Cortex-M4 (2x2: 19 for 16), and the bias,
 * requantization constants and loop set-up are shared by three pixels. */
/* Per four K-bytes, scheduled by hand: both weight words and u's pair loaded in a row, four SXTB16, u's four
 * SMLAD, then v's pair and w's pair each loaded in a row before their four SMLAD. Fourteen registers: the six
 * accumulators, two pointers, six temporaries; the loop's end is read from memory at the bottom of a pass.
 * x, w: the addresses of the quarter's inputs (from xp) and of its weights (from wp). */
#define EC_MM3Q_QUARTER(xa, x1, x2, x3, x4, x5, wa, w1)      \
  "ldr.w %[t4], " xa "\n\t"                           \
  "ldr.w %[t0], " wa "\n\t"                           \
  "ldr.w %[t5], " x1 "\n\t"                           \
  "ldr.w %[t1], " w1 "\n\t"                           \
  "sxtb16 %[t2], %[t0]\n\t"                           \
  "sxtb16 %[t0], %[t0], ror #8\n\t"                   \
  "sxtb16 %[t3], %[t1]\n\t"                           \
  "sxtb16 %[t1], %[t1], ror #8\n\t"                   \
  "smlad %[a00], %[t2], %[t4], %[a00]\n\t"            \
  "smlad %[a00], %[t0], %[t5], %[a00]\n\t"            \
  "smlad %[a01], %[t3], %[t4], %[a01]\n\t"            \
  "smlad %[a01], %[t1], %[t5], %[a01]\n\t"            \
  "ldr.w %[t4], " x2 "\n\t"                           \
  "ldr.w %[t5], " x3 "\n\t"                           \
  "smlad %[a10], %[t2], %[t4], %[a10]\n\t"            \
  "smlad %[a10], %[t0], %[t5], %[a10]\n\t"            \
  "smlad %[a11], %[t3], %[t4], %[a11]\n\t"            \
  "smlad %[a11], %[t1], %[t5], %[a11]\n\t"            \
  "ldr.w %[t4], " x4 "\n\t"                           \
  "ldr.w %[t5], " x5 "\n\t"                           \
  "smlad %[a20], %[t2], %[t4], %[a20]\n\t"            \
  "smlad %[a20], %[t0], %[t5], %[a20]\n\t"            \
  "smlad %[a21], %[t3], %[t4], %[a21]\n\t"            \
  "smlad %[a21], %[t1], %[t5], %[a21]\n\t"
/* the first quarter of a half pass (six quarters): post-indexed loads move xp on by 144 and wp by 48 */
#define EC_MM3Q_HEAD                                                                                          \
  EC_MM3Q_QUARTER("[%[xp]], #144", "[%[xp], #-140]", "[%[xp], #-136]", "[%[xp], #-132]", "[%[xp], #-128]",    \
                  "[%[xp], #-124]", "[%[wp]], #48", "[%[wp], #-44]")
/* a later quarter of the half: negative offsets */
#define EC_MM3Q_BACK(xo, wo)                                                                                    \
  EC_MM3Q_QUARTER("[%[xp], #-144+" xo "]", "[%[xp], #-140+" xo "]", "[%[xp], #-136+" xo "]",                   \
                  "[%[xp], #-132+" xo "]", "[%[xp], #-128+" xo "]", "[%[xp], #-124+" xo "]",                   \
                  "[%[wp], #-48+" wo "]", "[%[wp], #-44+" wo "]")
#define EC_MM3Q_HALF EC_MM3Q_HEAD EC_MM3Q_BACK("24", "8") EC_MM3Q_BACK("48", "16") EC_MM3Q_BACK("72", "24") \
  EC_MM3Q_BACK("96", "32") EC_MM3Q_BACK("120", "40")
#define EC_MM3Q_ASM(code)                                                                                  \
  do {                                                                                                     \
    uint32_t t0_ = entry, t1_, t2_, t3_, t4_, t5_;                                                         \
    __asm volatile(code                                                                                    \
                   : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [a20] "+r"(a20),   \
                     [a21] "+r"(a21), [xp] "+r"(xp), [wp] "+r"(wp), [t0] "+&r"(t0_), [t1] "=&r"(t1_),      \
                     [t2] "=&r"(t2_), [t3] "=&r"(t3_), [t4] "=&r"(t4_), [t5] "=&r"(t5_)                    \
                   : [end] "m"(end)                                                                        \
                   : "cc", "memory");                                                                      \
  } while (0)
/* Ninety-six K-bytes a pass (four halves: half the loop-end tests of two) until xp reaches end, entered at
 * quarter j when K / 4 % 24 == 24 - j:
 * the quarters of the first pass before j do not run, so (i = j % 6) xp and wp come in 144 - 24 i and 48 - 8 i
 * bytes ahead of the block's first inputs and weights when i > 0 (the half's head, whose post-indexed loads
 * would have moved them, is skipped). The entry is computed (t0 = 96 j + 1, the Thumb bit: every quarter is 24
 * 32-bit instructions, which the assembler checks). The loop's first instruction word is aligned: a taken
 * branch to a 32-bit instruction that is not costs the M4 a cycle. */
#define EC_MM3Q_LOOP                                                                                        \
  "adr %[t1], 1f\n\t"                                                                                       \
  "add %[t1], %[t0]\n\t"                                                                                    \
  "bx %[t1]\n\t"                                                                                            \
  ".p2align 2\n"                                                                                             \
  "1:\n\t"                                                                                                  \
  EC_MM3Q_HEAD                                                                                              \
  "2:\n\t"                                                                                                  \
  EC_MM3Q_BACK("24", "8") EC_MM3Q_BACK("48", "16") EC_MM3Q_BACK("72", "24") EC_MM3Q_BACK("96", "32")        \
  EC_MM3Q_BACK("120", "40") EC_MM3Q_HALF EC_MM3Q_HALF EC_MM3Q_HALF                                        \
  "3:\n\t"                                                                                                  \
  ".if (2b - 1b) != 96 || (3b - 1b) != 2304\n\t"                                                            \
  ".error \"mm3q: a quarter is not 96 bytes\"\n\t"                                                         \
  ".endif\n\t"                                                                                              \
  "ldr %[t0], %[end]\n\t"                                                                                   \
  "cmp %[xp], %[t0]\n\t"                                                                                    \
  "bne 1b"

#if defined(__GNUC__)
__attribute__((noinline)) /* inlined, gcc spills the block's fourteen live registers */
#endif
EC_NO_SCHED
#ifdef EC_REQ_SAT
/* ec_reqs over the block's six accumulators, in place: SMMULR of the doubled accumulator by the channel's
 * multiplier, then (x + (x >> 31) + hz) >> e with hz = h + zp 2^e and e packed in the channel's eh word (hz << 8 |
 * e, conv_simd.emit: the zero point folded into the rounding term, so (x + hz) >> e is ((x + h) >> e) + zp
 * exactly; plain adds: |x| < 2^30 and |hz| < 2^23, the bounds that let the generator pick this variant, so
 * ec_reqs's QADD never saturates; ASR by a register reads its low byte, e), then SSAT and a byte store that
 * steps y on */
/* SMMULR(2 a, m) as SMMLAR(a, 2 m - 2^32, a): (a 2^32 + a (2 m - 2^32) + 2^31) >> 32, the same 64-bit sum, with
 * the doubling done once per channel (LSL of m wraps to 2 m - 2^32: m >= 2^30, requant_variant checks) */
#define EC_MM3Q_SCALE(a) "smmlar %[" a "], %[" a "], %[m], %[" a "]\n\t"
#define EC_MM3Q_RND(a)                               \
  "add %[" a "], %[" a "], %[" a "], asr #31\n\t"    \
  "add %[" a "], %[" a "], %[e], asr #8\n\t"         \
  "asr %[" a "], %[" a "], %[e]\n\t"
#define EC_MM3Q_OUT(a, y)                            \
  "ssat %[" a "], #8, %[" a "]\n\t"                  \
  "strb %[" a "], [%[" y "]], #1\n\t"
#endif

EC_API void ec_mm3q_s8(const uint32_t* q, int32_t k, int8_t* y0, int8_t* y1, int8_t* y2, int32_t oc,
                       const int8_t* wpk, const int32_t* bias, const int32_t* mult, const int32_t* shift,
                       int32_t out_zp, int32_t amin, int32_t amax) {
  /* a block short of three pixels repeats its last pixel's inputs and passes its y again: the same bytes */
  const uint32_t* const end = q + k / 4 * 6;
  const int32_t j = (24 - k / 4 % 24) % 24, i = j % 6; /* the quarter a block's first pass starts at */
  const uint32_t entry = 96u * (uint32_t)j + 1u;
  const uint32_t* const xp0 = i ? q + 36 - 6 * i : q;
  const int32_t wskip = i ? 48 - 8 * i : 0; /* added unconditionally: no branch per pair */
  const int8_t* wp = wpk;
  int32_t o;
#ifdef EC_REQ_SAT
  const int32_t *mp = mult, *ep = shift;
  (void)EC_REQ; /* the variant's function, pasted for the other kernels, is this one's arithmetic */
  (void)out_zp; /* 0: folded into eh */
  (void)amin;
  (void)amax;
#endif
  for (o = 0; o < oc; o += 2) {
    int32_t a00 = bias[o], a01 = bias[o + 1], a10 = a00, a11 = a01, a20 = a00, a21 = a01;
    const uint32_t* xp = xp0;
    wp += wskip;
    EC_MM3Q_ASM(EC_MM3Q_LOOP); /* wp ends on the next pair's weights */
#ifdef EC_REQ_SAT
    { /* y0, y1, y2 step on by two, mp and ep by two words */
      uint32_t m_, e_;
      __asm volatile("ldr %[m], [%[mp]], #4\n\tlsl %[m], %[m], #1\n\t"
                     EC_MM3Q_SCALE("a00") EC_MM3Q_SCALE("a10") EC_MM3Q_SCALE("a20")
                     "ldr %[m], [%[mp]], #4\n\tlsl %[m], %[m], #1\n\t"
                     EC_MM3Q_SCALE("a01") EC_MM3Q_SCALE("a11") EC_MM3Q_SCALE("a21")
                     "ldr %[e], [%[ep]], #4\n\t" EC_MM3Q_RND("a00") EC_MM3Q_RND("a10") EC_MM3Q_RND("a20")
                     "ldr %[e], [%[ep]], #4\n\t" EC_MM3Q_RND("a01") EC_MM3Q_RND("a11") EC_MM3Q_RND("a21")
                     EC_MM3Q_OUT("a00", "y0") EC_MM3Q_OUT("a01", "y0") EC_MM3Q_OUT("a10", "y1")
                     EC_MM3Q_OUT("a11", "y1") EC_MM3Q_OUT("a20", "y2") EC_MM3Q_OUT("a21", "y2")
                     : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [a20] "+r"(a20),
                       [a21] "+r"(a21), [y0] "+r"(y0), [y1] "+r"(y1), [y2] "+r"(y2), [mp] "+r"(mp), [ep] "+r"(ep),
                       [m] "=&r"(m_), [e] "=&r"(e_)
                     :
                     : "cc", "memory");
    }
#else
    {
      const int32_t m0 = mult[o], m1 = mult[o + 1], s0 = shift[o], s1 = shift[o + 1];
      const int8_t r00 = EC_REQ(a00, m0, s0, out_zp, amin, amax), r01 = EC_REQ(a01, m1, s1, out_zp, amin, amax);
      const int8_t r10 = EC_REQ(a10, m0, s0, out_zp, amin, amax), r11 = EC_REQ(a11, m1, s1, out_zp, amin, amax);
      const int8_t r20 = EC_REQ(a20, m0, s0, out_zp, amin, amax), r21 = EC_REQ(a21, m1, s1, out_zp, amin, amax);
      y0[o] = r00;
      y0[o + 1] = r01;
      y1[o] = r10;
      y1[o + 1] = r11;
      y2[o] = r20;
      y2[o + 1] = r21;
    }
#endif
  }
}
#ifdef EC_REQ_SAT
#undef EC_MM3Q_SCALE
#undef EC_MM3Q_RND
#undef EC_MM3Q_OUT
#endif
#endif
