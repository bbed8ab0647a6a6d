#ifndef EC_POOL_GEO_H_
#define EC_POOL_GEO_H_
/* Pooling geometry over NHWC data (the lowering checks every field fits int16_t) */
typedef struct { int16_t ih, iw, c, oh, ow, kh, kw, sh, sw, pt, pl; } ec_pool_geo;

/* The valid taps of output (oy, ox), channel ch: runs TAP with x's value in v. Counters are the caller's. */
#define EC_POOL_WINDOW(g, x, T, TAP)                                     \
  for (ky = 0; ky < (g)->kh; ++ky) {                                     \
    const int iy = oy * (g)->sh - (g)->pt + ky;                          \
    if (iy < 0 || iy >= (g)->ih) continue;                               \
    for (kx = 0; kx < (g)->kw; ++kx) {                                   \
      const int ix = ox * (g)->sw - (g)->pl + kx;                        \
      T v;                                                               \
      if (ix < 0 || ix >= (g)->iw) continue;                             \
      v = (x)[((int32_t)iy * (g)->iw + ix) * (g)->c + ch];               \
      TAP;                                                               \
    }                                                                    \
  }
#endif
