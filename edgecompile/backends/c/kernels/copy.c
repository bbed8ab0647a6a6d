/* A layout change (or a copy to the caller's output): a strided gather, element by element */
#ifndef EC_AMALGAMATED
#include "ec.h"
#endif

typedef struct { int32_t d[4], s[4]; } ec_gather;

EC_API void ec_copy(const uint8_t* x, uint8_t* y, const ec_gather* g, int32_t esize) {
  int32_t i0, i1, i2, i3, b;
  for (i0 = 0; i0 < g->d[0]; ++i0)
    for (i1 = 0; i1 < g->d[1]; ++i1)
      for (i2 = 0; i2 < g->d[2]; ++i2)
        for (i3 = 0; i3 < g->d[3]; ++i3) {
          const uint8_t* src = x + (i0 * g->s[0] + i1 * g->s[1] + i2 * g->s[2] + i3 * g->s[3]) * esize;
          for (b = 0; b < esize; ++b) *y++ = src[b];
        }
}
