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

#endif
#endif
