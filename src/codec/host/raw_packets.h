// Raw packets as a device sends them (hex lines from a serial log or a network server, or
// one binary file per packet) made into the .lnp file that decode and inspect read
// (`limitnet pack`). Host only: bad input throws std::invalid_argument or std::runtime_error
// with text that names the file and line, or the packet's index.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "codec/codec_model.h"
#include "codec/host/container.h"

namespace limitnet {

using RawPacket = std::vector<uint8_t>;

// One packet per line of hex digits; spaces and tabs inside a line are ignored, blank lines
// and lines starting with '#' are skipped. Throws std::invalid_argument("<name>:<line>: ...")
// for an odd number of digits or a character that is not a hex digit.
std::vector<RawPacket> parse_hex_packets(const std::string& text, const std::string& name);
// The same from a file; "-" reads standard input. Throws std::runtime_error("<path>: ...")
// when the file cannot be read.
std::vector<RawPacket> read_hex_packet_file(const std::string& path);
// A whole file as one packet. Throws std::runtime_error("<path>: ...") when it cannot be read.
RawPacket read_raw_packet_file(const std::string& path);

// The .lnp of `packets` (kept in the order given). Every packet must parse and pass its CRC
// against `codec`'s model, and all must carry one image id (that of the file). `max_payload`
// 0 means the largest packet; otherwise no packet may be larger. Throws
// std::invalid_argument naming the packet's index (from 0) or the image ids mixed.
LnpFile pack_raw_packets(const CodecModel& codec, std::vector<RawPacket> packets, size_t max_payload = 0);

}  // namespace limitnet
