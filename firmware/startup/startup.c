/* Minimal Cortex-M startup for QEMU's MPS2 boards: vector table, reset handler that
 * copies .data and zeroes .bss, a fault handler that reports and exits, and the
 * semihosting calls the benchmark uses for output (no printf, no newlib stdio). */
#include <stdint.h>
#include <string.h>

#include "semihost.h"

extern uint32_t __data_load__, __data_start__, __data_end__, __bss_start__, __bss_end__, __stack_top__;
extern uint32_t __stack_limit__;
int main(void);

void semihost_write(const char* s) {
  register uint32_t r0 __asm__("r0") = 0x04; /* SYS_WRITE0 */
  register const char* r1 __asm__("r1") = s;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
}

void semihost_exit(int code) {
  /* SYS_EXIT_EXTENDED with ADP_Stopped_ApplicationExit and the exit code. */
  static uint32_t block[2];
  block[0] = 0x20026;
  block[1] = (uint32_t)code;
  register uint32_t r0 __asm__("r0") = 0x20;
  register uint32_t* r1 __asm__("r1") = block;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  for (;;) {
  }
}

/* Stack painting: fill the unused stack with a pattern so the benchmark can measure the
 * high-water mark afterwards. Runs before main on the (still empty) stack. */
#define STACK_PAINT 0xDEADBEEFu
static void paint_stack(void) {
  uint32_t* p = &__stack_limit__;
  uint32_t* sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  while (p < sp - 16) *p++ = STACK_PAINT;
}

uint32_t stack_high_water_bytes(void) {
  const uint32_t* p = &__stack_limit__;
  while (p < &__stack_top__ && *p == STACK_PAINT) ++p;
  return (uint32_t)((uintptr_t)&__stack_top__ - (uintptr_t)p);
}

void Reset_Handler(void) {
#if defined(__ARM_FP)
  /* Enable the FPU (CPACR CP10/CP11 full access): the codec's table setup uses floats. */
  *(volatile uint32_t*)0xE000ED88 |= (0xFu << 20);
  __asm__ volatile("dsb\n isb");
#endif
  uint32_t* src = &__data_load__;
  for (uint32_t* dst = &__data_start__; dst < &__data_end__;) *dst++ = *src++;
  for (uint32_t* dst = &__bss_start__; dst < &__bss_end__;) *dst++ = 0;
  paint_stack();
  semihost_exit(main());
}

static void Fault_Handler(void) {
  semihost_write("FAULT\n");
  semihost_exit(3);
}

/* newlib's init/fini hooks (no C++ static constructors in this firmware). */
void _init(void) {}
void _fini(void) {}

__attribute__((section(".vectors"), used)) const void* const vector_table[16] = {
    &__stack_top__,
    (const void*)Reset_Handler,
    (const void*)Fault_Handler,
    (const void*)Fault_Handler,
    (const void*)Fault_Handler,
    (const void*)Fault_Handler,
    (const void*)Fault_Handler,
    0,
    0,
    0,
    0,
    (const void*)Fault_Handler,
    (const void*)Fault_Handler,
    0,
    (const void*)Fault_Handler,
    (const void*)Fault_Handler,
};
