// open_dataset(): maps a spec string to one of the loaders.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "data/cifar.h"
#include "data/dataset.h"
#include "data/idx.h"
#include "data/image_folder.h"

namespace limitnet::data {
namespace fs = std::filesystem;
namespace {

std::string env_or(const char* var, const std::string& fallback) {
  const char* v = std::getenv(var);
  return (v && *v) ? std::string(v) : fallback;
}

bool is_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

const char* kLookedFor =
    "looked for IDX files ({train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]), CIFAR binary "
    "files (data_batch_1..5.bin + test_batch.bin or train.bin + test.bin, also in "
    "cifar-10-batches-bin/ or cifar-100-binary/) and an ImageFolder "
    "(<dir>/[train|test/]<class>/<image>.jpg|.png)";

std::unique_ptr<Dataset> open_directory(const std::string& dir, Split split, int w, int h, int c, size_t limit,
                                        const OpenOptions& opt, std::vector<std::string> idx_names) {
  if (find_idx_files(dir, split, nullptr, nullptr)) return open_idx(dir, split, w, h, c, limit, std::move(idx_names));
  CifarFiles cifar;
  if (find_cifar(dir, split, &cifar)) return open_cifar(dir, split, w, h, c, limit);

  // ImageFolder, possibly with split subfolders. Both splits get the union of their
  // class folders so that a label means the same class in train and test.
  const fs::path root(dir);
  const fs::path train = root / "train";
  fs::path test = root / "test";
  if (!is_dir(test) && is_dir(root / "val")) test = root / "val";
  if (is_dir(train) && is_dir(test)) {
    std::vector<std::string> classes = list_subdirectories(train.string());
    for (const std::string& k : list_subdirectories(test.string()))
      if (std::find(classes.begin(), classes.end(), k) == classes.end()) classes.push_back(k);
    std::sort(classes.begin(), classes.end());
    const fs::path sub = split == Split::Train ? train : test;
    return open_image_folder(sub.string(), w, h, c, limit, opt, classes);
  }
  try {
    return open_image_folder(dir, w, h, c, limit, opt);
  } catch (const DataError& e) {
    const std::string what = e.what();
    if (what.rfind("no images found under", 0) == 0) throw DataError(what + "; " + kLookedFor);
    throw;
  }
}

bool is_fashion_mnist(const std::string& spec) {
  return spec == "fashion-mnist" || spec == "fashion_mnist" || spec == "fashionmnist";
}

}  // namespace

std::string dataset_directory(const std::string& spec) {
  if (is_fashion_mnist(spec)) return env_or("LIMITNET_FASHION_MNIST", "/usr/share/datasets/fashion-mnist");
  if (spec == "mnist") return env_or("LIMITNET_MNIST", "/usr/share/datasets/mnist");
  if (spec == "cifar10" || spec == "cifar-10") {
    const char* data = std::getenv("LIMITNET_DATA");
    const std::string dir =
        env_or("LIMITNET_CIFAR10", (data && *data) ? (fs::path(data) / "cifar10").string() : std::string());
    if (dir.empty())
      throw DataError(spec,
                      "set LIMITNET_CIFAR10 (or LIMITNET_DATA, containing cifar10/) "
                      "or pass the dataset directory instead");
    return dir;
  }
  return spec;
}

std::unique_ptr<Dataset> open_dataset(const std::string& spec, Split split, int width, int height, int channels,
                                      size_t limit, const OpenOptions& options) {
  if (width < 0 || height < 0) throw std::invalid_argument("open_dataset: negative image size");
  if (channels != 0 && channels != 1 && channels != 3)
    throw std::invalid_argument("open_dataset: channels must be 0, 1 or 3, got " + std::to_string(channels));
  const std::string dir = dataset_directory(spec);
  std::vector<std::string> idx_names;
  if (is_fashion_mnist(spec)) idx_names = fashion_mnist_class_names();
  if (spec == "mnist") idx_names = mnist_class_names();
  if (!is_dir(dir)) {
    if (dir != spec) throw DataError(dir, "dataset '" + spec + "' not found: not a directory");
    throw DataError(spec, "not a dataset name (fashion-mnist, mnist, cifar10) or a directory");
  }
  return open_directory(dir, split, width, height, channels, limit, options, std::move(idx_names));
}

}  // namespace limitnet::data
