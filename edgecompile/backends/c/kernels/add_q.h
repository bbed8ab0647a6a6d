#ifndef EC_ADD_Q_H_
#define EC_ADD_Q_H_
/* TFLite int8 ADD parameters (fixedpoint.add_params) */
typedef struct { int32_t off1, off2, left_shift, m1, s1, m2, s2, mo, so, out_zp, amin, amax; } ec_add_q;
#endif
