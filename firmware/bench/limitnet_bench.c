/* LimitNet firmware benchmark (QEMU mps2-an500 / mps2-an505).
 *
 * For each embedded model (the presets, architecture files and copies with another entropy
 * coder, e.g. cifar32-range; fw_assets) and golden frame: copies the frame into the
 * RAM frame buffer (what a camera's DMA would do; not timed), encodes it with the int8
 * runtime, and prints every packet in hex plus the instructions executed, counted from
 * the CMSDK timer under `qemu -icount shift=0` (1 instruction = 1 ns of virtual time; the
 * ratio instructions/tick is calibrated at start with a loop of known length).
 * Then the camera frames (160x120 RGB565 LE and YUYV, copied into the frame buffer) through
 * limitnet_device_encode_frame, and the plain encode of the model input the adapter makes of
 * them: the difference in instructions is the frame adapter's cost, and both must give the
 * same packets.
 * Output lines: CALIB, PACKET <model> <frame> <index> <hex>, CAMPACKET / CAMREF <model>
 * <format> <index> <hex>, INSN, MEM, CAMINSN, CAMMEM, BADINPUT, DONE. */
#include <stdint.h>
#include <string.h>

#include "device/limitnet_device.h"
#include "fw_assets.h"
#include "semihost.h"

#if defined(__ARM_FEATURE_CMSE) || defined(__ARM_ARCH_8M_MAIN__)
#define TIMER_BASE 0x50000000u /* an505: TIMER0, secure alias (the CPU runs secure) */
#else
#define TIMER_BASE 0x40000000u /* an500: TIMER0 */
#endif

extern uint8_t fw_arena[];
extern const size_t fw_arena_size;
extern const size_t fw_state_bytes;
extern const size_t fw_frame_adapter_state_bytes;

/* The camera frame buffer, in RAM: part of the peak RAM figure. */
static uint8_t fw_frame[FW_MAX_FRAME_BYTES] __attribute__((aligned(4)));

/* ---- output: one line buffer, flushed per line through semihosting ---- */
static char line[2 * 1024 + 128];
static size_t line_len;
static void put(const char* s) {
  while (*s && line_len + 1 < sizeof line) line[line_len++] = *s++;
}
static void put_u64(uint64_t v) {
  char b[24];
  int i = 23;
  b[i] = 0;
  do {
    b[--i] = (char)('0' + (int)(v % 10u));
    v /= 10u;
  } while (v);
  put(b + i);
}
static void put_hex(const uint8_t* p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n && line_len + 3 < sizeof line; ++i) {
    line[line_len++] = digits[p[i] >> 4];
    line[line_len++] = digits[p[i] & 15];
  }
}
static void flush(void) {
  line[line_len++] = '\n';
  line[line_len] = 0;
  semihost_write(line);
  line_len = 0;
}

/* ---- instruction counting ---- */
static volatile uint32_t* const timer = (volatile uint32_t*)TIMER_BASE;
static uint32_t insns_per_tick;
static void timer_start(void) {
  timer[0] = 0;
  timer[2] = 0xFFFFFFFFu; /* RELOAD */
  timer[1] = 0xFFFFFFFFu; /* VALUE */
  timer[0] = 1;           /* enable, no interrupt */
}
static inline uint32_t ticks(void) { return 0xFFFFFFFFu - timer[1]; }
static void calibrate(void) {
  uint32_t n = 1000000; /* subs + bne: 2 instructions per iteration */
  const uint32_t t0 = ticks();
  __asm__ volatile("1: subs %0, #1\n bne 1b" : "+r"(n));
  const uint32_t t1 = ticks();
  insns_per_tick = (2000000u + (t1 - t0) / 2) / (t1 - t0);
  put("CALIB insns_per_tick=");
  put_u64(insns_per_tick);
  flush();
}

static int check(int status, const char* what) {
  if (status != LIMITNET_DEVICE_OK) {
    put("ERROR ");
    put(what);
    put(": ");
    put(limitnet_device_status_name(status));
    flush();
  }
  return status;
}

