/* Constant padding of up to 4 dimensions, in the tensor's storage order. The generator picks the element
 * type: EC_PAD_T (element), EC_PAD_FILL_T (the fill argument). */
#ifndef EC_AMALGAMATED
#include "ec.h"
#include "pad_geo.h"
#endif
#ifndef EC_PAD_T
#define EC_PAD_T float
#define EC_PAD_FILL_T float
#endif

EC_API void ec_pad(const EC_PAD_T* x, EC_PAD_T* y, const ec_pad_geo* g, EC_PAD_FILL_T fill) {
  int32_t o0, o1, o2, o3, n = 0;
  for (o0 = 0; o0 < g->out[0]; ++o0)
    for (o1 = 0; o1 < g->out[1]; ++o1)
      for (o2 = 0; o2 < g->out[2]; ++o2)
        for (o3 = 0; o3 < g->out[3]; ++o3, ++n) {
          const int32_t i0 = o0 - g->before[0], i1 = o1 - g->before[1];
          const int32_t i2 = o2 - g->before[2], i3 = o3 - g->before[3];
          const int inside = i0 >= 0 && i0 < g->in[0] && i1 >= 0 && i1 < g->in[1] && i2 >= 0 && i2 < g->in[2] &&
                             i3 >= 0 && i3 < g->in[3];
          y[n] = inside ? x[((i0 * g->in[1] + i1) * g->in[2] + i2) * g->in[3] + i3] : (EC_PAD_T)fill;
        }
}
