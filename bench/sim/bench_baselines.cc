// bench_baselines: quality sweep of the classical baselines on a dataset's test images:
// mean bytes (and how many of them are markers/tables), mean PSNR of the full decode,
// progressive JPEG's scan count and first-scan size, and encode/decode time per image.
//
//   bench_baselines [--data fashion-mnist|cifar10|DIR] [--images N]
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "baselines/baselines.h"
#include "data/dataset.h"

using namespace limitnet;

int main(int argc, char** argv) {
  std::string spec = "fashion-mnist";
  std::size_t count = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--data") {
      spec = argv[i + 1];
    } else if (a == "--images") {
      count = std::stoul(argv[i + 1]);
    } else {
      std::cerr << "usage: bench_baselines [--data SPEC] [--images N]\n";
      return 1;
    }
  }
  try {
    auto ds = data::open_dataset(spec, data::Split::Test, 0, 0, 0, count);
    std::vector<data::Image> images;
    for (std::size_t i = 0; i < ds->size(); ++i) images.push_back(ds->sample(i).image);
    std::printf("bench_baselines: %s\n", ds->description().c_str());
    std::printf("%-12s %4s %10s %10s %8s %9s %9s\n", "codec", "q", "bytes", "headers", "PSNR", "enc us", "dec us");
    for (const std::string& name : baselines::codec_names()) {
      auto codec = baselines::make_codec(name);
      for (int q : {10, 25, 50, 75, 90}) {
        double bytes = 0, headers = 0, psnr = 0, enc_s = 0, dec_s = 0, scans = 0, first = 0;
        for (const data::Image& img : images) {
          auto t0 = std::chrono::steady_clock::now();
          const baselines::EncodedStream s = codec->encode(img, q);
          auto t1 = std::chrono::steady_clock::now();
          const auto d = codec->decode_prefix(s, s.bytes.size());
          auto t2 = std::chrono::steady_clock::now();
          if (!d) throw std::runtime_error(name + ": own stream not decodable");
          enc_s += std::chrono::duration<double>(t1 - t0).count();
          dec_s += std::chrono::duration<double>(t2 - t1).count();
          bytes += static_cast<double>(s.bytes.size());
          headers += static_cast<double>(s.header_bytes);
          psnr += std::min(99.0, baselines::psnr(img, *d));
          scans += static_cast<double>(s.unit_ends.size());
          first += static_cast<double>(s.unit_ends.front());
        }
        const double n = static_cast<double>(images.size());
        std::printf("%-12s %4d %10.1f %10.1f %8.2f %9.1f %9.1f", name.c_str(), q, bytes / n, headers / n, psnr / n,
                    1e6 * enc_s / n, 1e6 * dec_s / n);
        if (name == "progjpeg") std::printf("   %.0f scans, first complete at %.1f bytes", scans / n, first / n);
        std::printf("\n");
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_baselines: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
