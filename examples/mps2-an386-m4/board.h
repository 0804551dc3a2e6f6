/* What the example needs from the board (startup.c): text output and exit, through
 * semihosting under QEMU; a UART and a reset on hardware. */
#ifndef EXAMPLE_BOARD_H
#define EXAMPLE_BOARD_H
void board_write(const char* text);
void board_exit(int code) __attribute__((noreturn));
#endif
