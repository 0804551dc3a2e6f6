// C API of the int8 device runtime: binds bundle, codec tables and packet encoder, all
// placed in the caller's arena.
#include "device/limitnet_device.h"

#include <cstring>
#include <new>

#include "codec/bundle/bundle.h"
#include "codec/enc/packet_encoder.h"
#include "codec/saliency.h"
#include "device/int8_kernels.h"
#include "device/int8_network.h"
#include "device/device_state.h"
#include "device/frame_adapter.h"
#include "device/state_layout.h"

using limitnet::Status;

namespace {

constexpr size_t kHeaderBytes = kLimitnetDeviceStateBytes;

// The public header's capacity defaults (they name limitnet_device_open at link time) must
// be codec/config.h's, and the layout mirror the real struct (`model export` relies on it).
static_assert(LIMITNET_DEVICE_MAX_CHANNELS == limitnet::kMaxChannels &&
                  LIMITNET_DEVICE_MAX_LATENT_SIDE == limitnet::kMaxLatentSide &&
                  LIMITNET_DEVICE_MAX_GRID == limitnet::kMaxGrid &&
                  LIMITNET_DEVICE_MAX_LATENT_BITS == limitnet::kMaxLatentBits,
              "limitnet_device.h's LIMITNET_MAX_* defaults differ from codec/config.h's");
static_assert(sizeof(void*) == sizeof(size_t) && alignof(uint64_t) == 8, "state_layout.h assumes these");
static_assert(limitnet::state_layout::bundle_view(sizeof(void*)) == sizeof(limitnet::BundleView) &&
                  limitnet::state_layout::int8_network(sizeof(void*)) == sizeof(limitnet::Int8Network) &&
                  limitnet::state_layout::codec_model({}) == sizeof(limitnet::CodecModel) &&
                  limitnet::state_layout::packet_encoder({}, sizeof(void*)) == sizeof(limitnet::PacketEncoder),
              "state_layout.h no longer mirrors a member of the device state: update it");
static_assert(limitnet::device_state_bytes({}, sizeof(void*)) == kLimitnetDeviceStateBytes,
              "state_layout.h no longer mirrors struct limitnet_device: update it");

int from_status(Status s) {
  switch (s) {
    case Status::kOk:
      return LIMITNET_DEVICE_OK;
    case Status::kUnsupportedVersion:
      return LIMITNET_DEVICE_UNSUPPORTED_VERSION;
    case Status::kUnsupported:
      return LIMITNET_DEVICE_NO_INT8_MODEL;
    case Status::kCapacity:
      return LIMITNET_DEVICE_CAPACITY;
    case Status::kBufferTooSmall:
      return LIMITNET_DEVICE_ARENA_TOO_SMALL;
    case Status::kInvalidArgument:
      return LIMITNET_DEVICE_BAD_ARGUMENT;
    default:
      return LIMITNET_DEVICE_BAD_BUNDLE;
  }
}

// Parses the bundle and checks it against this build's capacity limits.
int check_bundle(const void* bundle, size_t size, limitnet::BundleView* view, limitnet::CodecConfig* cfg) {
  if (bundle == nullptr) return LIMITNET_DEVICE_BAD_ARGUMENT;
  if (reinterpret_cast<uintptr_t>(bundle) % 4 != 0) return LIMITNET_DEVICE_BAD_ARGUMENT;
  const Status s = view->parse(static_cast<const uint8_t*>(bundle), size);
  if (s == Status::kUnsupportedVersion) return LIMITNET_DEVICE_UNSUPPORTED_VERSION;
  if (s != Status::kOk) return LIMITNET_DEVICE_BAD_BUNDLE;
  const Status c = limitnet::read_codec_config(*view, cfg);
  if (c == Status::kCapacity) return LIMITNET_DEVICE_CAPACITY;
  if (c != Status::kOk) return LIMITNET_DEVICE_BAD_BUNDLE;
  if (cfg->latent_channels > limitnet::kMaxChannels || cfg->latent_side > limitnet::kMaxLatentSide ||
      cfg->saliency_grid > limitnet::kMaxGrid || cfg->latent_bits > limitnet::kMaxLatentBits) {
    return LIMITNET_DEVICE_CAPACITY;
  }
  return LIMITNET_DEVICE_OK;
}

size_t align8(size_t n) { return (n + 7) & ~static_cast<size_t>(7); }

// The camera frame adapter's part of the arena, after the network's: its state, a ring of
// the first layer's kernel rows of model input and two accumulator rows.
int frame_ring_rows(const limitnet::Int8Network& net) {
  const int k = net.layer(0).kernel;
  return k < net.input_size() ? k : net.input_size();
}
size_t frame_adapter_bytes(const limitnet::Int8Network& net) {
  return limitnet::frame_adapter_arena_bytes(net.input_size(), net.input_channels(), net.layer(0).kernel,
                                             sizeof(void*));
}

// Grid, order and packets for the symbols and saliency map the network just made.
int finish_encode(limitnet_device* dev, uint8_t image_id, size_t max_payload) {
  Status s = limitnet::saliency_map_to_grid(dev->codec.config, dev->saliency_map, dev->grid);
  if (s != Status::kOk) return LIMITNET_DEVICE_BAD_BUNDLE;
  s = dev->encoder.begin(&dev->codec, dev->symbols, dev->grid, image_id, max_payload);
  if (s != Status::kOk) return LIMITNET_DEVICE_PAYLOAD_SIZE;
  dev->encoded = true;
  return LIMITNET_DEVICE_OK;
}

}  // namespace

