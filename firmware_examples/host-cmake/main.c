/* Runs the model once on a zero input and prints its outputs. The input/output element types come
 * from model.h's signature; MODEL_INPUT0_SIZE etc. give the sizes. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

static uint32_t arena[(MODEL_ARENA_SIZE + 3u) / 4u + 1u];
static float in_f[MODEL_INPUT0_SIZE];
static float out_f[MODEL_OUTPUT0_SIZE];

int main(void) {
  unsigned i;
  /* for PRECISION=fp32 builds (an int8 build takes int8_t buffers: see model.h) */
  memset(in_f, 0, sizeof(in_f));
  model_run((void*)in_f, (void*)out_f, (uint8_t*)arena);
  printf("arena %u bytes\n", (unsigned)MODEL_ARENA_SIZE);
  for (i = 0; i < MODEL_OUTPUT0_SIZE && i < 16u; ++i) printf("out[%u] = %g\n", i, (double)out_f[i]);
  return 0;
}
