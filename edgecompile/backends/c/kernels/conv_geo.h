#ifndef EC_CONV_GEO_H_
#define EC_CONV_GEO_H_
/* Conv geometry (the lowering checks every field fits int16_t) */
typedef struct { int16_t ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, dh, dw, pt, pl, groups; } ec_conv_geo;
#endif
