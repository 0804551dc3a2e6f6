/* LimitNet device API: the firmware's entry point to the int8 encoder.
 *
 * A camera frame (uint8 RGB or gray, HWC, the model's input size; or a sensor's frame in
 * RGB565, YUYV, ... of any size through limitnet_device_encode_frame) goes in; LimitNet
 * packets, most important first, come out. Everything lives in one caller-provided arena
 * (size it with limitnet_device_arena_size, or statically with LIMITNET_ARENA_BYTES from the
 * model header that `limitnet model export --device` writes); the library
 * allocates nothing, throws nothing and uses no float while encoding.
 *
 *   static uint8_t arena[LIMITNET_ARENA_BYTES] __attribute__((aligned(8)));
 *   limitnet_device* dev;
 *   int s = limitnet_device_open(arena, sizeof arena, bundle, bundle_size, "paper224", &dev);
 *   s = limitnet_device_encode(dev, frame, 224, 224, 3, image_id, 51);
 *   uint8_t pkt[51]; size_t n;
 *   while ((s = limitnet_device_next_packet(dev, pkt, sizeof pkt, &n)) == 0 && n > 0) radio_send(pkt, n);
 *
 * Every function returns a limitnet_device_status; limitnet_device_status_name() gives
 * its stable name (e.g. "arena_too_small"). On error nothing outside the given buffers is
 * written and the device stays usable (an encode error leaves no packets to send). */
#ifndef LIMITNET_DEVICE_H
#define LIMITNET_DEVICE_H

#include <stddef.h>
#include <stdint.h>

/* ---- Build capacities and the link-time guard ----
 * The codec's static tables, and so the device state in the arena, are sized by
 * LIMITNET_MAX_CHANNELS, LIMITNET_MAX_LATENT_SIDE, LIMITNET_MAX_GRID and
 * LIMITNET_MAX_LATENT_BITS: plain decimal numbers given with -D to every file that includes
 * this header and to the library (the CMake package limitnet_device does both). Defaults
 * as codec/config.h. limitnet_device_open's link name carries the four values (e.g.
 * limitnet_device_open_c12_s28_g8_b6), so a file built with other values than the library
 * fails to link instead of opening a state of another size. */
#ifdef LIMITNET_MAX_CHANNELS
#define LIMITNET_DEVICE_MAX_CHANNELS LIMITNET_MAX_CHANNELS
#else
#define LIMITNET_DEVICE_MAX_CHANNELS 64
#endif
#ifdef LIMITNET_MAX_LATENT_SIDE
#define LIMITNET_DEVICE_MAX_LATENT_SIDE LIMITNET_MAX_LATENT_SIDE
#else
#define LIMITNET_DEVICE_MAX_LATENT_SIDE 64
#endif
#ifdef LIMITNET_MAX_GRID
#define LIMITNET_DEVICE_MAX_GRID LIMITNET_MAX_GRID
#else
#define LIMITNET_DEVICE_MAX_GRID 16
#endif
#ifdef LIMITNET_MAX_LATENT_BITS
#define LIMITNET_DEVICE_MAX_LATENT_BITS LIMITNET_MAX_LATENT_BITS
#else
#define LIMITNET_DEVICE_MAX_LATENT_BITS 8
#endif
#define LIMITNET_DEVICE_LINK_NAME_(f, c, s, g, b) f##_c##c##_s##s##_g##g##_b##b
#define LIMITNET_DEVICE_LINK_NAME(f, c, s, g, b) LIMITNET_DEVICE_LINK_NAME_(f, c, s, g, b)
#define limitnet_device_open                                                                                     \
  LIMITNET_DEVICE_LINK_NAME(limitnet_device_open, LIMITNET_DEVICE_MAX_CHANNELS, LIMITNET_DEVICE_MAX_LATENT_SIDE, \
                            LIMITNET_DEVICE_MAX_GRID, LIMITNET_DEVICE_MAX_LATENT_BITS)
/* ---- end of the capacity block ---- */

