/* Semihosting output and exit, plus the stack high-water mark (startup.c). */
#ifndef LIMITNET_FW_SEMIHOST_H
#define LIMITNET_FW_SEMIHOST_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
void semihost_write(const char* s);
void semihost_exit(int code) __attribute__((noreturn));
uint32_t stack_high_water_bytes(void);
#ifdef __cplusplus
}
#endif
#endif
