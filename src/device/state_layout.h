// Size of the device state (struct limitnet_device, device_state.h) for any codec capacity
// and pointer width, computed from the member layout instead of sizeof: the host tool
// `limitnet model export --device` needs the figure for a 32-bit microcontroller while it
// runs on a 64-bit machine. It mirrors the structs member by member (C layout rules:
// every member at a multiple of its alignment, 64-bit integers aligned to 8 as on Arm
// EABI, RISC-V and x86-64); limitnet_device.cc checks it against sizeof on every build
// (host and firmware), so a changed struct breaks the build until this is updated.
#pragma once
#include <cstddef>

#include "codec/config.h"
#include "codec/entropy/huffman.h"
#include "device/int8_network.h"

namespace limitnet {

// The LIMITNET_MAX_* values a build uses (codec/config.h).
struct DeviceCapacity {
  int channels = kMaxChannels, latent_side = kMaxLatentSide, grid = kMaxGrid, latent_bits = kMaxLatentBits;
};

namespace state_layout {

constexpr size_t align_up(size_t x, size_t a) { return (x + a - 1) / a * a; }

// P: bytes (and alignment) of a pointer and of size_t.
constexpr size_t bundle_view(size_t P) { return align_up(align_up(2 * P + 6, 4) + 4, P); }
constexpr size_t requant(size_t P) { return align_up(5 * P + 4 * 4 + 1, P); }
constexpr size_t int8_layer(size_t P) { return align_up(align_up(7 * 4, P) + requant(P), P) + P; }
constexpr size_t int8_network(size_t P) { return align_up(align_up(4 * 4, P) + kInt8MaxLayers * int8_layer(P) + P, P); }

constexpr size_t huffman_table(size_t S) {
  return align_up(align_up(2 * 4 + 3 * S, 2) + 3 * 2 * (kHuffmanMaxLength + 2) + S, 4);
}
constexpr size_t rans_table(size_t S) { return align_up(4 + 2 * S + 2 * (S + 1) + 2 * S, 4); }
constexpr size_t codec_config() { return align_up(9 * 4 + 1, 4); }
constexpr size_t codec_model(const DeviceCapacity& c) {
  const size_t C = static_cast<size_t>(c.channels), S = size_t{1} << c.latent_bits;
  return codec_config() + 4 + 2 * 4 * C + C * huffman_table(S) + C * rans_table(S);
}

constexpr size_t rank_cursor(const DeviceCapacity& c) { return align_up(4 + 2 * static_cast<size_t>(c.channels), 4); }
constexpr size_t rank_order(const DeviceCapacity& c) {
  const size_t C = static_cast<size_t>(c.channels);
  const size_t N = static_cast<size_t>(c.latent_side) * static_cast<size_t>(c.latent_side);
  return align_up(align_up(align_up(6 * 4, 8) + 8 + 8 * C + 2 * N, 4) + 4 * N, 8);
}
constexpr size_t packet_encoder(const DeviceCapacity& c, size_t P) {
  const size_t G2 = static_cast<size_t>(c.grid) * static_cast<size_t>(c.grid);
  size_t off = align_up(2 * P + 1, P) + P + 2 * 4 + G2;  // model_, symbols_, image_id_, max_payload_, chunks, grid
  off = align_up(off, 8) + rank_order(c);
  off += 2 * rank_cursor(c) + 4;  // cursor_, peek_cursor_, peeked_
  off += 2 * kMaxSymbolsPerPacket + kMaxPayload;
  return align_up(off, 8);
}

}  // namespace state_layout

// sizeof(limitnet_device) rounded to 8: the arena bytes in front of the activation area.
constexpr size_t device_state_bytes(const DeviceCapacity& c, size_t pointer_bytes) {
  using namespace state_layout;
  const size_t P = pointer_bytes, G2 = static_cast<size_t>(c.grid) * static_cast<size_t>(c.grid);
  size_t off = bundle_view(P);
  off = align_up(off, P) + int8_network(P);
  off = align_up(off, 4) + codec_model(c);
  off = align_up(off, 8) + packet_encoder(c, P);
  off = align_up(off, P) + 4 * P + G2 + 1;  // work, work_size, symbols, saliency_map, grid, encoded
  return align_up(off, 8);
}

}  // namespace limitnet
