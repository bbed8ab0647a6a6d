/* Benchmark firmware: runs the generated model on one stored sample under QEMU and prints, via
 * semihosting, instruction counts (from SysTick under -icount), the stack the model used and the
 * output bytes, as "EC key=value" lines that edgecompile.backends.c.qemu parses. */
#include <stdint.h>
#include <stdio.h>

#include "model.h"
#include "sample.h"

extern void initialise_monitor_handles(void);
extern volatile uint32_t ec_systick_wraps;
extern uint32_t _stack_limit;

#define SYST_CSR (*(volatile uint32_t*)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t*)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t*)0xE000E018u)
#define RELOAD 0xFFFFFFu

static uint32_t arena[(EC_ARENA_BYTES + 3u) / 4u + 1u];
static OUT_T output[EC_OUT_SIZE];

static uint64_t ticks(void) {
  uint32_t w, v;
  do {
    w = ec_systick_wraps;
    v = SYST_CVR;
  } while (w != ec_systick_wraps);
  return (uint64_t)w * (RELOAD + 1u) + (RELOAD - v);
}

static void __attribute__((noinline)) spin(uint32_t n) {
  /* exactly 2 instructions per iteration: subs + bne (unified syntax: also assembles for ARMv6-M) */
  __asm volatile(".syntax unified\n1: subs %0, %0, #1\n bne 1b" : "+r"(n));
}

#ifdef EC_TRACE
/* cycle-estimate build: one inference between two calls the estimator finds in QEMU's block trace; each
 * layer starts at a call to the (empty) profile mark, so the trace splits into layers */
void __attribute__((noinline, noipa)) ec_trace_begin(void) { __asm volatile("nop"); }
void __attribute__((noinline, noipa)) ec_trace_end(void) { __asm volatile("nop\n nop"); }
void EC_PROFILE_MARK(int step);
void __attribute__((noinline, noipa)) EC_PROFILE_MARK(int step) { (void)step; }
#elif defined(EC_PROFILE_LAYERS)
/* per-layer profile: the model (built with -D<PREFIX>_PROFILE) calls this before each step */
#define EC_MAX_STEPS 512
static uint64_t step_ticks[EC_MAX_STEPS];
static int last_step = -1;
void EC_PROFILE_MARK(int step);
void EC_PROFILE_MARK(int step) {
  static uint64_t prev;
  const uint64_t now = ticks();
  if (last_step >= 0 && last_step < EC_MAX_STEPS) step_ticks[last_step] += now - prev;
  last_step = step;
  prev = ticks();
}
#endif

static uint32_t __attribute__((noinline)) paint_and_run(void) {
  /* fill the free stack with a pattern, run once, find the deepest word the run overwrote */
  uint32_t here, *p, *lo = &_stack_limit;
  uint32_t* top = (uint32_t*)((uintptr_t)&here - 32u);
  for (p = lo; p < top; ++p) *p = 0xA5A5A5A5u;
  EC_RUN(sample_input, output, (uint8_t*)arena);
  for (p = lo; p < top && *p == 0xA5A5A5A5u; ++p) {
  }
  return (uint32_t)((uintptr_t)&here - (uintptr_t)p);
}

int main(void) {
  uint64_t t0, t1, best = ~(uint64_t)0, total = 0;
  uint32_t i, stack;
  initialise_monitor_handles();
#ifdef EC_SAMPLES
  for (i = 0; i < EC_SAMPLES; ++i) {
    uint32_t b;
    EC_RUN(sample_input + i * EC_IN_SIZE, output, (uint8_t*)arena);
    printf("EC sample_output=");
    for (b = 0; b < sizeof(output); ++b) printf("%02x", ((const uint8_t*)output)[b]);
    printf("\n");
  }
  printf("EC done=1\n");
  return 0;
#endif
#ifdef EC_TRACE
  ec_trace_begin();
  EC_RUN(sample_input, output, (uint8_t*)arena);
  ec_trace_end();
  printf("EC output=");
  for (i = 0; i < sizeof(output); ++i) printf("%02x", ((const uint8_t*)output)[i]);
  printf("\nEC done=1\n");
  return 0;
#endif
  SYST_RVR = RELOAD;
  SYST_CVR = 0;
  SYST_CSR = 7u; /* processor clock, interrupt on wrap, enabled */
  while (SYST_CVR == 0u) {
    /* the counter starts at 0 and loads RELOAD on its first tick */
  }
  t0 = ticks();
  spin(CALIB_ITERS);
  t1 = ticks();
  printf("EC calib_instructions=%lu calib_ticks=%lu\n", (unsigned long)(2u * CALIB_ITERS), (unsigned long)(t1 - t0));
  stack = paint_and_run();
  for (i = 0; i < BENCH_WARMUP + BENCH_RUNS; ++i) {
    t0 = ticks();
    EC_RUN(sample_input, output, (uint8_t*)arena);
    t1 = ticks();
    if (i >= BENCH_WARMUP) {
      total += t1 - t0;
      if (t1 - t0 < best) best = t1 - t0;
      printf("EC run_ticks=%lu\n", (unsigned long)(t1 - t0));
    }
  }
#if defined(EC_PROFILE_LAYERS) && !defined(EC_TRACE)
  for (i = 0; i < EC_MAX_STEPS; ++i) {
    if (step_ticks[i]) printf("EC layer_ticks=%lu:%lu\n", (unsigned long)i, (unsigned long)step_ticks[i]);
  }
#endif
  printf("EC stack_bytes=%lu\n", (unsigned long)stack);
  printf("EC output=");
  for (i = 0; i < sizeof(output); ++i) printf("%02x", ((const uint8_t*)output)[i]);
  printf("\nEC done=1\n");
  (void)total;
  (void)best;
  return 0;
}
