#ifndef EC_MM3Q_H_
#define EC_MM3Q_H_
/* What ec_mm3q_s8 needs of a layer, the same for every block of pixels: its callers fill it once per layer
 * (ec_mm3q_setup), so that a block's call takes four register arguments and does no division (measured on
 * ResNet-8: about 80 cycles a call went to the arguments on the stack and to the loop entry's divisions). */
typedef struct {
  const uint32_t* xp0; /* where a block's first pass reads its widened inputs: q, or ahead of it (see mm3q_s8.c) */
  const uint32_t* end; /* q + k / 4 * 6: the K-loop stops there */
  uint32_t entry;      /* the byte offset of the first pass's entry quarter in the loop, plus the Thumb bit */
  int32_t wskip;       /* added to the weight pointer before each channel pair's K-loop */
  const int8_t* wpk;
  const int32_t *bias, *mult, *shift;
  int32_t oc, out_zp, amin, amax;
} ec_mm3q_args;

/* k: the row's bytes (a multiple of 4); q: the widened rows (6 words per four K-bytes). The loop runs 96 K-bytes
 * (24 quarters) a pass, entered at quarter j when K / 4 % 24 == 24 - j: the quarters of the first pass before j do
 * not run, so (i = j % 6) xp and wp come in 144 - 24 i and 48 - 8 i bytes ahead of the block's first inputs and
 * weights when i > 0 (the skipped half's head would have moved them with its post-indexed loads). */
static inline void ec_mm3q_setup(ec_mm3q_args* a, const uint32_t* q, int32_t k, int32_t oc, const int8_t* wpk,
                                 const int32_t* bias, const int32_t* mult, const int32_t* shift, int32_t out_zp,
                                 int32_t amin, int32_t amax) {
  const int32_t j = (24 - k / 4 % 24) % 24, i = j % 6;
  a->xp0 = i ? q + 36 - 6 * i : q;
  a->end = q + k / 4 * 6;
  a->entry = 96u * (uint32_t)j + 1u; /* every quarter is 24 32-bit instructions */
  a->wskip = i ? 48 - 8 * i : 0;
  a->wpk = wpk;
  a->bias = bias;
  a->mult = mult;
  a->shift = shift;
  a->oc = oc;
  a->out_zp = out_zp;
  a->amin = amin;
  a->amax = amax;
}
#endif
