#ifndef EC_MVE_H_
#define EC_MVE_H_
/* Helium (M-profile Vector Extension, Cortex-M55/M85): the int8 kernels' MVE forms replace their DSP
 * (SMLAD) forms where the compiler defines __ARM_FEATURE_MVE (gcc: -mcpu=cortex-m55 with a hard-float ABI). */
#if defined(__ARM_FEATURE_MVE) && __ARM_FEATURE_MVE
#include <arm_mve.h>
#define EC_MVE 1
#ifndef EC_AMALGAMATED /* compiled alone: what model.c pastes before a Helium kernel */
int32x4_t ec_req4(int32x4_t acc, int32x4_t mult, int32x4_t shift, int32_t out_zp, int32_t amin, int32_t amax);
int32x4_t ec_req4e(int32x4_t acc, int32x4_t mult, int32x4_t eh, int32_t out_zp, int32_t amin, int32_t amax);
#ifndef EC_REQV /* the vector requantization a Helium kernel calls: the generator picks one per layer */
#define EC_REQV ec_req4
#endif
#endif
#endif
#endif