#ifdef __cplusplus
extern "C" {
#endif

typedef enum limitnet_device_status {
  LIMITNET_DEVICE_OK = 0,
  LIMITNET_DEVICE_BAD_ARGUMENT = 1,        /* null pointer, misaligned arena (needs 8 bytes) */
  LIMITNET_DEVICE_BAD_BUNDLE = 2,          /* not a model bundle, corrupted (CRC) or inconsistent */
  LIMITNET_DEVICE_UNSUPPORTED_VERSION = 3, /* bundle or int8 format version this build does not read */
  LIMITNET_DEVICE_NO_INT8_MODEL = 4,       /* bundle has no int8.* sections (run post-training quantization) */
  LIMITNET_DEVICE_PRESET_MISMATCH = 5,     /* bundle is for another preset than the firmware expects */
  LIMITNET_DEVICE_CAPACITY = 6,            /* model exceeds this build's LIMITNET_MAX_* limits */
  LIMITNET_DEVICE_ARENA_TOO_SMALL = 7,     /* arena smaller than limitnet_device_arena_size() */
  LIMITNET_DEVICE_FRAME_SIZE = 8,          /* frame width, height or channels differ from the model's input */
  LIMITNET_DEVICE_PAYLOAD_SIZE = 9,        /* max_payload outside 12..1024 bytes or too small for a header */
  LIMITNET_DEVICE_NOT_ENCODED = 10,        /* next_packet before a successful encode */
  LIMITNET_DEVICE_BUFFER_TOO_SMALL = 11,   /* packet buffer smaller than max_payload */
  LIMITNET_DEVICE_PIXEL_FORMAT = 12,       /* camera frame: unknown limitnet_pixel_format */
  LIMITNET_DEVICE_FRAME_TOO_SMALL = 13,    /* camera frame narrower or lower than the model's input */
  LIMITNET_DEVICE_FRAME_STRIDE = 14        /* camera frame: stride_bytes shorter than one row of pixels */
} limitnet_device_status;

typedef struct limitnet_device limitnet_device;

/* Stable lower-case name of a status, "unknown" for other values. */
const char* limitnet_device_status_name(int status);

/* Arena bytes needed for this bundle (device state, codec tables, activation rings). */
int limitnet_device_arena_size(const void* bundle, size_t bundle_size, size_t* bytes);

/* Binds a model bundle (which must stay in memory, 4-byte aligned, e.g. in Flash) and
 * prepares the device state in `arena` (8-byte aligned). expected_preset: preset name the
 * firmware was built for, or NULL to accept any. */
int limitnet_device_open(void* arena, size_t arena_size, const void* bundle, size_t bundle_size,
                         const char* expected_preset, limitnet_device** device);

/* Runs the int8 encoder and saliency branch on one frame (width x height x channels
 * bytes, HWC) and prepares its packets of at most max_payload bytes. */
int limitnet_device_encode(limitnet_device* device, const uint8_t* frame, int width, int height, int channels,
                           uint8_t image_id, size_t max_payload);

/* Writes the next packet; *size is 0 once all packets of the image have been sent. */
int limitnet_device_next_packet(limitnet_device* device, uint8_t* out, size_t capacity, size_t* size);

/* Introspection for benchmarks and tests. */
long long limitnet_device_macs(const limitnet_device* device);              /* per image */
const uint8_t* limitnet_device_symbols(const limitnet_device* device);      /* L*K*K latent symbols, CHW */
const uint8_t* limitnet_device_saliency_map(const limitnet_device* device); /* K*K, 0..255 */
int limitnet_device_uses_dsp(void);                                         /* 1 if built with SMLAD kernels */

/* ---- Camera frames: the sensor's buffer as it is (docs/DEVICE.md, "Camera frames") ----
 *
 *   limitnet_frame f = {dma_buffer, 160, 120, 160 * 2, LIMITNET_PIXEL_RGB565_LE};
 *   s = limitnet_device_encode_frame(dev, &f, image_id, 51);
 *
 * The largest centred region with the model's aspect ratio is cropped (the odd pixel
 * left over goes on the right/bottom), converted to the model's channels and reduced to
 * its input size by an integer area (box) filter, band by band straight into the first
 * layer: no second frame buffer, only a few model-input rows and two accumulator rows in
 * the arena (counted by limitnet_device_arena_size). Integer arithmetic throughout, so
 * `limitnet encode --frame` on a host gives the same packets byte for byte. */
typedef enum limitnet_pixel_format {
  LIMITNET_PIXEL_GRAY8 = 1,     /* 1 byte per pixel */
  LIMITNET_PIXEL_RGB888 = 2,    /* 3 bytes per pixel: R, G, B */
  LIMITNET_PIXEL_RGB565_LE = 3, /* 2 bytes per pixel, little-endian 16-bit word rrrrrggg gggbbbbb */
  LIMITNET_PIXEL_RGB565_BE = 4, /* the same word, big-endian (high byte first) */
  LIMITNET_PIXEL_YUYV = 5       /* YUV 4:2:2, Y0 U Y1 V per pixel pair (full-range BT.601); even width */
} limitnet_pixel_format;

typedef struct limitnet_frame {
  const uint8_t* pixels; /* first byte of the top row */
  int width, height;     /* at least the model's input size, at most 4096 */
  size_t stride_bytes;   /* bytes from one row to the next, at least width * bytes per pixel */
  int format;            /* a limitnet_pixel_format */
} limitnet_frame;

/* Like limitnet_device_encode, from a camera frame of any supported format and size. */
int limitnet_device_encode_frame(limitnet_device* device, const limitnet_frame* frame, uint8_t image_id,
                                 size_t max_payload);

#ifdef __cplusplus
}
#endif
#endif /* LIMITNET_DEVICE_H */
