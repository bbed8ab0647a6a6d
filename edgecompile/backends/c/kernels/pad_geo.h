#ifndef EC_PAD_GEO_H_
#define EC_PAD_GEO_H_
/* in/out dimensions (storage order, padded to 4) and the padding before each */
typedef struct { int32_t in[4], out[4], before[4]; } ec_pad_geo;
#endif
