/* Baseline JPEG (libjpeg-turbo's C code, quality 50) on the Cortex-M builds, for the
 * instruction comparison with LimitNet. Built only by scripts/jpeg_m7_bench.sh, which
 * fetches Debian's libjpeg-turbo source at bench time (never committed here).
 * Encodes golden frame 0 of paper224 (the same 224x224 image the LimitNet benchmark
 * encodes) into memory and prints the instructions executed (timer under -icount). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw_assets.h"
#include "jpeglib.h"
#include "semihost.h"

#if defined(__ARM_ARCH_8M_MAIN__)
#define TIMER_BASE 0x50000000u
#else
#define TIMER_BASE 0x40000000u
#endif

/* A static heap for libjpeg's allocations (newlib-nano malloc calls _sbrk). */
static uint8_t heap[512 * 1024] __attribute__((aligned(8)));
static size_t heap_used;
void* _sbrk(ptrdiff_t incr) {
  if (heap_used + (size_t)incr > sizeof heap) return (void*)-1;
  void* p = heap + heap_used;
  heap_used += (size_t)incr;
  return p;
}

static volatile uint32_t* const timer = (volatile uint32_t*)TIMER_BASE;
static inline uint32_t ticks(void) { return 0xFFFFFFFFu - timer[1]; }

static void put_u(const char* label, uint32_t v) {
  char b[16];
  int i = 15;
  b[i] = 0;
  do {
    b[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  semihost_write(label);
  semihost_write(b + i);
}

int main(void) {
  timer[0] = 0;
  timer[2] = 0xFFFFFFFFu;
  timer[1] = 0xFFFFFFFFu;
  timer[0] = 1;
  uint32_t n = 1000000;
  uint32_t t0 = ticks();
  __asm__ volatile("1: subs %0, #1\n bne 1b" : "+r"(n));
  const uint32_t per_tick = 2000000u / (ticks() - t0);

  const struct fw_model* m = &fw_models[0]; /* paper224 */
  const uint8_t* frame = m->frames[0];
  unsigned char* out = 0;
  unsigned long size = 0;
  t0 = ticks();
  struct jpeg_compress_struct c;
  struct jpeg_error_mgr err;
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  jpeg_mem_dest(&c, &out, &size);
  c.image_width = (JDIMENSION)m->size;
  c.image_height = (JDIMENSION)m->size;
  c.input_components = 3;
  c.in_color_space = JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, 50, TRUE);
  jpeg_start_compress(&c, TRUE);
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = (JSAMPROW)(frame + (size_t)c.next_scanline * (size_t)m->size * 3u);
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  const uint32_t t1 = ticks();
  put_u("JPEG q50 224x224 insns=", (t1 - t0) * per_tick);
  put_u(" bytes=", (uint32_t)size);
  put_u(" heap=", (uint32_t)heap_used);
  semihost_write("\nDONE OK\n");
  return 0;
}
