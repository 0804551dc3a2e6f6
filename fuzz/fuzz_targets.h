// Fuzz target bodies, shared by the libFuzzer entry points (fuzz_*.cc, clang only) and by
// the always-built GoogleTest replay (tests/codec/fuzz_replay_test.cc). Each returns 0;
// a violated invariant prints a message and aborts (what libFuzzer reports as a crash).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "codec/codec_model.h"

namespace limitnet::fuzz {

// Models of the packet fuzzers, selected by the first input byte m:
//   m & 1         coder: 0 huffman, 1 rans
//   m & 2         preset: 0 cifar32 (12x8x8, 4x4 grid), 1 fmnist28 (8x7x7, 4x4 grid)
//   m >> 4 == 0xA paper224 instead (12x28x28, 8x8 grid), fuzz_encoder_roundtrip only:
//                 1 input in 16, because its 9408-value images cost ~10x more per run
//                 (mostly RankOrder::fill under coverage instrumentation); the packet
//                 decoder's code paths are the same for every geometry, and paper224
//                 packets are covered by the unit tests (bit flips, truncations, crafted
//                 packets)
//   m >> 4 == 0xB the range coder instead (cifar32, or fmnist28 when m & 2)
//   m >> 4 == 0xC cifar32 with the range coder, an interlace of stride 2 and 8 coarse
//                 channels: the order passes over the positions they do not have
// Each is random_device_bundle(seed 1) calibrated on one synthetic frame, built on first use.
const CodecModel& fuzz_model(uint8_t selector);
// The model's serialized bundle (for the seed corpus writer).
const std::vector<uint8_t>& fuzz_model_bundle(uint8_t selector);

// --- fuzz_packet_decoder --------------------------------------------------------------
// Input: byte 0 selects the model (above; cifar32 or fmnist28, Huffman or rANS, or with high
// nibble 0xB their range-coder models, 0xC the coarse-channel one) and bit 2 "reseal": overwrite each packet's CRC
// with the valid one, which explores the logic behind the CRC check (random mutations
// would almost never pass it). The rest is a sequence of packets, each as (1 length byte,
// bytes); a length past the end takes what is left. Every packet goes to one
// ProgressiveDecoder (a refused packet must change nothing) and to
// parse_packet_structure(); at the end every image's latent() is checked for consistency.
// The whole input is also given to parse_packet_structure() as one packet.
int packet_decoder_one_input(const uint8_t* data, size_t size);

// --- fuzz_encoder_roundtrip -----------------------------------------------------------
// Input: byte 0 selects the model (above); byte 1: payload size (low nibble, 12..1024
// bytes; paper224 uses 51 and up) and symbol shape (bit 7: mostly zeros); byte 2: image
// id; the rest: saliency grid levels, then latent symbols (cycled). The encoder's packets
// are decoded (all of them, then a subset picked by the input, both in reverse order) and
// must give exactly the encoder's symbols at the ranks received.
int encoder_roundtrip_one_input(const uint8_t* data, size_t size);

// --- fuzz_bundle_parser ---------------------------------------------------------------
// Input: raw bundle bytes. Parsed as is and again with the trailing CRC-32 fixed; on
// success every section, the config keys, load_codec_model() and ReferenceNetwork::bind()
// are exercised, and a small bound network is run once on a zero frame.
int bundle_parser_one_input(const uint8_t* data, size_t size);

// --- fuzz_lnp_parser ------------------------------------------------------------------
// Input: raw .lnp bytes. parse_lnp() must either throw std::runtime_error or return a
// file that serializes back to exactly the input.
int lnp_parser_one_input(const uint8_t* data, size_t size);

// --- fuzz_range_coder -----------------------------------------------------------------
// Input: byte 0: symbols per table 2^(1 + b0 % 8) and channels 1 + (b0 >> 3) % 4; byte 1:
// the tables' skew; bytes 2-3: symbol count (big-endian, mod 2049); the rest: a payload.
// The payload is decoded; when accepted, encoding the decoded symbols must give exactly the
// payload back (streams are canonical). Then the payload's bytes, as symbols, are encoded
// and must decode to themselves. Covers codec/entropy/range_coder.h alone, at far more
// executions per second than the packet targets (which also reach it through range models).
int range_coder_one_input(const uint8_t* data, size_t size);
// A fuzz_range_coder input whose payload is the encoding of `symbols` (taken modulo the
// table size), for the seed corpus.
std::vector<uint8_t> range_coder_seed(uint8_t shape, uint8_t skew, const std::vector<uint8_t>& symbols);

// Frames a list of packets as a fuzz_packet_decoder input.
std::vector<uint8_t> frame_packets(uint8_t mode, const std::vector<std::vector<uint8_t>>& packets);

}  // namespace limitnet::fuzz
