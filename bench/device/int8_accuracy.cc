// int8 device encoder against the float reference, in classification accuracy: the
// whole latent (every packet received) of each test image, once from the float network
// (DevicePipeline) and once from the int8 runtime (C API), dequantised and classified by
// the model's cloud part. Prints top-1 of both and the difference (the paper saw < 0.01
// points for its int8 encoder).
//   bench_device_int8_accuracy [<model bundle with cloud part> [dataset spec] [limit]]
// The dataset spec defaults to $LIMITNET_CIFAR10 / ../shared/datasets/cifar10 (the
// test split). Without arguments: both shipped models on their datasets (one whose dataset
// is absent is skipped with a note), as scripts/run-benchmarks.sh runs it. When the bundle
// has no int8.* sections yet, they are made here with post-training quantisation on 256
// training images.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../common/shipped_models.h"
#include "cloud/cloud_model.h"
#include "codec/quantize.h"
#include "data/dataset.h"
#include "device/limitnet_device.h"
#include "model/pipeline.h"
#include "model/ptq.h"

using namespace limitnet;

namespace {

double top1(const std::vector<float>& probs, int classes, const std::vector<int>& labels) {
  size_t hit = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const float* p = probs.data() + i * static_cast<size_t>(classes);
    int best = 0;
    for (int c = 1; c < classes; ++c) best = p[c] > p[best] ? c : best;
    hit += best == labels[i];
  }
  return static_cast<double>(hit) / static_cast<double>(labels.size());
}

// Float against int8 top-1 of one model on the test split; 0 on success.
int compare(const std::string& path, const std::string& spec, size_t limit) {
  CloudModel model(path);
  const int size = model.input_size(), ch = model.input_channels();
  auto test = data::open_dataset(spec, data::Split::Test, size, size, ch, limit);

  // The device bundle, with int8 sections (made here if missing).
  const BundleView& dv = model.device_bundle();
  std::vector<uint8_t> full;
  BundleTensor probe;
  PtqReport report;
  if (dv.find("int8.net", &probe)) {
    const LoadedBundle& f = model.device_file();
    full.assign(f.bytes(), f.bytes() + f.size);
  } else {
    auto train = data::open_dataset(spec, data::Split::Train, size, size, ch, 256);
    std::vector<std::vector<uint8_t>> frames(train->size(), std::vector<uint8_t>(train->image_bytes()));
    for (size_t i = 0; i < frames.size(); ++i) train->get(i, frames[i].data(), nullptr);
    BundleWriter w(dv.parts());
    w.copy_from(dv);
    report = add_int8_sections(
        dv, static_cast<int>(frames.size()), [&](int i) { return frames[static_cast<size_t>(i)].data(); }, &w);
    full = w.serialize(dv.model_id());
    std::printf("%s\n", ptq_summary(report).c_str());
  }
  DevicePipeline pipeline(full.data(), full.size(), path);
  std::vector<uint32_t> flash_words;
  {
    BundleView v = pipeline.bundle();
    const std::vector<uint8_t> flash = device_flash_bundle(v);
    flash_words.assign((flash.size() + 3) / 4, 0);
    std::memcpy(flash_words.data(), flash.data(), flash.size());
    full.assign(flash.begin(), flash.end());
  }
  size_t need = 0;
  std::vector<uint64_t> arena;
  limitnet_device* dev = nullptr;
  int r = limitnet_device_arena_size(flash_words.data(), full.size(), &need);
  if (r == LIMITNET_DEVICE_OK) {
    arena.resize(need / 8 + 1);
    r = limitnet_device_open(arena.data(), need, flash_words.data(), full.size(), nullptr, &dev);
  }
  if (r != LIMITNET_DEVICE_OK) {
    std::fprintf(stderr, "int8 runtime: %s\n", limitnet_device_status_name(r));
    return 1;
  }
  const CodecModel& codec = pipeline.codec();
  const size_t le = codec.config.latent_elements();
  const int classes = model.num_classes();
  const size_t n = test->size(), batch = 256;
  std::vector<int> labels(n);
  std::vector<uint8_t> img(test->image_bytes());
  double f_top1 = 0, q_top1 = 0;
  uint64_t same = 0;
  for (size_t s = 0; s < n; s += batch) {
    const size_t e = std::min(n, s + batch);
    std::vector<float> lf((e - s) * le), lq((e - s) * le);
    std::vector<int> lab;
    for (size_t i = s; i < e; ++i) {
      int label = 0;
      test->get(i, img.data(), &label);
      lab.push_back(label);
      const EncodedImage enc = pipeline.encode(img.data(), 0, 51);
      dequantize_latent(codec, enc.symbols.data(), nullptr, lf.data() + (i - s) * le);
      if (limitnet_device_encode(dev, img.data(), size, size, ch, 0, 51) != LIMITNET_DEVICE_OK) return 1;
      const uint8_t* sym = limitnet_device_symbols(dev);
      dequantize_latent(codec, sym, nullptr, lq.data() + (i - s) * le);
      // Only what is sent: the device leaves a coarse channel's off-lattice symbols as computed.
      for (size_t k = 0; k < le; ++k) {
        if (codec.config.element_sent(static_cast<uint32_t>(k))) same += sym[k] == enc.symbols[k];
      }
    }
    f_top1 += top1(model.classify(lf.data(), static_cast<int>(e - s)), classes, lab) * static_cast<double>(e - s);
    q_top1 += top1(model.classify(lq.data(), static_cast<int>(e - s)), classes, lab) * static_cast<double>(e - s);
  }
  f_top1 /= static_cast<double>(n);
  q_top1 /= static_cast<double>(n);
  std::printf(
      "%zu test images, full latent: float top-1 %.2f%%, int8 top-1 %.2f%%, difference %+.2f points; "
      "latent symbols identical %.2f%%\n",
      n, 100 * f_top1, 100 * q_top1, 100 * (q_top1 - f_top1),
      100.0 * static_cast<double>(same) / static_cast<double>(n * codec.config.sent_elements()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--help") {
    std::fprintf(stderr, "usage: %s [<model bundle> [dataset spec] [limit]]\n", argv[0]);
    return 2;
  }
  if (argc > 1) {
    return compare(argv[1], argc > 2 ? argv[2] : bench::cifar10_spec(),
                   argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 0);
  }
  return bench::for_each_shipped_model([](const std::string& model, const std::string& spec) {
    std::printf("%s\n", model.c_str());
    return compare(model, spec, 0);
  });
}