/* Sends all packets of the encoded image as "<tag> <model> <format> <index> <hex>" lines;
 * returns the ticks spent in next_packet, or -1 on an error. */
static long send_camera_packets(limitnet_device* dev, const char* tag, const struct fw_camera_run* run) {
  uint8_t pkt[FW_PAYLOAD];
  size_t n = 0;
  uint32_t spent = 0;
  for (int k = 0;; ++k) {
    const uint32_t p0 = ticks();
    const int r = limitnet_device_next_packet(dev, pkt, sizeof pkt, &n);
    spent += ticks() - p0;
    if (check(r, "next_packet")) return -1;
    if (n == 0) return (long)spent;
    put(tag);
    put(" ");
    put(run->model);
    put(" ");
    put(run->format_name);
    put(" ");
    put_u64((uint64_t)k);
    put(" ");
    put_hex(pkt, n);
    flush();
  }
}

static const struct fw_model* model_named(const char* name) {
  for (int m = 0; m < FW_MODELS; ++m) {
    if (strcmp(fw_models[m].name, name) == 0) return &fw_models[m];
  }
  return 0;
}

/* Camera frames: encode_frame on the sensor's bytes, then encode on the adapter's output. */
static int run_camera_frames(void) {
  int failures = 0;
  for (int i = 0; i < FW_CAMERA_RUNS; ++i) {
    const struct fw_camera_run* run = &fw_camera_runs[i];
    const struct fw_model* model = model_named(run->model);
    limitnet_device* dev = 0;
    if (!model ||
        check(limitnet_device_open(fw_arena, fw_arena_size, model->bundle, model->bundle_size, model->preset, &dev),
              "open")) {
      ++failures;
      continue;
    }
    const uint8_t id = (uint8_t)(FW_CAMERA_FIRST_IMAGE_ID + i);
    memcpy(fw_frame, run->frame, FW_CAMERA_WIDTH * FW_CAMERA_HEIGHT * 2); /* camera DMA stand-in */
    const limitnet_frame frame = {fw_frame, FW_CAMERA_WIDTH, FW_CAMERA_HEIGHT, FW_CAMERA_WIDTH * 2, run->format};
    const uint32_t t0 = ticks();
    const int s = limitnet_device_encode_frame(dev, &frame, id, FW_PAYLOAD);
    const uint32_t t1 = ticks();
    const long frame_packets = check(s, "encode_frame") ? -1 : send_camera_packets(dev, "CAMPACKET", run);
    memcpy(fw_frame, run->model_input, (size_t)model->size * (size_t)model->size * (size_t)model->channels);
    const uint32_t t2 = ticks();
    const int r = limitnet_device_encode(dev, fw_frame, model->size, model->size, model->channels, id, FW_PAYLOAD);
    const uint32_t t3 = ticks();
    const long input_packets = check(r, "encode") ? -1 : send_camera_packets(dev, "CAMREF", run);
    if (frame_packets < 0 || input_packets < 0) {
      ++failures;
      continue;
    }
    const uint64_t with_frame = (uint64_t)(t1 - t0) * insns_per_tick, plain = (uint64_t)(t3 - t2) * insns_per_tick;
    put("CAMINSN ");
    put(run->model);
    put(" ");
    put(run->format_name);
    put(" encode_frame=");
    put_u64(with_frame);
    put(" encode_model_input=");
    put_u64(plain);
    put(" adapter=");
    put_u64(with_frame > plain ? with_frame - plain : 0);
    put(" packetize=");
    put_u64((uint64_t)frame_packets * insns_per_tick);
    flush();
  }
  /* A frame lower than paper224's 224x224 input is refused by name. */
  limitnet_device* dev = 0;
  const struct fw_model* paper = model_named("paper224");
  if (paper &&
      !check(limitnet_device_open(fw_arena, fw_arena_size, paper->bundle, paper->bundle_size, 0, &dev), "open")) {
    const limitnet_frame small = {fw_frame, FW_CAMERA_WIDTH, FW_CAMERA_HEIGHT, FW_CAMERA_WIDTH * 2,
                                  LIMITNET_PIXEL_RGB565_LE};
    put("BADINPUT camera_frame=");
    put(limitnet_device_status_name(limitnet_device_encode_frame(dev, &small, 0, FW_PAYLOAD)));
    flush();
  }
  put("CAMMEM adapter_state=");
  put_u64(fw_frame_adapter_state_bytes);
  flush();
  return failures;
}

