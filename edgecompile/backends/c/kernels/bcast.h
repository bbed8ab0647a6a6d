#ifndef EC_BCAST_H_
#define EC_BCAST_H_
/* A 4-D walk over the output in storage order (n counts the outputs); sa/sb: each operand's element strides
 * per output dimension (0 broadcasts). The loop counters i0..i3 and n are the caller's. */
typedef struct { int32_t d[4], sa[4], sb[4]; } ec_bcast;

#define EC_BCAST_FOR(s)                               \
  for (i0 = 0, n = 0; i0 < (s)->d[0]; ++i0)           \
    for (i1 = 0; i1 < (s)->d[1]; ++i1)                \
      for (i2 = 0; i2 < (s)->d[2]; ++i2)              \
        for (i3 = 0; i3 < (s)->d[3]; ++i3, ++n)
#define EC_BCAST_AT(st) (i0 * (st)[0] + i1 * (st)[1] + i2 * (st)[2] + i3 * (st)[3])
#endif
