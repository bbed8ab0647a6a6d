/* TFLite's int8 Add with broadcasting: both inputs shifted left 20 bits, rescaled to twice the larger input
 * scale, summed, rescaled to the output, offset, clamped (fused Relu). */
#ifndef EC_AMALGAMATED
#include "ec.h"
#include "bcast.h"
#include "add_q.h"
#endif

EC_API void ec_add_s8(const int8_t* a, const int8_t* b, int8_t* y, const ec_bcast* s, const ec_add_q* q) {
  int32_t i0, i1, i2, i3, n;
  EC_BCAST_FOR(s) {
    const int32_t ia = EC_BCAST_AT(s->sa), ib = EC_BCAST_AT(s->sb);
    const int32_t va = ec_mbqm((int32_t)((uint32_t)(a[ia] + q->off1) << q->left_shift), q->m1, q->s1);
    const int32_t vb = ec_mbqm((int32_t)((uint32_t)(b[ib] + q->off2) << q->left_shift), q->m2, q->s2);
    y[n] = ec_sat8(ec_mbqm(va + vb, q->mo, q->so) + q->out_zp, q->amin, q->amax);
  }
}