int main(void) {
  timer_start();
  calibrate();
  put("TARGET " LIMITNET_FW_CPU_NAME " " LIMITNET_FW_BOARD " kernels=");
  put(limitnet_device_uses_dsp() ? "dsp" : "c");
  flush();
  int failures = 0;
  for (int m = 0; m < FW_MODELS; ++m) {
    const struct fw_model* model = &fw_models[m];
    size_t need = 0;
    limitnet_device* dev = 0;
    if (check(limitnet_device_arena_size(model->bundle, model->bundle_size, &need), "arena_size") ||
        check(limitnet_device_open(fw_arena, fw_arena_size, model->bundle, model->bundle_size, model->preset, &dev),
              "open")) {
      ++failures;
      continue;
    }
    const size_t frame_bytes = (size_t)model->size * (size_t)model->size * (size_t)model->channels;
    for (int f = 0; f < FW_FRAMES_PER_MODEL; ++f) {
      memcpy(fw_frame, model->frames[f], frame_bytes); /* camera DMA stand-in */
      const uint32_t t0 = ticks();
      const int s =
          limitnet_device_encode(dev, fw_frame, model->size, model->size, model->channels, (uint8_t)f, FW_PAYLOAD);
      const uint32_t t1 = ticks();
      if (check(s, "encode")) {
        ++failures;
        continue;
      }
      uint32_t packet_ticks = 0, bytes = 0;
      uint8_t pkt[FW_PAYLOAD];
      size_t n = 0;
      for (int k = 0;; ++k) {
        const uint32_t p0 = ticks();
        const int r = limitnet_device_next_packet(dev, pkt, sizeof pkt, &n);
        packet_ticks += ticks() - p0;
        if (check(r, "next_packet")) {
          ++failures;
          break;
        }
        if (n == 0) break;
        bytes += (uint32_t)n;
        put("PACKET ");
        put(model->name);
        put(" ");
        put_u64((uint64_t)f);
        put(" ");
        put_u64((uint64_t)k);
        put(" ");
        put_hex(pkt, n);
        flush();
      }
      const uint64_t enc = (uint64_t)(t1 - t0) * insns_per_tick, pk = (uint64_t)packet_ticks * insns_per_tick;
      const uint64_t macs = (uint64_t)limitnet_device_macs(dev);
      put("INSN ");
      put(model->name);
      put(" frame=");
      put_u64((uint64_t)f);
      put(" network+grid+order=");
      put_u64(enc);
      put(" packetize=");
      put_u64(pk);
      put(" total=");
      put_u64(enc + pk);
      put(" macs=");
      put_u64(macs);
      put(" insn_per_mac_milli=");
      put_u64((enc + pk) * 1000u / (macs ? macs : 1));
      put(" bytes=");
      put_u64(bytes);
      flush();
    }
    put("MEM ");
    put(model->name);
    put(" arena_needed=");
    put_u64(need);
    put(" frame=");
    put_u64(frame_bytes);
    flush();
  }
  failures += run_camera_frames();
  /* Bad input on target: a bundle for another preset is refused by name. */
  limitnet_device* dev = 0;
  put("BADINPUT preset_check=");
  put(limitnet_device_status_name(
      limitnet_device_open(fw_arena, fw_arena_size, fw_models[1].bundle, fw_models[1].bundle_size, "paper224", &dev)));
  flush();
  put("MEM arena_static=");
  put_u64(fw_arena_size);
  put(" state=");
  put_u64(fw_state_bytes);
  put(" frame_buffer=");
  put_u64(sizeof fw_frame);
  put(" stack_peak=");
  put_u64(stack_high_water_bytes());
  flush();
  put(failures ? "DONE FAIL" : "DONE OK");
  flush();
  return failures ? 1 : 0;
}
