/* LimitNet camera node on QEMU mps2-an386 (Cortex-M4F): encodes one frame with the
 * exported model and hands each packet to the "radio", here a hex line on the semihosting
 * console ("PACKET <index> <hex>"), which `limitnet pack --hex` turns into a .lnp file.
 * Uses only the public header, the exported model and the board's output (board.h). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "limitnet_device.h"
#include "model_data.h"

#define FRAME_BYTES (LIMITNET_MODEL_INPUT_WIDTH * LIMITNET_MODEL_INPUT_HEIGHT * LIMITNET_MODEL_INPUT_CHANNELS)
#define MAX_PAYLOAD 51 /* LoRa EU868 DR0-DR2 */

/* Everything the encoder keeps lives here: sized at compile time from the model. */
static uint8_t arena[LIMITNET_ARENA_BYTES] __attribute__((aligned(8)));
static uint8_t frame[FRAME_BYTES]; /* the camera's frame buffer: HWC, RGB or gray */

#ifdef EXAMPLE_HAVE_FRAME
extern const uint8_t example_frame[FRAME_BYTES];
#endif

/* Stand-in for the camera driver: copies a stored frame, or draws a test pattern. */
static void camera_capture(uint8_t* out) {
#ifdef EXAMPLE_HAVE_FRAME
  memcpy(out, example_frame, FRAME_BYTES);
#else
  for (size_t i = 0; i < FRAME_BYTES; ++i) out[i] = (uint8_t)((i * 7u) % 251u);
#endif
}

static char line[2 * MAX_PAYLOAD + 64];
static size_t line_len;
static void put(const char* s) {
  while (*s && line_len + 2 < sizeof line) line[line_len++] = *s++;
}
static void put_number(uint32_t v) {
  char digits[11];
  int i = 10;
  digits[i] = 0;
  do {
    digits[--i] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v);
  put(digits + i);
}
static void put_hex(const uint8_t* p, size_t n) {
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < n && line_len + 3 < sizeof line; ++i) {
    line[line_len++] = hex[p[i] >> 4];
    line[line_len++] = hex[p[i] & 15];
  }
}
static void end_line(void) {
  line[line_len++] = '\n';
  line[line_len] = 0;
  board_write(line);
  line_len = 0;
}

static int fail(const char* what, int status) {
  put("ERROR ");
  put(what);
  put(" ");
  put(limitnet_device_status_name(status));
  end_line();
  return 1;
}

int main(void) {
  size_t needed = 0;
  int s = limitnet_device_arena_size(limitnet_model_data, limitnet_model_data_size, &needed);
  if (s != LIMITNET_DEVICE_OK) return fail("arena_size", s);
  put("ARENA LIMITNET_ARENA_BYTES=");
  put_number((uint32_t)sizeof arena);
  put(" needed=");
  put_number((uint32_t)needed);
  end_line();

  limitnet_device* dev = NULL;
  s = limitnet_device_open(arena, sizeof arena, limitnet_model_data, limitnet_model_data_size, LIMITNET_MODEL_PRESET,
                           &dev);
  if (s != LIMITNET_DEVICE_OK) return fail("open", s);
  camera_capture(frame);
  s = limitnet_device_encode(dev, frame, LIMITNET_MODEL_INPUT_WIDTH, LIMITNET_MODEL_INPUT_HEIGHT,
                             LIMITNET_MODEL_INPUT_CHANNELS, 0 /* image id */, MAX_PAYLOAD);
  if (s != LIMITNET_DEVICE_OK) return fail("encode", s);
  uint8_t packet[MAX_PAYLOAD];
  size_t size = 0;
  for (uint32_t k = 0;; ++k) {
    s = limitnet_device_next_packet(dev, packet, sizeof packet, &size);
    if (s != LIMITNET_DEVICE_OK) return fail("next_packet", s);
    if (size == 0) break;
    put("PACKET ");
    put_number(k);
    put(" ");
    put_hex(packet, size);
    end_line();
  }
  put("DONE OK");
  end_line();
  return 0;
}
