#include "data/detail/file_util.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "data/error.h"

namespace limitnet::data::detail {
namespace {
struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;
}  // namespace

std::vector<uint8_t> read_file(const std::string& path) {
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) throw DataError(path, std::string("cannot open: ") + std::strerror(errno));
  std::vector<uint8_t> out;
  // Size via seek is only a capacity hint; the read loop below decides.
  if (std::fseek(f.get(), 0, SEEK_END) == 0) {
    long end = std::ftell(f.get());
    if (end > 0) out.reserve(static_cast<size_t>(end));
    std::fseek(f.get(), 0, SEEK_SET);
  }
  uint8_t buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) out.insert(out.end(), buf, buf + n);
  if (std::ferror(f.get())) throw DataError(path, std::string("read error: ") + std::strerror(errno));
  return out;
}

void write_file(const std::string& path, const uint8_t* data, size_t size) {
  FilePtr f(std::fopen(path.c_str(), "wb"));
  if (!f) throw DataError(path, std::string("cannot create: ") + std::strerror(errno));
  if (size > 0 && std::fwrite(data, 1, size, f.get()) != size)
    throw DataError(path, std::string("write failed: ") + std::strerror(errno));
  if (std::fclose(f.release()) != 0) throw DataError(path, std::string("write failed: ") + std::strerror(errno));
}

bool is_gzip(const std::vector<uint8_t>& bytes) { return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b; }

std::vector<uint8_t> gunzip(const std::vector<uint8_t>& gz, const std::string& name, size_t max_out) {
  z_stream zs{};
  // 15 + 16: gzip wrapper only (zlib streams are not what the dataset files use).
  if (inflateInit2(&zs, 15 + 16) != Z_OK) throw DataError(name, "zlib init failed");
  std::vector<uint8_t> out;
  // The gzip trailer stores the size mod 2^32: a good reservation hint for IDX files.
  if (gz.size() >= 4) {
    size_t hint = gz[gz.size() - 4] | (gz[gz.size() - 3] << 8) | (gz[gz.size() - 2] << 16) |
                  (static_cast<size_t>(gz[gz.size() - 1]) << 24);
    if (hint <= max_out) out.reserve(hint);
  }
  zs.next_in = const_cast<Bytef*>(gz.data());
  size_t in_left = gz.size();
  uint8_t buf[1 << 16];
  int ret = Z_OK;
  for (;;) {
    if (zs.avail_in == 0 && in_left > 0) {
      uInt chunk = static_cast<uInt>(std::min<size_t>(in_left, 1u << 30));
      zs.avail_in = chunk;
      in_left -= chunk;
    }
    zs.next_out = buf;
    zs.avail_out = sizeof buf;
    ret = inflate(&zs, Z_NO_FLUSH);
    size_t got = sizeof buf - zs.avail_out;
    if (out.size() + got > max_out) {
      inflateEnd(&zs);
      throw DataError(name, "gzip content larger than " + std::to_string(max_out) + " bytes");
    }
    out.insert(out.end(), buf, buf + got);
    if (ret == Z_STREAM_END) {
      // Concatenated gzip members are legal; continue with the next one if present.
      if (zs.avail_in == 0 && in_left == 0) break;
      if (inflateReset(&zs) != Z_OK) break;
      continue;
    }
    if (ret != Z_OK && !(ret == Z_BUF_ERROR && got > 0)) {
      std::string why = zs.msg ? zs.msg : (ret == Z_BUF_ERROR ? "unexpected end of file" : "error");
      inflateEnd(&zs);
      throw DataError(name, "corrupt or truncated gzip data (" + why + ")");
    }
    if (ret == Z_BUF_ERROR && zs.avail_in == 0 && in_left == 0) {
      inflateEnd(&zs);
      throw DataError(name, "truncated gzip data (unexpected end of file)");
    }
  }
  inflateEnd(&zs);
  return out;
}

std::vector<uint8_t> read_maybe_gzip(const std::string& path) {
  std::vector<uint8_t> bytes = read_file(path);
  if (is_gzip(bytes)) return gunzip(bytes, path);
  return bytes;
}

}  // namespace limitnet::data::detail
