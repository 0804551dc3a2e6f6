// Measures dataset open time and random-access sample throughput (get(), get() +
// crop/flip augmentation, and that plus conversion to a normalised float CHW tensor
// as a trainer would do) for Fashion-MNIST (IDX) and the CIFAR-10 ImageFolder.
//
// Usage: bench_data_loading [--fashion SPEC] [--cifar DIR] [--samples N]
//                           [--threads T] [--limit N]
//   --fashion  dataset spec for Fashion-MNIST (default "fashion-mnist")
//   --cifar    CIFAR-10 root with train/ and test/ (default $LIMITNET_CIFAR10, else
//              <LIMITNET_SHARED_DIR>/datasets/cifar10); skipped when absent
//   --samples  random accesses per measurement (default 200000)
//   --threads  ImageFolder decoding threads at open (default: all cores)
//   --limit    load only N samples (default: all)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "data/augment.h"
#include "data/dataset.h"

using namespace limitnet::data;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Rates {
  double get, get_aug, get_aug_float;
};

// Random-access throughput in images/second; the checksum keeps the work observable.
Rates measure(const Dataset& ds, size_t samples, uint64_t* checksum) {
  std::mt19937 rng(42);
  const size_t bytes = ds.image_bytes();
  const int w = ds.width(), h = ds.height(), c = ds.channels();
  std::vector<uint8_t> a(bytes), b(bytes);
  std::vector<float> f(bytes);
  std::vector<size_t> idx(samples);
  for (auto& i : idx) i = rng() % ds.size();
  Rates r{};
  int label = 0;

  auto t0 = Clock::now();
  for (size_t i : idx) {
    ds.get(i, a.data(), &label);
    *checksum += a[bytes / 2] + static_cast<uint64_t>(label);
  }
  r.get = static_cast<double>(samples) / seconds_since(t0);

  AugmentParams aug;  // pad 4, flip
  t0 = Clock::now();
  for (size_t i : idx) {
    ds.get(i, a.data(), &label);
    random_crop_flip(a.data(), b.data(), w, h, c, aug, rng);
    *checksum += b[bytes / 2];
  }
  r.get_aug = static_cast<double>(samples) / seconds_since(t0);

  t0 = Clock::now();
  const size_t plane = static_cast<size_t>(w) * h;
  for (size_t i : idx) {
    ds.get(i, a.data(), &label);
    random_crop_flip(a.data(), b.data(), w, h, c, aug, rng);
    for (size_t p = 0; p < plane; ++p)  // HWC uint8 -> CHW float in [-1, 1]
      for (int k = 0; k < c; ++k)
        f[static_cast<size_t>(k) * plane + p] = b[p * static_cast<size_t>(c) + k] * (2.0f / 255.0f) - 1.0f;
    *checksum += static_cast<uint64_t>(f[bytes / 2] > 0.0f);
  }
  r.get_aug_float = static_cast<double>(samples) / seconds_since(t0);
  return r;
}

void run(const std::string& name, const std::string& spec, Split split, int w, int h, int c, size_t limit,
         size_t samples, const OpenOptions& opt) {
  const auto t0 = Clock::now();
  std::unique_ptr<Dataset> ds;
  try {
    ds = open_dataset(spec, split, w, h, c, limit, opt);
  } catch (const std::exception& e) {
    std::printf("%-28s skipped: %s\n", name.c_str(), e.what());
    return;
  }
  const double open_s = seconds_since(t0);
  uint64_t checksum = 0;
  const Rates r = measure(*ds, samples, &checksum);
  const double mib = static_cast<double>(ds->size() * ds->image_bytes()) / (1 << 20);
  std::printf("%-28s %7zu  %2dx%-2dx%d %7.1f  %8.2f  %10.0f  %10.0f  %10.0f  %10.0f   (checksum %llu)\n", name.c_str(),
              ds->size(), ds->width(), ds->height(), ds->channels(), mib, open_s,
              static_cast<double>(ds->size()) / open_s, r.get, r.get_aug, r.get_aug_float,
              static_cast<unsigned long long>(checksum));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::string fashion = "fashion-mnist";
  std::string cifar;
  if (const char* e = std::getenv("LIMITNET_CIFAR10")) cifar = e;
  if (cifar.empty()) cifar = std::string(LIMITNET_SHARED_DIR) + "/datasets/cifar10";
  size_t samples = 200000, limit = 0;
  OpenOptions opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--fashion")
      fashion = next();
    else if (a == "--cifar")
      cifar = next();
    else if (a == "--samples")
      samples = std::stoul(next());
    else if (a == "--threads")
      opt.threads = static_cast<unsigned>(std::stoul(next()));
    else if (a == "--limit")
      limit = std::stoul(next());
    else {
      std::fprintf(stderr, "usage: %s [--fashion SPEC] [--cifar DIR] [--samples N] [--threads T] [--limit N]\n",
                   argv[0]);
      return 2;
    }
  }
  std::printf(
      "random accesses per figure: %zu; augmentation = random crop (pad 4) + flip; "
      "float = HWC uint8 -> CHW float\n",
      samples);
  std::printf("%-28s %7s  %-8s %7s  %8s  %10s  %10s  %10s  %10s\n", "dataset", "images", "shape", "MiB", "open_s",
              "open_img/s", "get/s", "+aug/s", "+float/s");
  run("fashion-mnist train", fashion, Split::Train, 0, 0, 0, limit, samples, opt);
  run("fashion-mnist train 32x32x3", fashion, Split::Train, 32, 32, 3, limit, samples, opt);
  run("fashion-mnist test", fashion, Split::Test, 0, 0, 0, limit, samples, opt);
  if (std::filesystem::exists(cifar)) {
    run("cifar10 ImageFolder train", cifar, Split::Train, 32, 32, 3, limit, samples, opt);
    run("cifar10 ImageFolder test", cifar, Split::Test, 32, 32, 3, limit, samples, opt);
  } else {
    std::printf("%-28s skipped: %s not found\n", "cifar10 ImageFolder", cifar.c_str());
  }
  return 0;
}
