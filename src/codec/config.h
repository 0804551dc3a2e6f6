// Codec configuration: everything sender and receiver must agree on, besides the weights.
// It is fixed per model (stored in the model bundle) except the packet size, which is a
// transmission choice and never needs to be known by the receiver.
#pragma once
#include <cstddef>
#include <cstdint>

#include "codec/status.h"

namespace limitnet {

// Compile-time capacity limits. They size the static tables of the codec core so that the
// encode path never allocates; firmware may lower them with -D to save RAM.
#ifndef LIMITNET_MAX_CHANNELS
#define LIMITNET_MAX_CHANNELS 64
#endif
#ifndef LIMITNET_MAX_LATENT_SIDE
#define LIMITNET_MAX_LATENT_SIDE 64
#endif
#ifndef LIMITNET_MAX_GRID
#define LIMITNET_MAX_GRID 16
#endif
#ifndef LIMITNET_MAX_LATENT_BITS
#define LIMITNET_MAX_LATENT_BITS 8
#endif
// Network capacities: layers per stack, channels of any layer (LIMITNET_MAX_CHANNELS
// bounds the latent's) and kernel side the device runtime interprets. Bundles beyond them
// are refused with status `capacity`.
#ifndef LIMITNET_MAX_ENCODER_LAYERS
#define LIMITNET_MAX_ENCODER_LAYERS 4
#endif
#ifndef LIMITNET_MAX_SALIENCY_LAYERS
#define LIMITNET_MAX_SALIENCY_LAYERS 6
#endif
#ifndef LIMITNET_MAX_LAYER_CHANNELS
#define LIMITNET_MAX_LAYER_CHANNELS 64
#endif
#ifndef LIMITNET_MAX_KERNEL
#define LIMITNET_MAX_KERNEL 11
#endif
constexpr int kMaxChannels = LIMITNET_MAX_CHANNELS;
constexpr int kMaxLatentSide = LIMITNET_MAX_LATENT_SIDE;
constexpr int kMaxLatentPositions = kMaxLatentSide * kMaxLatentSide;
constexpr int kMaxGrid = LIMITNET_MAX_GRID;
constexpr int kMaxLatentBits = LIMITNET_MAX_LATENT_BITS;
constexpr int kMaxSymbols = 1 << kMaxLatentBits;
constexpr int kMaxEncoderLayers = LIMITNET_MAX_ENCODER_LAYERS;
constexpr int kMaxSaliencyLayers = LIMITNET_MAX_SALIENCY_LAYERS;
constexpr int kMaxLayerChannels = LIMITNET_MAX_LAYER_CHANNELS;
constexpr int kMaxKernel = LIMITNET_MAX_KERNEL;
constexpr int kMaxStride = 8;
constexpr int kMaxInputSize = 1024;  // input side in pixels
// Elements are addressed by 16-bit ranks on the wire and in the order tables.
constexpr uint32_t kMaxLatentElements = 65535;
// Upper bound of latent values one packet may carry; bounds decoder work per packet.
constexpr int kMaxSymbolsPerPacket = 2048;

enum class EntropyCoderKind : uint8_t { kHuffman = 0, kRans = 1, kRange = 2 };
const char* entropy_coder_name(EntropyCoderKind kind);

// Maximum application payloads of common LPWAN links, in bytes.
constexpr size_t kPayloadSigfox = 12;
constexpr size_t kPayloadLoRaDR0 = 51;  // EU868 DR0-DR2: the default
constexpr size_t kPayloadLoRaDR3 = 115;
constexpr size_t kPayloadLoRaDR4 = 222;
constexpr size_t kMinPayload = 12;
constexpr size_t kMaxPayload = 1024;

// Whether position p of a side x side plane (row-major) is on the coarse lattice of an
// interlaced order: every stride-th row and column at offset stride/2 (stride < 2: none).
inline bool interlace_coarse(int stride, int side, int position) {
  if (stride < 2) return false;
  const int half = stride / 2;
  return (position / side) % stride == half && (position % side) % stride == half;
}

struct CodecConfig {
  int latent_channels = 12;  // L
  int latent_side = 28;      // K: the latent is L x K x K, channel-major (CHW)
  int latent_bits = 6;       // bits per latent value, 2..8
  int saliency_grid = 8;     // the K x K saliency map is sent as grid x grid cells
  int saliency_bits = 5;     // bits per saliency cell, 1..8
  // Gradual Scoring factor G in thousandths (200 = 0.2). Integer so that device and
  // receiver compute identical orders on every platform.
  int gradual_milli = 200;
  // Interlaced order (0 = off): the positions on a coarse lattice, every `interlace_stride`-th
  // row and column at offset stride/2, score `interlace_milli` / 1000 more, so the first
  // packets cover the whole image coarsely before any detail (like PNG's Adam7 passes).
  int interlace_stride = 0;
  int interlace_milli = 0;
  // Coarse channels (0 = none): the first `coarse_channels` channels exist only on the
  // interlace lattice, a latent at 1/interlace_stride of the resolution beside the full-
  // resolution rest, so a first packet can hold a whole coarse image. Their other positions
  // are never sent and always read as zero.
  int coarse_channels = 0;
  EntropyCoderKind coder = EntropyCoderKind::kHuffman;

  uint32_t latent_elements() const {
    return static_cast<uint32_t>(latent_channels) * static_cast<uint32_t>(latent_side * latent_side);
  }
  // Elements that are sent (the order's length): latent_elements() less the coarse
  // channels' positions off the lattice.
  uint32_t sent_elements() const;
  int symbols() const { return 1 << latent_bits; }
  // Whether latent position p (row-major in K x K) is on the interlace's coarse lattice.
  bool interlace_coarse(int position) const;
  // Whether element (channel, position) is ever sent (false only off a coarse channel's lattice).
  bool element_sent(int channel, int position) const;
  // The same for flat index c*K*K + p.
  bool element_sent(uint32_t flat) const;
  // Saliency grid size on the wire, in bytes (bit-packed).
  size_t saliency_bytes() const { return (static_cast<size_t>(saliency_grid * saliency_grid * saliency_bits) + 7) / 8; }
  // kOk, or kInvalidArgument when a field is out of the supported range.
  Status validate() const;
};

// Rows (or columns) of a side-long axis on the lattice of interlace_coarse.
inline int interlace_lattice_side(int stride, int side) {
  if (stride < 2) return 0;
  const int half = stride / 2;
  return side > half ? (side - 1 - half) / stride + 1 : 0;
}

inline bool CodecConfig::interlace_coarse(int position) const {
  return limitnet::interlace_coarse(interlace_stride, latent_side, position);
}

inline bool CodecConfig::element_sent(int channel, int position) const {
  return channel >= coarse_channels || interlace_coarse(position);
}

inline bool CodecConfig::element_sent(uint32_t flat) const {
  const uint32_t plane = static_cast<uint32_t>(latent_side * latent_side);
  return element_sent(static_cast<int>(flat / plane), static_cast<int>(flat % plane));
}

inline uint32_t CodecConfig::sent_elements() const {
  const int lattice = interlace_lattice_side(interlace_stride, latent_side);
  return static_cast<uint32_t>((latent_channels - coarse_channels) * latent_side * latent_side +
                               coarse_channels * lattice * lattice);
}

}  // namespace limitnet
