/* Cortex-M4F start-up for QEMU mps2-an386: vector table, reset handler, output. The one
 * step the device library depends on: the FPU is enabled before main (and so before
 * limitnet_device_open), since the codec's table setup uses single-precision floats. */
#include <stdint.h>

#include "board.h"

extern uint32_t __data_load__, __data_start__, __data_end__, __bss_start__, __bss_end__, __stack_top__;
int main(void);

static void semihost_call(uint32_t op, const void* arg) {
  register uint32_t r0 __asm__("r0") = op;
  register const void* r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
}

void board_write(const char* text) { semihost_call(0x04, text); /* SYS_WRITE0 */ }

void board_exit(int code) {
  static uint32_t block[2];
  block[0] = 0x20026; /* ADP_Stopped_ApplicationExit */
  block[1] = (uint32_t)code;
  semihost_call(0x20, block); /* SYS_EXIT_EXTENDED */
  for (;;) {
  }
}

void Reset_Handler(void) {
  *(volatile uint32_t*)0xE000ED88 |= 0xFu << 20; /* CPACR: CP10, CP11 full access */
  __asm__ volatile("dsb\n isb");
  const uint32_t* src = &__data_load__;
  for (uint32_t* dst = &__data_start__; dst < &__data_end__;) *dst++ = *src++;
  for (uint32_t* dst = &__bss_start__; dst < &__bss_end__;) *dst++ = 0;
  board_exit(main());
}

static void Fault_Handler(void) {
  board_write("FAULT\n");
  board_exit(3);
}

/* Initial stack pointer, reset, then every exception (the reserved slots included) to the
 * fault handler: the example uses no interrupts. */
__attribute__((section(".vectors"), used)) const void* const vector_table[16] = {
    [0] = &__stack_top__,
    [1] = (const void*)Reset_Handler,
    [2 ... 15] = (const void*)Fault_Handler,
};
