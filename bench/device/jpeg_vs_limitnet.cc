// One 224x224 RGB image, two encoders: LimitNet's int8 device encoder (C API, portable C
// kernels on x86) with the paper224 preset, and libjpeg at quality 50 (baseline, as the
// paper's MCU JPEG). Each encoder runs inside its own noinline function so that
// `valgrind --tool=callgrind --toggle-collect=<function>` counts exactly one of them
// (run_jpeg_compare.sh does both and prints the ratio).
//   bench_device_jpeg limitnet|jpeg [bundle]   (random-weight paper224 model by default)
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <jpeglib.h>

#include "codec/host/bundle_file.h"
#include "device/limitnet_device.h"
#include "model/calibrate.h"
#include "model/ptq.h"

namespace {

constexpr int kSize = 224;

// Packets of one image, 51-byte LoRa payloads. Returns bytes sent.
extern "C" __attribute__((noinline)) size_t limitnet_encode_image(limitnet_device* dev, const uint8_t* frame) {
  if (limitnet_device_encode(dev, frame, kSize, kSize, 3, 0, 51) != LIMITNET_DEVICE_OK) return 0;
  uint8_t pkt[51];
  size_t n = 0, total = 0;
  while (limitnet_device_next_packet(dev, pkt, sizeof pkt, &n) == LIMITNET_DEVICE_OK && n > 0) total += n;
  return total;
}

// Baseline JPEG at quality 50 into memory. Returns bytes.
extern "C" __attribute__((noinline)) size_t jpeg_encode_image(const uint8_t* frame, unsigned char** out,
                                                              unsigned long* size) {
  jpeg_compress_struct c;
  jpeg_error_mgr err;
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  jpeg_mem_dest(&c, out, size);
  c.image_width = kSize;
  c.image_height = kSize;
  c.input_components = 3;
  c.in_color_space = JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, 50, TRUE);
  jpeg_start_compress(&c, TRUE);
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(frame + static_cast<size_t>(c.next_scanline) * kSize * 3);
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  return *size;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string which = argc > 1 ? argv[1] : "limitnet";
  const std::vector<uint8_t> frame = limitnet::synthetic_frame(kSize, 3, 7);  // golden frame 0
  if (which == "jpeg") {
    unsigned char* out = nullptr;
    unsigned long size = 0;
    const size_t bytes = jpeg_encode_image(frame.data(), &out, &size);
    std::printf("jpeg q50: %zu bytes (JSIMD_FORCENONE=%s)\n", bytes,
                std::getenv("JSIMD_FORCENONE") ? std::getenv("JSIMD_FORCENONE") : "unset");
    std::free(out);
    return bytes > 0 ? 0 : 1;
  }
  std::vector<uint8_t> bundle;
  if (argc > 2) {
    limitnet::LoadedBundle b = limitnet::load_bundle(argv[2]);
    bundle = limitnet::device_flash_bundle(b.view);
  } else {
    const std::vector<uint8_t> full = limitnet::random_int8_bundle("paper224", 1, 4);
    std::vector<uint32_t> a((full.size() + 3) / 4);
    std::memcpy(a.data(), full.data(), full.size());
    limitnet::BundleView view;
    view.parse(reinterpret_cast<const uint8_t*>(a.data()), full.size());
    bundle = limitnet::device_flash_bundle(view);
  }
  std::vector<uint32_t> aligned((bundle.size() + 3) / 4);
  std::memcpy(aligned.data(), bundle.data(), bundle.size());
  size_t need = 0;
  int r = limitnet_device_arena_size(aligned.data(), bundle.size(), &need);
  std::vector<uint64_t> arena(need / 8 + 1);
  limitnet_device* dev = nullptr;
  if (r == LIMITNET_DEVICE_OK)
    r = limitnet_device_open(arena.data(), need, aligned.data(), bundle.size(), "paper224", &dev);
  if (r != LIMITNET_DEVICE_OK) {
    std::fprintf(stderr, "limitnet: %s\n", limitnet_device_status_name(r));
    return 1;
  }
  const size_t bytes = limitnet_encode_image(dev, frame.data());
  std::printf("limitnet paper224: %zu bytes in 51-byte packets, %lld MACs, kernels=%s\n", bytes,
              limitnet_device_macs(dev), limitnet_device_uses_dsp() ? "dsp" : "c");
  return bytes > 0 ? 0 : 1;
}
