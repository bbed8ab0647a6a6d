/* Prelude for compiling one kernel file on its own (tests, linters, editors). The generated model.c
 * defines EC_AMALGAMATED and EC_API (static), then pastes the kernels it uses, dependencies first;
 * this file is never pasted. Alone, the functions have external linkage, so none is "unused". */
#ifndef EC_H_
#define EC_H_

#include <stdint.h>

#include "conv_geo.h"

#ifndef EC_API
#define EC_API
#endif

int32_t ec_srdhm_ns(int32_t a, int32_t b);
int32_t ec_smmulr(int32_t x, int32_t m);
int32_t ec_rdbpot(int32_t x, int exponent);
int32_t ec_mbqm(int32_t x, int32_t mult, int32_t shift);
int8_t ec_sat8(int32_t v, int32_t lo, int32_t hi);

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
uint32_t ec_ld4(const int8_t* p);
uint32_t ec_sxtb16_ror8(uint32_t v);
uint32_t ec_sxtab16_ror8(uint32_t a, uint32_t v);
int8_t ec_req(int32_t acc, int32_t mult, int32_t shift, int32_t out_zp, int32_t amin, int32_t amax);
int8_t ec_reqf(int32_t acc, int32_t mult, int32_t eh, int32_t out_zp, int32_t amin, int32_t amax);
int8_t ec_reqs(int32_t acc, int32_t mult, int32_t eh, int32_t out_zp, int32_t amin, int32_t amax);
void ec_mm2_s8(const int8_t* u0, const int8_t* v0, int32_t k, int8_t* y0, int8_t* y1, int32_t oc, const int8_t* wpk,
               const int32_t* bias, const int32_t* mult, const int32_t* shift, int32_t out_zp, int32_t amin,
               int32_t amax);
void ec_q15_row(const int8_t* r, int32_t k4, uint32_t* q, int32_t step);
#include "mm3q.h"
void ec_mm3q_s8(const ec_mm3q_args* a, int8_t* y0, int8_t* y1, int8_t* y2);
void ec_im2row_q15(const int8_t* x, uint32_t* q, const ec_conv_geo* g, int32_t p, uint32_t padw, int32_t step);
void ec_im2row3_q15(const int8_t* x, uint32_t* q, const ec_conv_geo* g, int32_t p, int32_t n, uint32_t padw);
void ec_im2row_s8(const int8_t* x, int8_t* row, const ec_conv_geo* g, int32_t p, int32_t k4, int8_t pad);
void ec_im2row3_s8(const int8_t* x, int8_t* rows, const ec_conv_geo* g, int32_t p, int32_t n, int32_t k4, int8_t pad);
#ifndef EC_REQ /* the requantization a SIMD kernel calls: the generator picks one per layer */
#define EC_REQ ec_req
#endif
#endif

#endif /* EC_H_ */
