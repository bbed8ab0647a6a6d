/* In-place depthwise convolution by rows (TinyEngine's idea over NHWC data): output row oy is written over
 * input row oy, so the convolution runs one output row at a time on a window of the input rows it reads,
 * kept in a small buffer (kh rows). Stride 1, dilation 1, pt < kh, output rows as wide as input rows (the
 * generator checks). Before row oy is written, the window holds rows [oy-pt, oy-pt+kh) (clipped): rows
 * that output rows <= oy overwrite are all below oy+1 <= the window's end, so each input row is copied while
 * still intact; rows kept from the previous window move down, the new ones are copied from x. `sub` is the
 * geometry of the one-row convolution over the window (same arithmetic: bit-identical). */
#include <string.h>
#ifndef EC_AMALGAMATED
#include "ec.h"
#endif

EC_API void ec_rows_window(const int8_t* x, int8_t* win, const ec_conv_geo* g, int oy, ec_conv_geo* sub) {
  const int32_t row = (int32_t)g->iw * g->ic;
  const int lo = oy - g->pt, first = lo < 0 ? 0 : lo, last = lo + g->kh < g->ih ? lo + g->kh : g->ih;
  int had0 = 0, had1 = 0, r;
  if (oy > 0) { /* the previous window: rows [had0, had1) */
    had0 = lo - 1 < 0 ? 0 : lo - 1;
    had1 = lo - 1 + g->kh < g->ih ? lo - 1 + g->kh : g->ih;
  }
  if (had1 > first && first > had0) memmove(win, win + (first - had0) * row, (size_t)(had1 - first) * row);
  for (r = had1 > first ? had1 : first; r < last; ++r) memcpy(win + (r - first) * row, x + r * row, (size_t)row);
  *sub = *g;
  sub->ih = (int16_t)(last - first);
  sub->pt = (int16_t)(first - lo);
  sub->oh = 1;
}
