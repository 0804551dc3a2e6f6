#include "codec/host/bundle_file.h"

#include <cstring>
#include <fstream>
#include <stdexcept>

namespace limitnet {

std::vector<uint32_t> read_file_aligned(const std::string& path, size_t* size) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) throw std::runtime_error(path + ": cannot open file");
  const std::streamoff n = f.tellg();
  if (n < 0) throw std::runtime_error(path + ": cannot read file");
  std::vector<uint32_t> buf((static_cast<size_t>(n) + 3) / 4, 0);
  f.seekg(0);
  f.read(reinterpret_cast<char*>(buf.data()), n);
  if (!f) throw std::runtime_error(path + ": cannot read file");
  *size = static_cast<size_t>(n);
  return buf;
}

namespace {
void parse_loaded(LoadedBundle* b, const std::string& name) {
  const Status s = b->view.parse(b->bytes(), b->size);
  if (s != Status::kOk) {
    throw std::runtime_error(name + ": not a valid model bundle (" + status_name(s) + ": " + status_message(s) + ")");
  }
}
}  // namespace

LoadedBundle load_bundle(const std::string& path) {
  LoadedBundle b;
  b.storage = read_file_aligned(path, &b.size);
  parse_loaded(&b, path);
  return b;
}

LoadedBundle parse_bundle_bytes(const uint8_t* data, size_t size, const std::string& name) {
  LoadedBundle b;
  b.storage.assign((size + 3) / 4, 0);
  std::memcpy(b.storage.data(), data, size);
  b.size = size;
  parse_loaded(&b, name);
  return b;
}

}  // namespace limitnet
