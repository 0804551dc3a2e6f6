/* Opens the exported model in a static arena of LIMITNET_ARENA_BYTES and encodes a test
 * pattern. Prints "arena A needed N packets K"; exit 0 when A == N and packets came out. */
#include <stdio.h>

#include "limitnet_device.h"
#include "model_data.h"

#define FRAME_BYTES (LIMITNET_MODEL_INPUT_WIDTH * LIMITNET_MODEL_INPUT_HEIGHT * LIMITNET_MODEL_INPUT_CHANNELS)

static _Alignas(8) unsigned char arena[LIMITNET_ARENA_BYTES];
static unsigned char frame[FRAME_BYTES];

int main(void) {
  size_t needed = 0;
  int s = limitnet_device_arena_size(limitnet_model_data, limitnet_model_data_size, &needed);
  limitnet_device* dev = 0;
  if (s == LIMITNET_DEVICE_OK) {
    s = limitnet_device_open(arena, sizeof arena, limitnet_model_data, limitnet_model_data_size, LIMITNET_MODEL_PRESET,
                             &dev);
  }
  for (size_t i = 0; i < FRAME_BYTES; ++i) frame[i] = (unsigned char)(i * 7 % 251);
  if (s == LIMITNET_DEVICE_OK) {
    s = limitnet_device_encode(dev, frame, LIMITNET_MODEL_INPUT_WIDTH, LIMITNET_MODEL_INPUT_HEIGHT,
                               LIMITNET_MODEL_INPUT_CHANNELS, 1, 51);
  }
  unsigned char packet[51];
  size_t size = 0, packets = 0;
  while (s == LIMITNET_DEVICE_OK && (s = limitnet_device_next_packet(dev, packet, sizeof packet, &size)) == 0 && size)
    ++packets;
  if (s != LIMITNET_DEVICE_OK) {
    printf("device: %s\n", limitnet_device_status_name(s));
    return 1;
  }
  printf("arena %zu needed %zu packets %zu\n", sizeof arena, needed, packets);
  return sizeof arena == needed && packets > 0 ? 0 : 1;
}
