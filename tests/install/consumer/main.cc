// consumer MODEL.lnm SIDE CHANNELS: encodes a synthetic frame with the device C API (the firmware's side)
// and decodes every packet with the host codec (the receiver's side), both from the installed
// package. Prints "packets N values V of L" and exits 0 when every value the device sends arrived.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <vector>

#include "codec/dec/progressive_decoder.h"
#include "codec/host/model_file.h"
#include "device/limitnet_device.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: consumer MODEL.lnm SIDE CHANNELS (the model's input)\n");
    return 2;
  }
  try {
    const limitnet::ModelFile model = limitnet::open_model_file(argv[1]);
    const limitnet::CodecConfig& cfg = model.codec->config;
    size_t arena_bytes = 0;
    int s = limitnet_device_arena_size(model.bundle.bytes(), model.bundle.size, &arena_bytes);
    std::vector<uint64_t> arena((arena_bytes + 7) / 8);
    limitnet_device* device = nullptr;
    if (s == LIMITNET_DEVICE_OK) {
      s = limitnet_device_open(arena.data(), arena.size() * 8, model.bundle.bytes(), model.bundle.size, nullptr,
                               &device);
    }
    const int side = std::atoi(argv[2]), channels = std::atoi(argv[3]);
    std::vector<uint8_t> frame(static_cast<size_t>(side * side * channels));
    for (size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<uint8_t>((i * 7) % 251);
    if (s == LIMITNET_DEVICE_OK) s = limitnet_device_encode(device, frame.data(), side, side, channels, 7, 51);
    if (s != LIMITNET_DEVICE_OK) {
      std::fprintf(stderr, "consumer: device: %s\n", limitnet_device_status_name(s));
      return 1;
    }
    limitnet::ProgressiveDecoder decoder(model.codec.get());
    uint8_t packet[51];
    size_t size = 0, packets = 0;
    while ((s = limitnet_device_next_packet(device, packet, sizeof packet, &size)) == LIMITNET_DEVICE_OK && size > 0) {
      if (decoder.add_packet(packet, size) != limitnet::Status::kOk) {
        std::fprintf(stderr, "consumer: the receiver rejected packet %zu\n", packets);
        return 1;
      }
      ++packets;
    }
    const limitnet::ImageDecoder* image = decoder.image(7);
    const unsigned values = image ? image->values_received() : 0;
    // A model with coarse channels sends fewer values than its latent holds (docs/FORMAT.md).
    std::printf("packets %zu values %u of %u\n", packets, values, cfg.sent_elements());
    return values == cfg.sent_elements() ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consumer: %s\n", e.what());
    return 1;
  }
}
