// The device state behind the opaque limitnet_device handle, placed at the start of the
// caller's arena. Internal: firmware includes it only to size a static arena at compile
// time (sizeof(limitnet_device) + the model's activation bytes).
#pragma once
#include <cstddef>
#include <cstdint>

#include "codec/bundle/bundle.h"
#include "codec/enc/packet_encoder.h"
#include "device/int8_network.h"
#include "device/limitnet_device.h"

struct limitnet_device {
  limitnet::BundleView bundle;
  limitnet::Int8Network net;
  limitnet::CodecModel codec;
  limitnet::PacketEncoder encoder;
  uint8_t* work = nullptr;  // activation area, right after this struct in the arena
  size_t work_size = 0;
  const uint8_t* symbols = nullptr;
  const uint8_t* saliency_map = nullptr;
  uint8_t grid[limitnet::kMaxGrid * limitnet::kMaxGrid] = {};
  bool encoded = false;
};

// Arena bytes taken by the state, before the activation area.
constexpr size_t kLimitnetDeviceStateBytes = (sizeof(limitnet_device) + 7) & ~static_cast<size_t>(7);