extern "C" {

const char* limitnet_device_status_name(int status) {
  switch (status) {
    case LIMITNET_DEVICE_OK:
      return "ok";
    case LIMITNET_DEVICE_BAD_ARGUMENT:
      return "bad_argument";
    case LIMITNET_DEVICE_BAD_BUNDLE:
      return "bad_bundle";
    case LIMITNET_DEVICE_UNSUPPORTED_VERSION:
      return "unsupported_version";
    case LIMITNET_DEVICE_NO_INT8_MODEL:
      return "no_int8_model";
    case LIMITNET_DEVICE_PRESET_MISMATCH:
      return "preset_mismatch";
    case LIMITNET_DEVICE_CAPACITY:
      return "capacity";
    case LIMITNET_DEVICE_ARENA_TOO_SMALL:
      return "arena_too_small";
    case LIMITNET_DEVICE_FRAME_SIZE:
      return "frame_size";
    case LIMITNET_DEVICE_PAYLOAD_SIZE:
      return "payload_size";
    case LIMITNET_DEVICE_NOT_ENCODED:
      return "not_encoded";
    case LIMITNET_DEVICE_BUFFER_TOO_SMALL:
      return "buffer_too_small";
    case LIMITNET_DEVICE_PIXEL_FORMAT:
      return "pixel_format";
    case LIMITNET_DEVICE_FRAME_TOO_SMALL:
      return "frame_too_small";
    case LIMITNET_DEVICE_FRAME_STRIDE:
      return "frame_stride";
    default:
      return "unknown";
  }
}

int limitnet_device_arena_size(const void* bundle, size_t bundle_size, size_t* bytes) {
  if (bytes == nullptr) return LIMITNET_DEVICE_BAD_ARGUMENT;
  limitnet::BundleView view;
  limitnet::CodecConfig cfg;
  int r = check_bundle(bundle, bundle_size, &view, &cfg);
  if (r != LIMITNET_DEVICE_OK) return r;
  limitnet::Int8Network net;
  if ((r = from_status(net.bind(view))) != LIMITNET_DEVICE_OK) return r;
  *bytes = kHeaderBytes + align8(net.arena_bytes()) + frame_adapter_bytes(net);
  return LIMITNET_DEVICE_OK;
}

int limitnet_device_open(void* arena, size_t arena_size, const void* bundle, size_t bundle_size,
                         const char* expected_preset, limitnet_device** device) {
  if (arena == nullptr || device == nullptr || reinterpret_cast<uintptr_t>(arena) % 8 != 0) {
    return LIMITNET_DEVICE_BAD_ARGUMENT;
  }
  *device = nullptr;
  limitnet::BundleView view;
  limitnet::CodecConfig cfg;
  int r = check_bundle(bundle, bundle_size, &view, &cfg);
  if (r != LIMITNET_DEVICE_OK) return r;
  if (expected_preset != nullptr) {
    char preset[32];
    if (!view.config_string("preset", preset, sizeof preset) || std::strcmp(preset, expected_preset) != 0) {
      return LIMITNET_DEVICE_PRESET_MISMATCH;
    }
  }
  if (arena_size < kHeaderBytes) return LIMITNET_DEVICE_ARENA_TOO_SMALL;
  // The state goes at the start of the arena; a failure leaves it unusable (*device
  // stays null) but never writes past arena_size.
  limitnet_device* dev = new (arena) limitnet_device();
  dev->bundle = view;
  if ((r = from_status(dev->net.bind(view))) != LIMITNET_DEVICE_OK) return r;
  if (kHeaderBytes + align8(dev->net.arena_bytes()) + frame_adapter_bytes(dev->net) > arena_size) {
    return LIMITNET_DEVICE_ARENA_TOO_SMALL;
  }
  if (limitnet::load_codec_model(view, &dev->codec) != Status::kOk) return LIMITNET_DEVICE_BAD_BUNDLE;
  dev->work = static_cast<uint8_t*>(arena) + kHeaderBytes;
  dev->work_size = arena_size - kHeaderBytes;
  *device = dev;
  return LIMITNET_DEVICE_OK;
}

int limitnet_device_encode(limitnet_device* dev, const uint8_t* frame, int width, int height, int channels,
                           uint8_t image_id, size_t max_payload) {
  if (dev == nullptr || frame == nullptr) return LIMITNET_DEVICE_BAD_ARGUMENT;
  dev->encoded = false;
  if (width != dev->net.input_size() || height != dev->net.input_size() || channels != dev->net.input_channels()) {
    return LIMITNET_DEVICE_FRAME_SIZE;
  }
  if (max_payload < limitnet::kMinPayload || max_payload > limitnet::kMaxPayload) return LIMITNET_DEVICE_PAYLOAD_SIZE;
  Status s = dev->net.run(frame, dev->work, dev->work_size, &dev->symbols, &dev->saliency_map);
  if (s != Status::kOk) return from_status(s);
  return finish_encode(dev, image_id, max_payload);
}

int limitnet_device_encode_frame(limitnet_device* dev, const limitnet_frame* frame, uint8_t image_id,
                                 size_t max_payload) {
  if (dev == nullptr) return LIMITNET_DEVICE_BAD_ARGUMENT;
  dev->encoded = false;
  const int side = dev->net.input_size(), channels = dev->net.input_channels();
  int r = limitnet::check_frame(frame, side);
  if (r != LIMITNET_DEVICE_OK) return r;
  if (channels != 1 && channels != 3) return LIMITNET_DEVICE_FRAME_SIZE;
  if (max_payload < limitnet::kMinPayload || max_payload > limitnet::kMaxPayload) return LIMITNET_DEVICE_PAYLOAD_SIZE;
  // The adapter lives after the network's activations (open checked the arena holds both).
  const size_t net_bytes = align8(dev->net.arena_bytes());
  uint8_t* area = dev->work + net_bytes;
  limitnet::FrameAdapter* adapter = new (area) limitnet::FrameAdapter();
  adapter->begin(*frame, side, channels, frame_ring_rows(dev->net), area + align8(sizeof(limitnet::FrameAdapter)));
  const limitnet::Int8RowSource input = {limitnet::FrameAdapter::row_source, adapter};
  const Status s = dev->net.run(input, dev->work, net_bytes, &dev->symbols, &dev->saliency_map);
  if (s != Status::kOk) return from_status(s);
  return finish_encode(dev, image_id, max_payload);
}

int limitnet_device_next_packet(limitnet_device* dev, uint8_t* out, size_t capacity, size_t* size) {
  if (dev == nullptr || out == nullptr || size == nullptr) return LIMITNET_DEVICE_BAD_ARGUMENT;
  *size = 0;
  if (!dev->encoded) return LIMITNET_DEVICE_NOT_ENCODED;
  const Status s = dev->encoder.next(out, capacity, size);
  if (s == Status::kBufferTooSmall) return LIMITNET_DEVICE_BUFFER_TOO_SMALL;
  return s == Status::kOk ? LIMITNET_DEVICE_OK : LIMITNET_DEVICE_PAYLOAD_SIZE;
}

long long limitnet_device_macs(const limitnet_device* dev) { return dev ? dev->net.macs() : 0; }
const uint8_t* limitnet_device_symbols(const limitnet_device* dev) {
  return dev && dev->encoded ? dev->symbols : nullptr;
}
const uint8_t* limitnet_device_saliency_map(const limitnet_device* dev) {
  return dev && dev->encoded ? dev->saliency_map : nullptr;
}
int limitnet_device_uses_dsp(void) { return limitnet::kernels::uses_dsp() ? 1 : 0; }

}  // extern "C"
