/* ec_add_s8 for same-shape operands stored alike (residual adds): one flat loop, no index arithmetic */
#ifndef EC_AMALGAMATED
#include "ec.h"
#include "add_q.h"
#endif

EC_API void ec_add_s8_flat(const int8_t* a, const int8_t* b, int8_t* y, int32_t n, const ec_add_q* q) {
  int32_t i;
  for (i = 0; i < n; ++i) {
    const int32_t va = ec_mbqm((int32_t)((uint32_t)(a[i] + q->off1) << q->left_shift), q->m1, q->s1);
    const int32_t vb = ec_mbqm((int32_t)((uint32_t)(b[i] + q->off2) << q->left_shift), q->m2, q->s2);
    y[i] = ec_sat8(ec_mbqm(va + vb, q->mo, q->so) + q->out_zp, q->amin, q->amax);
  }
}
