#include "data/idx.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>

#include "data/detail/file_util.h"
#include "data/detail/fit.h"

namespace limitnet::data {
namespace fs = std::filesystem;
namespace {

uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

// Validates the IDX header and returns the dimensions; payload must follow exactly.
std::vector<uint32_t> parse_header(const std::vector<uint8_t>& b, int want_dims, const std::string& path) {
  if (b.size() < 4) throw DataError(path, "truncated IDX file (no header)");
  if (b[0] != 0 || b[1] != 0 || b[2] != 0x08 || b[3] != want_dims) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08X", be32(b.data()));
    throw DataError(path, std::string("bad IDX magic ") + buf + ", expected 0x0000080" + std::to_string(want_dims) +
                              " (unsigned bytes, " + std::to_string(want_dims) + " dimensions)");
  }
  const size_t header = 4 + 4 * static_cast<size_t>(want_dims);
  if (b.size() < header) throw DataError(path, "truncated IDX header");
  std::vector<uint32_t> dims;
  unsigned long long payload = 1;
  for (int i = 0; i < want_dims; ++i) {
    dims.push_back(be32(b.data() + 4 + 4 * i));
    payload *= dims.back();
    if (payload > (1ull << 40)) throw DataError(path, "implausible IDX dimensions");
  }
  if (b.size() - header != payload)
    throw DataError(path, std::string(b.size() - header < payload ? "truncated" : "oversized") +
                              " IDX file: " + std::to_string(b.size() - header) + " data bytes, header says " +
                              std::to_string(payload));
  return dims;
}

bool exists_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

IdxImages read_idx_images(const std::string& path, size_t max_count) {
  std::vector<uint8_t> b = detail::read_maybe_gzip(path);
  const std::vector<uint32_t> d = parse_header(b, 3, path);
  if (d[1] == 0 || d[2] == 0 || d[1] > 65535 || d[2] > 65535)
    throw DataError(path, "bad IDX image size " + std::to_string(d[1]) + "x" + std::to_string(d[2]));
  IdxImages out;
  out.count = d[0];
  out.rows = static_cast<int>(d[1]);
  out.cols = static_cast<int>(d[2]);
  if (max_count > 0 && max_count < out.count) out.count = max_count;
  const size_t n = out.count * static_cast<size_t>(out.rows) * static_cast<size_t>(out.cols);
  out.pixels.assign(b.begin() + 16, b.begin() + 16 + static_cast<std::ptrdiff_t>(n));
  return out;
}

std::vector<uint8_t> read_idx_labels(const std::string& path, size_t max_count) {
  std::vector<uint8_t> b = detail::read_maybe_gzip(path);
  const std::vector<uint32_t> d = parse_header(b, 1, path);
  size_t count = d[0];
  if (max_count > 0 && max_count < count) count = max_count;
  return std::vector<uint8_t>(b.begin() + 8, b.begin() + 8 + static_cast<std::ptrdiff_t>(count));
}

bool find_idx_files(const std::string& dir, Split split, std::string* images_path, std::string* labels_path) {
  const std::string prefix = split == Split::Train ? "train" : "t10k";
  auto find = [&](const std::string& kind, const std::string& idx, std::string* out) {
    for (const char* sep : {"-", "."})
      for (const char* ext : {".gz", ""}) {
        fs::path p = fs::path(dir) / (prefix + "-" + kind + sep + idx + "-ubyte" + ext);
        if (exists_file(p)) {
          *out = p.string();
          return true;
        }
      }
    return false;
  };
  std::string img, lbl;
  if (!find("images", "idx3", &img) || !find("labels", "idx1", &lbl)) return false;
  if (images_path) *images_path = img;
  if (labels_path) *labels_path = lbl;
  return true;
}

const std::vector<std::string>& fashion_mnist_class_names() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

const std::vector<std::string>& mnist_class_names() {
  static const std::vector<std::string> names = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  return names;
}

std::unique_ptr<InMemoryDataset> open_idx(const std::string& dir, Split split, int width, int height, int channels,
                                          size_t limit, std::vector<std::string> class_names) {
  std::string img_path, lbl_path;
  if (!find_idx_files(dir, split, &img_path, &lbl_path))
    throw DataError(dir, std::string("no IDX files for the ") + split_name(split) + " split (looked for " +
                             (split == Split::Train ? "train" : "t10k") +
                             "-images-idx3-ubyte[.gz] and -labels-idx1-ubyte[.gz])");
  const bool fashion =
      lower(fs::absolute(fs::path(dir)).lexically_normal().string()).find("fashion") != std::string::npos;
  if (class_names.empty()) class_names = fashion ? fashion_mnist_class_names() : mnist_class_names();

  const IdxImages images = read_idx_images(img_path, limit);
  const std::vector<uint8_t> labels = read_idx_labels(lbl_path, limit);
  if (images.count != labels.size())
    throw DataError(lbl_path, std::to_string(labels.size()) + " labels but " + img_path + " has " +
                                  std::to_string(images.count) + " images");
  const int w = width > 0 ? width : images.cols;
  const int h = height > 0 ? height : images.rows;
  const int c = channels > 0 ? channels : 1;
  const size_t src_bytes = static_cast<size_t>(images.rows) * images.cols;
  const size_t dst_bytes = static_cast<size_t>(w) * h * c;

  std::vector<uint8_t> pixels(images.count * dst_bytes);
  std::vector<int> out_labels(images.count);
  std::vector<uint8_t> scratch;
  for (size_t i = 0; i < images.count; ++i) {
    if (labels[i] >= class_names.size())
      throw DataError(lbl_path, "label " + std::to_string(labels[i]) + " at index " + std::to_string(i) +
                                    " >= " + std::to_string(class_names.size()) + " classes");
    out_labels[i] = labels[i];
    detail::fit_into(images.pixels.data() + i * src_bytes, images.cols, images.rows, 1, pixels.data() + i * dst_bytes,
                     w, h, c, scratch);
  }
  return std::make_unique<InMemoryDataset>(
      std::string(fashion ? "Fashion-MNIST" : "MNIST") + " IDX " + dir + " (" + split_name(split) + ")", w, h, c,
      std::move(class_names), std::move(pixels), std::move(out_labels));
}

}  // namespace limitnet::data
