#ifndef EC_MVE_H_
#define EC_MVE_H_
/* Helium (M-profile Vector Extension, Cortex-M55/M85): the int8 kernels' MVE forms replace their DSP
 * (SMLAD) forms where the compiler defines __ARM_FEATURE_MVE (gcc: -mcpu=cortex-m55 with a hard-float ABI). */
#if defined(__ARM_FEATURE_MVE) && __ARM_FEATURE_MVE
#include <arm_mve.h>
#define EC_MVE 1
#endif
#endif
