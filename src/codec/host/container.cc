#include "codec/host/container.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace limitnet {

namespace {
constexpr size_t kHeaderBytes = 24;
void put(std::vector<uint8_t>* out, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
uint32_t get(const uint8_t* p, int bytes) {
  uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint32_t>(p[i]) << (8 * i);
  return v;
}
}  // namespace

std::vector<uint8_t> serialize_lnp(const LnpFile& file) {
  std::vector<uint8_t> out = {'L', 'N', 'P', '1'};
  put(&out, 1, 2);
  put(&out, file.max_payload, 2);
  put(&out, file.model_id, 4);
  put(&out, file.values_sent, 4);
  put(&out, file.saliency_bytes, 2);
  put(&out, file.config_byte, 1);
  put(&out, file.image_id, 1);
  put(&out, static_cast<uint32_t>(file.packets.size()), 4);
  for (const auto& p : file.packets) {
    put(&out, static_cast<uint32_t>(p.size()), 2);
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

LnpFile parse_lnp(const uint8_t* data, size_t size, const std::string& name) {
  if (size < 4 || std::memcmp(data, "LNP1", 4) != 0)
    throw std::runtime_error(name + ": not a .lnp packet file (bad magic)");
  if (size < kHeaderBytes) throw std::runtime_error(name + ": truncated .lnp header");
  if (get(data + 4, 2) != 1)
    throw std::runtime_error(name + ": unsupported .lnp version " + std::to_string(get(data + 4, 2)));
  LnpFile f;
  f.max_payload = static_cast<uint16_t>(get(data + 6, 2));
  f.model_id = get(data + 8, 4);
  f.values_sent = get(data + 12, 4);
  f.saliency_bytes = static_cast<uint16_t>(get(data + 16, 2));
  f.config_byte = data[18];
  f.image_id = data[19];
  const uint32_t count = get(data + 20, 4);
  size_t pos = 24;
  if (count > size)
    throw std::runtime_error(name + ": corrupt .lnp header (packet count " + std::to_string(count) + ")");
  for (uint32_t i = 0; i < count; ++i) {
    if (pos + 2 > size)
      throw std::runtime_error(name + ": truncated after " + std::to_string(i) + " of " + std::to_string(count) +
                               " packets");
    const size_t len = get(data + pos, 2);
    pos += 2;
    if (pos + len > size)
      throw std::runtime_error(name + ": truncated in packet " + std::to_string(i) + " of " + std::to_string(count));
    f.packets.emplace_back(data + pos, data + pos + len);
    pos += len;
  }
  if (pos != size)
    throw std::runtime_error(name + ": " + std::to_string(size - pos) + " unexpected bytes after the last packet");
  return f;
}

void write_lnp(const std::string& path, const LnpFile& file) {
  const std::vector<uint8_t> bytes = serialize_lnp(file);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw std::runtime_error(path + ": cannot write");
}

LnpFile read_lnp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot open file");
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return parse_lnp(bytes.data(), bytes.size(), path);
}

}  // namespace limitnet
