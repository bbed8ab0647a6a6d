/* Minimal Cortex-M startup for bare-metal runs under QEMU (vector table, .data/.bss init, FPU on).
 * SysTick counts wraps so the benchmark can time runs longer than its 24-bit counter. */
#include <stdint.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern int main(void);
extern void exit(int);

volatile uint32_t ec_systick_wraps;

void Reset_Handler(void);
void Default_Handler(void);
void SysTick_Handler(void);

void Default_Handler(void) {
  for (;;) {
  }
}

void SysTick_Handler(void) { ++ec_systick_wraps; }

__attribute__((section(".isr_vector"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))(&_estack), Reset_Handler, Default_Handler, Default_Handler, Default_Handler,
    Default_Handler, Default_Handler, 0, 0, 0, 0, Default_Handler, Default_Handler, 0, Default_Handler,
    SysTick_Handler};

void Reset_Handler(void) {
  uint32_t *src = &_sidata, *dst = &_sdata;
  while (dst < &_edata) *dst++ = *src++;
  for (dst = &_sbss; dst < &_ebss;) *dst++ = 0;
#if defined(__ARM_FP)
  *(volatile uint32_t*)0xE000ED88u |= (0xFu << 20); /* CPACR: full access to CP10/CP11 (the FPU) */
  __asm volatile("dsb\n isb");
#endif
  exit(main());
}
