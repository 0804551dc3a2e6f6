#include "codec/host/raw_packets.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "codec/host/model_file.h"
#include "codec/packet_format.h"

namespace limitnet {

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A character as an error shows it: itself when printable, else \xNN.
std::string shown_char(char c) {
  if (c >= 0x20 && c < 0x7f) return std::string(1, c);
  char text[8];
  std::snprintf(text, sizeof text, "\\x%02x", static_cast<unsigned>(static_cast<uint8_t>(c)));
  return text;
}

// The digits of one line without its blanks; "" for a blank or comment line.
std::string hex_digits(const std::string& line, const std::string& where) {
  std::string digits;
  for (size_t col = 0; col < line.size(); ++col) {
    const char c = line[col];
    if (c == ' ' || c == '\t' || c == '\r') continue;
    if (c == '#' && digits.empty()) return "";
    if (hex_value(c) < 0) {
      throw std::invalid_argument(where + ": '" + shown_char(c) + "' (column " + std::to_string(col + 1) +
                                  ") is not a hex digit");
    }
    digits += c;
  }
  if (digits.size() % 2 != 0) {
    throw std::invalid_argument(where + ": odd number of hex digits (" + std::to_string(digits.size()) +
                                "): a packet is whole bytes");
  }
  return digits;
}

std::string read_stream(std::istream& in) {
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string read_file_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot open");
  std::string bytes = read_stream(f);
  if (f.bad()) throw std::runtime_error(path + ": read error");
  return bytes;
}

std::string packet_error(size_t index, const std::string& reason) {
  return "packet " + std::to_string(index) + ": " + reason;
}

// Parses packet `index` against the model: its image id, or throws naming the index.
uint8_t checked_image_id(const CodecModel& codec, const RawPacket& packet, size_t index) {
  PacketInfo info;
  const Status s = parse_packet(packet.data(), packet.size(), codec.model_id, codec.config.saliency_bytes(), &info);
  const std::string model = model_id_text(codec.model_id);
  if (s == Status::kForeignModel) {
    throw std::invalid_argument(packet_error(index, "of another model (its model tag or id is not " + model + "'s)"));
  }
  if (s == Status::kChecksumMismatch) {
    throw std::invalid_argument(
        packet_error(index, "CRC check failed against model " + model + " (corrupted, or of another model)"));
  }
  if (s != Status::kOk) throw std::invalid_argument(packet_error(index, status_message(s)));
  return info.image_id;
}

// "0 (packets 0-3), 7 (packet 4)": the image ids in order of first appearance.
std::string mixed_ids_text(const std::vector<uint8_t>& ids) {
  std::vector<uint8_t> seen;
  for (uint8_t id : ids) {
    if (std::find(seen.begin(), seen.end(), id) == seen.end()) seen.push_back(id);
  }
  std::string text;
  for (uint8_t id : seen) {
    std::string indices;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] == id) indices += (indices.empty() ? "" : ",") + std::to_string(i);
    }
    text += (text.empty() ? "" : "; ") + std::to_string(id) + " (packets " + indices + ")";
  }
  return text;
}
}  // namespace

std::vector<RawPacket> parse_hex_packets(const std::string& text, const std::string& name) {
  std::vector<RawPacket> packets;
  std::istringstream lines(text);
  std::string line;
  for (size_t number = 1; std::getline(lines, line); ++number) {
    const std::string digits = hex_digits(line, name + ":" + std::to_string(number));
    if (digits.empty()) continue;
    RawPacket packet(digits.size() / 2);
    for (size_t i = 0; i < packet.size(); ++i) {
      packet[i] = static_cast<uint8_t>(hex_value(digits[2 * i]) << 4 | hex_value(digits[2 * i + 1]));
    }
    packets.push_back(std::move(packet));
  }
  return packets;
}

std::vector<RawPacket> read_hex_packet_file(const std::string& path) {
  if (path == "-") return parse_hex_packets(read_stream(std::cin), "<stdin>");
  return parse_hex_packets(read_file_text(path), path);
}

RawPacket read_raw_packet_file(const std::string& path) {
  const std::string bytes = read_file_text(path);
  return RawPacket(bytes.begin(), bytes.end());
}

LnpFile pack_raw_packets(const CodecModel& codec, std::vector<RawPacket> packets, size_t max_payload) {
  if (packets.empty()) throw std::invalid_argument("no packets to pack");
  if (max_payload != 0) check_payload_size(max_payload);
  const size_t limit = max_payload != 0 ? max_payload : kMaxPayload;
  std::vector<uint8_t> image_ids;
  size_t largest = 0;
  for (size_t i = 0; i < packets.size(); ++i) {
    if (packets[i].size() > limit) {
      throw std::invalid_argument(packet_error(
          i, std::to_string(packets[i].size()) + " bytes, more than " + std::to_string(limit) + " bytes per packet"));
    }
    image_ids.push_back(checked_image_id(codec, packets[i], i));
    largest = std::max(largest, packets[i].size());
  }
  if (std::count(image_ids.begin(), image_ids.end(), image_ids[0]) != static_cast<long>(image_ids.size())) {
    throw std::invalid_argument("packets of more than one image: image ids " + mixed_ids_text(image_ids) +
                                "; pack one image at a time");
  }
  return make_lnp(codec, image_ids[0], max_payload != 0 ? max_payload : largest, std::move(packets));
}

}  // namespace limitnet
