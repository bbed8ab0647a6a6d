/* Runs the generated model on one stored sample (sample.h) and prints the class and the number of
 * instructions the inference took. Under qemu -icount shift=0 one SysTick tick is 40 instructions
 * (the MPS2's 25 MHz system clock against 1 ns of virtual time per instruction). */
#include <stdint.h>
#include <stdio.h>

#include "model.h"
#include "sample.h"

extern void initialise_monitor_handles(void);
extern volatile uint32_t ec_systick_wraps;

#define SYST_CSR (*(volatile uint32_t*)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t*)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t*)0xE000E018u)
#define RELOAD 0xFFFFFFu
#define INSTRUCTIONS_PER_TICK 40u

static uint32_t arena[(MODEL_ARENA_SIZE + 3u) / 4u + 1u]; /* uint32_t: the 4-byte alignment model_run needs */
static sample_out_t output[MODEL_OUTPUT0_SIZE];

static uint64_t ticks(void) {
  uint32_t w, v;
  do {
    w = ec_systick_wraps;
    v = SYST_CVR;
  } while (w != ec_systick_wraps);
  return (uint64_t)w * (RELOAD + 1u) + (RELOAD - v);
}

int main(void) {
  uint64_t t0, t1;
  uint32_t i, best = 0;
  initialise_monitor_handles();
  SYST_RVR = RELOAD;
  SYST_CVR = 0;
  SYST_CSR = 7u;
  while (SYST_CVR == 0u) {
  }
  t0 = ticks();
  model_run(sample_input, output, (uint8_t*)arena);
  t1 = ticks();
  for (i = 1; i < MODEL_OUTPUT0_SIZE; ++i) {
    if (output[i] > output[best]) best = i;
  }
  printf("class %lu\n", (unsigned long)best);
  printf("instructions %lu\n", (unsigned long)((t1 - t0) * INSTRUCTIONS_PER_TICK));
  return 0;
}
