#ifndef EC_AMALGAMATED
#include "ec.h"
#include "simd.h"
#include "mm3q.h"
#endif

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* A 3x2 block (three pixels by two output channels; output-channel pairs packed as ec_mm2_s8's, bias folded) over
 * inputs widened beforehand: per four K-bytes six words, u even, u odd, v even, v odd, w even, w odd
 * (ec_im2row3_q15, ec_q15_row with step 6). Each weight word is widened once for three pixels, where a 2x2 block
 * widens it for two: per four K-bytes 27 cycles for 24 MACs on the Cortex-M4 (2x2: 19 for 16), and the bias,
 * requantization constants and loop set-up are shared by three pixels. */
/* Per four K-bytes, scheduled by hand: both weight words and u's pair loaded in a row, four SXTB16, u's four
 * SMLAD, then v's pair and w's pair each loaded in a row before their four SMLAD. Fourteen registers: the six
 * accumulators, two pointers, six temporaries (fixed: r0-r3, ip, lr, clobbered, which keeps the asm statements
 * within gcc's 30 operands); the loop's end is read from memory at the bottom of a pass.
 * x, w: the addresses of the quarter's inputs (from xp) and of its weights (from wp). */
#define EC_MM3Q_QUARTER(xa, x1, x2, x3, x4, x5, wa, w1)                                                         \
  "ldr.w ip, " xa "\n\t"                                                                                        \
  "ldr.w r0, " wa "\n\t"                                                                                        \
  "ldr.w lr, " x1 "\n\t"                                                                                        \
  "ldr.w r1, " w1 "\n\t"                                                                                        \
  "sxtb16 r2, r0\n\t"                                                                                           \
  "sxtb16 r0, r0, ror #8\n\t"                                                                                   \
  "sxtb16 r3, r1\n\t"                                                                                           \
  "sxtb16 r1, r1, ror #8\n\t"                                                                                   \
  "smlad %[a00], r2, ip, %[a00]\n\t"                                                                            \
  "smlad %[a00], r0, lr, %[a00]\n\t"                                                                            \
  "smlad %[a01], r3, ip, %[a01]\n\t"                                                                            \
  "smlad %[a01], r1, lr, %[a01]\n\t"                                                                            \
  "ldr.w ip, " x2 "\n\t"                                                                                        \
  "ldr.w lr, " x3 "\n\t"                                                                                        \
  "smlad %[a10], r2, ip, %[a10]\n\t"                                                                            \
  "smlad %[a10], r0, lr, %[a10]\n\t"                                                                            \
  "smlad %[a11], r3, ip, %[a11]\n\t"                                                                            \
  "smlad %[a11], r1, lr, %[a11]\n\t"                                                                            \
  "ldr.w ip, " x4 "\n\t"                                                                                        \
  "ldr.w lr, " x5 "\n\t"                                                                                        \
  "smlad %[a20], r2, ip, %[a20]\n\t"                                                                            \
  "smlad %[a20], r0, lr, %[a20]\n\t"                                                                            \
  "smlad %[a21], r3, ip, %[a21]\n\t"                                                                            \
  "smlad %[a21], r1, lr, %[a21]\n\t"
/* the first quarter of a half pass (six quarters): post-indexed loads move xp on by 144 and wp by 48 */
#define EC_MM3Q_HEAD                                                                                            \
  EC_MM3Q_QUARTER("[%[xp]], #144", "[%[xp], #-140]", "[%[xp], #-136]", "[%[xp], #-132]", "[%[xp], #-128]",      \
                  "[%[xp], #-124]", "[%[wp]], #48", "[%[wp], #-44]")
/* a later quarter of the half: negative offsets */
#define EC_MM3Q_BACK(xo, wo)                                                                                    \
  EC_MM3Q_QUARTER("[%[xp], #-144+" xo "]", "[%[xp], #-140+" xo "]", "[%[xp], #-136+" xo "]",                    \
                  "[%[xp], #-132+" xo "]", "[%[xp], #-128+" xo "]", "[%[xp], #-124+" xo "]",                    \
                  "[%[wp], #-48+" wo "]", "[%[wp], #-44+" wo "]")
#define EC_MM3Q_HALF EC_MM3Q_HEAD EC_MM3Q_BACK("24", "8") EC_MM3Q_BACK("48", "16") EC_MM3Q_BACK("72", "24")     \
  EC_MM3Q_BACK("96", "32") EC_MM3Q_BACK("120", "40")
/* Ninety-six K-bytes a pass (four halves: half the loop-end tests of two) until xp reaches end, entered at
 * quarter j when K / 4 % 24 == 24 - j (ec_mm3q_setup: xp and wp come in ahead of the block's first inputs and
 * weights when the entry skips a half's head). The assembler checks that every quarter is 24 32-bit instructions
 * (the entry's offset is 96 j). The loop's first instruction word is aligned: a taken branch to a 32-bit
 * instruction that is not costs the M4 a cycle. */
#define EC_MM3Q_KLOOP                                                                                           \
  ".p2align 2\n"                                                                                                \
  "1:\n\t"                                                                                                      \
  EC_MM3Q_HEAD                                                                                                  \
  "2:\n\t"                                                                                                      \
  EC_MM3Q_BACK("24", "8") EC_MM3Q_BACK("48", "16") EC_MM3Q_BACK("72", "24") EC_MM3Q_BACK("96", "32")            \
  EC_MM3Q_BACK("120", "40") EC_MM3Q_HALF EC_MM3Q_HALF EC_MM3Q_HALF                                              \
  "3:\n\t"                                                                                                      \
  ".if (2b - 1b) != 96 || (3b - 1b) != 2304\n\t"                                                                \
  ".error \"mm3q: a quarter is not 96 bytes\"\n\t"                                                              \
  ".endif\n\t"                                                                                                  \
  "ldr r0, %[end]\n\t"                                                                                          \
  "cmp %[xp], r0\n\t"                                                                                           \
  "bne 1b\n\t"

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
#define EC_MM3Q_SCALE(a, m) "smmlar %[" a "], %[" a "], " m ", %[" a "]\n\t"
#define EC_MM3Q_RND(a, e)                                                                                       \
  "add %[" a "], %[" a "], %[" a "], asr #31\n\t"                                                               \
  "add %[" a "], %[" a "], " e ", asr #8\n\t"                                                                   \
  "asr %[" a "], %[" a "], " e "\n\t"
#define EC_MM3Q_OUT(a, y)                                                                                       \
  "ssat %[" a "], #8, %[" a "]\n\t"                                                                             \
  "strb %[" a "], [" y "], #1\n\t"
/* One channel pair: the bias into the six accumulators, wp on by wskip, the K-loop entered at its quarter (go:
 * its address, computed once a call), then the requantization (ip, lr: mp, ep; r2, r0: the pair's multipliers;
 * r3, r1: its eh words) and the stores (r0, r1, r2: y0, y1, y2, stepped on by two), until y0 reaches yend. The
 * K-loop holds all fourteen registers, so the pointers that step between pairs live in stack slots (memory
 * operands), loaded and stored back in runs: the M4 pipelines back-to-back loads and stores. */
#define EC_MM3Q_PAIRS                                                                                           \
  "ldr r0, %[go]\n\t"                                                                                           \
  "adr r1, 1f\n\t"                                                                                              \
  "add r0, r1\n\t"                                                                                              \
  "str r0, %[go]\n"                                                                                             \
  "0:\n\t"                                                                                                      \
  "ldr r1, %[bp]\n\t"                                                                                           \
  "ldr r0, %[wskip]\n\t"                                                                                        \
  "ldr %[xp], %[xp0]\n\t"                                                                                       \
  "ldr %[a01], [r1, #4]\n\t"                                                                                    \
  "ldr %[a00], [r1], #8\n\t"                                                                                    \
  "ldr ip, %[go]\n\t"                                                                                           \
  "str r1, %[bp]\n\t"                                                                                           \
  "add %[wp], r0\n\t"                                                                                           \
  "mov %[a10], %[a00]\n\t"                                                                                      \
  "mov %[a11], %[a01]\n\t"                                                                                      \
  "mov %[a20], %[a00]\n\t"                                                                                      \
  "mov %[a21], %[a01]\n\t"                                                                                      \
  "bx ip\n\t"                                                                                                   \
  EC_MM3Q_KLOOP                                                                                                 \
  "ldr ip, %[mp]\n\t"                                                                                           \
  "ldr lr, %[ep]\n\t"                                                                                           \
  "ldr r0, [ip, #4]\n\t"                                                                                        \
  "ldr r2, [ip], #8\n\t"                                                                                        \
  "ldr r1, [lr, #4]\n\t"                                                                                        \
  "ldr r3, [lr], #8\n\t"                                                                                        \
  "str ip, %[mp]\n\t"                                                                                           \
  "str lr, %[ep]\n\t"                                                                                           \
  "lsl r2, r2, #1\n\t"                                                                                          \
  "lsl r0, r0, #1\n\t"                                                                                          \
  EC_MM3Q_SCALE("a00", "r2") EC_MM3Q_SCALE("a10", "r2") EC_MM3Q_SCALE("a20", "r2")                              \
  EC_MM3Q_SCALE("a01", "r0") EC_MM3Q_SCALE("a11", "r0") EC_MM3Q_SCALE("a21", "r0")                              \
  EC_MM3Q_RND("a00", "r3") EC_MM3Q_RND("a10", "r3") EC_MM3Q_RND("a20", "r3")                                    \
  EC_MM3Q_RND("a01", "r1") EC_MM3Q_RND("a11", "r1") EC_MM3Q_RND("a21", "r1")                                    \
  "ldr r0, %[y0]\n\t"                                                                                           \
  "ldr r1, %[y1]\n\t"                                                                                           \
  "ldr r2, %[y2]\n\t"                                                                                           \
  "ldr r3, %[yend]\n\t"                                                                                         \
  EC_MM3Q_OUT("a00", "r0") EC_MM3Q_OUT("a01", "r0") EC_MM3Q_OUT("a10", "r1")                                    \
  EC_MM3Q_OUT("a11", "r1") EC_MM3Q_OUT("a20", "r2") EC_MM3Q_OUT("a21", "r2")                                    \
  "str r0, %[y0]\n\t"                                                                                           \
  "str r1, %[y1]\n\t"                                                                                           \
  "str r2, %[y2]\n\t"                                                                                           \
  "cmp r0, r3\n\t"                                                                                              \
  "bne 0b"
#endif

/* a: the layer's constants (ec_mm3q_setup, oc >= 2); a block short of three pixels repeats its last pixel's
 * inputs and passes its y again: the same bytes */
EC_API void ec_mm3q_s8(const ec_mm3q_args* a, int8_t* y0, int8_t* y1, int8_t* y2) {
  const uint32_t* const xp0 = a->xp0;
  const uint32_t* const end = a->end;
  const int32_t wskip = a->wskip; /* added unconditionally: no branch per pair */
  const int8_t* wp = a->wpk;
  const uint32_t* xp;
  int32_t a00, a01, a10, a11, a20, a21;
#ifdef EC_REQ_SAT
  const int32_t *bp = a->bias, *mp = a->mult, *ep = a->shift;
  const int8_t* const yend = y0 + a->oc;
  uintptr_t go = a->entry; /* the entry's offset, then its address */
  (void)EC_REQ; /* the variant's function, pasted for the other kernels, is this one's arithmetic */
  __asm volatile(EC_MM3Q_PAIRS
                 : [a00] "=&r"(a00), [a01] "=&r"(a01), [a10] "=&r"(a10), [a11] "=&r"(a11), [a20] "=&r"(a20),
                   [a21] "=&r"(a21), [xp] "=&r"(xp), [wp] "+r"(wp), [bp] "+m"(bp), [mp] "+m"(mp), [ep] "+m"(ep),
                   [y0] "+m"(y0), [y1] "+m"(y1), [y2] "+m"(y2), [go] "+m"(go)
                 : [xp0] "m"(xp0), [end] "m"(end), [wskip] "m"(wskip), [yend] "m"(yend)
                 : "r0", "r1", "r2", "r3", "ip", "lr", "cc", "memory");
#else
  const int32_t *bias = a->bias, *mult = a->mult, *shift = a->shift;
  const int32_t oc = a->oc, out_zp = a->out_zp, amin = a->amin, amax = a->amax;
  const uint32_t entry = a->entry;
  int32_t o;
  for (o = 0; o < oc; o += 2) {
    a00 = bias[o], a01 = bias[o + 1], a10 = a00, a11 = a01, a20 = a00, a21 = a01;
    xp = xp0;
    wp += wskip;
    __asm volatile("ldr r0, %[entry]\n\t"
                   "adr r1, 1f\n\t"
                   "add r1, r0\n\t"
                   "bx r1\n\t" EC_MM3Q_KLOOP
                   : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [a20] "+r"(a20),
                     [a21] "+r"(a21), [xp] "+r"(xp), [wp] "+r"(wp)
                   : [end] "m"(end), [entry] "m"(entry)
                   : "r0", "r1", "r2", "r3", "ip", "lr", "cc", "memory"); /* wp ends on the next pair's weights */
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
  }
#endif
}
#ifdef EC_REQ_SAT
#undef EC_MM3Q_SCALE
#undef EC_MM3Q_RND
#undef EC_MM3Q_OUT
#undef EC_MM3Q_PAIRS
#endif
#endif
