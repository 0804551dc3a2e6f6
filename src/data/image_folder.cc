#include "data/image_folder.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <system_error>
#include <thread>

#include "data/detail/file_util.h"
#include "data/detail/fit.h"
#include "data/image_io.h"
#include "data/selection.h"

namespace limitnet::data {
namespace fs = std::filesystem;
namespace {

bool hidden(const fs::path& p) {
  const std::string n = p.filename().string();
  return !n.empty() && n[0] == '.';
}

bool has_image_extension(const fs::path& p) {
  std::string e = p.extension().string();
  for (char& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e == ".jpg" || e == ".jpeg" || e == ".jpe" || e == ".png";
}

std::vector<std::string> list_images(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  const auto opts = fs::directory_options::follow_directory_symlink | fs::directory_options::skip_permission_denied;
  for (auto it = fs::recursive_directory_iterator(dir, opts, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (hidden(it->path())) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec) && has_image_extension(it->path())) out.push_back(it->path().string());
  }
  if (ec) throw DataError(dir.string(), "cannot list directory: " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

struct Decoded {
  bool ok = false;
  std::string error;
};

}  // namespace

std::vector<std::string> list_subdirectories(const std::string& root) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return out;
  for (const auto& e : fs::directory_iterator(root, ec))
    if (!hidden(e.path()) && e.is_directory(ec)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

ImageFolderListing list_image_folder(const std::string& root, const std::vector<std::string>& class_names) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw DataError(root, "not a directory");
  ImageFolderListing l;
  l.class_names = class_names.empty() ? list_subdirectories(root) : class_names;
  for (size_t k = 0; k < l.class_names.size(); ++k)
    for (std::string& f : list_images(fs::path(root) / l.class_names[k])) {
      l.files.push_back(std::move(f));
      l.labels.push_back(static_cast<int>(k));
    }
  return l;
}

std::unique_ptr<InMemoryDataset> open_image_folder(const std::string& root, int width, int height, int channels,
                                                   size_t limit, const OpenOptions& options,
                                                   const std::vector<std::string>& class_names) {
  ImageFolderListing l = list_image_folder(root, class_names);
  if (l.files.empty())
    throw DataError("no images found under " + root + " (expected <root>/<class>/<image>.jpg|.jpeg|.png)");
  // Without a limit keep the class-major listing order (as torchvision does); with
  // one, take a class-balanced round-robin selection so "--limit 1000" is representative.
  std::vector<size_t> pick;
  if (limit > 0 && limit < l.files.size()) {
    pick = class_balanced_selection(l.labels, limit);
  } else {
    pick.resize(l.files.size());
    for (size_t i = 0; i < pick.size(); ++i) pick[i] = i;
  }
  const size_t n = pick.size();

  int w = width, h = height;
  const int c = channels > 0 ? channels : 3;
  if (w <= 0 || h <= 0) {  // native size = first image's size
    const Image first = read_image(l.files[pick[0]], 0, options.limits);
    if (w <= 0) w = first.width;
    if (h <= 0) h = first.height;
  }
  const size_t bytes = static_cast<size_t>(w) * h * c;
  std::vector<uint8_t> pixels(n * bytes);
  std::vector<Decoded> status(n);

  // Workers pull indices from a shared counter; each index is written by one thread
  // only, into its own slot, so the result does not depend on scheduling.
  std::atomic<size_t> next{0};
  auto worker = [&] {
    std::vector<uint8_t> scratch;
    for (size_t i; (i = next.fetch_add(1)) < n;) {
      try {
        const std::vector<uint8_t> file = detail::read_file(l.files[pick[i]]);
        const Image img = decode_image(file.data(), file.size(), 0, l.files[pick[i]], options.limits);
        detail::fit_image_into(img, pixels.data() + i * bytes, w, h, c, options.center_crop, scratch);
        status[i].ok = true;
      } catch (const DataError& e) {  // already "<file>: <reason>"
        status[i].error = e.what();
      } catch (const std::exception& e) {
        status[i].error = l.files[pick[i]] + ": " + e.what();
      }
    }
  };
  unsigned threads = options.threads ? options.threads : std::thread::hardware_concurrency();
  threads = static_cast<unsigned>(std::clamp<size_t>(threads, 1, std::max<size_t>(n, 1)));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) {
    try {
      pool.emplace_back(worker);
    } catch (const std::system_error&) {
      break;  // fewer threads is fine; this thread works too
    }
  }
  worker();
  for (auto& t : pool) t.join();

  std::vector<int> labels;
  std::vector<std::string> skipped;
  labels.reserve(n);
  size_t out = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!status[i].ok) {
      if (!options.skip_unreadable) throw DataError(status[i].error);
      skipped.push_back(status[i].error);
      continue;
    }
    if (out != i) std::copy_n(pixels.data() + i * bytes, bytes, pixels.data() + out * bytes);
    labels.push_back(l.labels[pick[i]]);
    ++out;
  }
  if (out == 0)
    throw DataError("no images found under " + root + ": all " + std::to_string(n) +
                    " files failed to decode, first: " + skipped.front());
  if (out < n) {
    pixels.resize(out * bytes);
    pixels.shrink_to_fit();
  }
  return std::make_unique<InMemoryDataset>("ImageFolder " + root, w, h, c, std::move(l.class_names), std::move(pixels),
                                           std::move(labels), std::move(skipped));
}

}  // namespace limitnet::data
