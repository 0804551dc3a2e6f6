// limitnet demo: the main job on the embedded default (Fashion-MNIST from apt).
//
// With libtorch and the shipped model (models/fmnist28/model.lnm): Fashion-MNIST test
// images are encoded by the device pipeline into 51-byte packets, the receiver keeps a
// prefix of k packets, decodes, reconstructs and classifies; it prints top-1/top-5 against
// the mean bytes on air per image (every byte counted).
//
// Without libtorch or without the shipped model (--codec-only, or as a fallback) it shows
// the codec itself: an untrained fmnist28 encoder, calibrated on Fashion-MNIST, and how
// many latent values each byte budget delivers.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <iomanip>
#include <iostream>

#include "cli_common.h"
#include "codec/dec/progressive_decoder.h"
#include "codec/presets.h"
#include "codec/quantize.h"
#include "data/dataset.h"
#include "model/calibrate.h"
#include "model/pipeline.h"
#include "model/random_model.h"
#ifdef LIMITNET_HAVE_TORCH
#include <filesystem>

#include "cloud/cloud_model.h"
#include "cloud/omp_env.h"
#include "eval/accuracy_curve.h"
#endif

namespace limitnet::cli {

namespace {
struct DemoOptions {
  std::string data = "fashion-mnist";
  size_t limit = 2000;
  size_t payload = kPayloadLoRaDR0;
  bool json = false;
  bool codec_only = false;
  std::string model;  // default: the shipped fmnist28 model
};

void run_demo(const DemoOptions& o) {
  check_payload(o.payload);
  const auto start = std::chrono::steady_clock::now();
  const PresetSpec& preset = *find_preset("fmnist28");
  const int size = preset.input_size, channels = preset.input_channels;
  auto train = data::open_dataset(o.data, data::Split::Train, size, size, channels, 256);
  auto test = data::open_dataset(o.data, data::Split::Test, size, size, channels, o.limit);

  BundleWriter writer = random_device_bundle(preset, preset.codec, 1);
  std::vector<uint8_t> raw = writer.serialize();
  const LoadedBundle untrained = parse_bundle_bytes(raw.data(), raw.size(), "untrained model");
  const BundleView& view = untrained.view;
  std::vector<uint8_t> buf(train->image_bytes());
  calibrate_bundle(view, static_cast<int>(train->size()),
                   [&](int i) { train->get(static_cast<size_t>(i), buf.data(), nullptr); return buf.data(); }, &writer);
  raw = writer.serialize();
  DevicePipeline pipeline(raw.data(), raw.size(), "demo model");
  const CodecModel& codec = pipeline.codec();
  const CodecConfig& cfg = codec.config;

  // Per image and prefix length k (packets): bytes, values received, squared error.
  struct Point { double bytes = 0, values = 0, sq_err = 0; };
  std::vector<std::vector<Point>> per_image;
  double full_energy = 0;
  size_t exact = 0, most_packets = 0;
  std::vector<float> full(cfg.latent_elements()), part(cfg.latent_elements());
  for (size_t i = 0; i < test->size(); ++i) {
    test->get(i, buf.data(), nullptr);
    const EncodedImage enc = pipeline.encode(buf.data(), static_cast<uint8_t>(i), o.payload);
    dequantize_latent(codec, enc.symbols.data(), nullptr, full.data());
    for (float v : full) full_energy += static_cast<double>(v) * v;
    most_packets = std::max(most_packets, enc.packets.size());
    ProgressiveDecoder decoder(&codec);
    std::vector<Point> points;
    double bytes = 0;
    for (size_t k = 0; k < enc.packets.size(); ++k) {
      if (decoder.add_packet(enc.packets[k].data(), enc.packets[k].size()) != Status::kOk) {
        throw CliError("demo: packet " + std::to_string(k) + " of image " + std::to_string(i) + " was rejected");
      }
      bytes += static_cast<double>(enc.packets[k].size());
      const ImageDecoder* img = decoder.image(static_cast<uint8_t>(i));
      Point p{bytes, 0, 0};
      if (img->ready()) {
        img->latent(part.data());
        p.values = img->values_received();
        for (size_t e = 0; e < part.size(); ++e) p.sq_err += (part[e] - full[e]) * (part[e] - full[e]);
        if (k + 1 == enc.packets.size() && img->symbols() == enc.symbols) ++exact;
      } else {
        for (float v : full) p.sq_err += static_cast<double>(v) * v;
      }
      points.push_back(p);
    }
    per_image.push_back(std::move(points));
  }
  // An image that needed fewer packets stays complete at every longer prefix.
  std::vector<Point> rows(most_packets);
  for (const auto& points : per_image) {
    for (size_t k = 0; k < most_packets; ++k) {
      const Point& p = points[std::min(k, points.size() - 1)];
      rows[k].bytes += p.bytes;
      rows[k].values += p.values;
      rows[k].sq_err += p.sq_err;
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const size_t n = test->size();
  nlohmann::json curve = nlohmann::json::array();
  for (size_t k = 0; k < rows.size(); ++k) {
    const Point& r = rows[k];
    curve.push_back({{"packets", k + 1},
                     {"bytes", r.bytes / static_cast<double>(n)},
                     {"values_fraction", r.values / (static_cast<double>(n) * cfg.latent_elements())},
                     {"relative_latent_error", std::sqrt(r.sq_err / full_energy)}});
  }
  if (o.json) {
    print_json({{"data", test->description()}, {"images", n}, {"payload", o.payload}, {"exact_round_trips", exact},
                {"model", "untrained fmnist28 (seed 1), calibrated on 256 training images"}, {"curve", curve},
                {"seconds", secs}});
    return;
  }
  std::cout << "LimitNet codec demo on " << test->description() << "\n"
            << "model: untrained fmnist28 encoder (random weights, seed 1) calibrated on 256 training images;\n"
            << "       trained models and classification accuracy arrive with the training issue.\n"
            << "packets of at most " << o.payload << " bytes; every byte on air counted (header, saliency, CRC)\n\n"
            << "packets  mean bytes  latent values received  relative latent error\n";
  for (const auto& row : curve) {
    std::cout << std::setw(7) << row["packets"].get<size_t>() << std::fixed << std::setprecision(1) << std::setw(12)
              << row["bytes"].get<double>() << std::setw(23) << std::setprecision(1)
              << 100.0 * row["values_fraction"].get<double>() << "%" << std::setw(23) << std::setprecision(3)
              << row["relative_latent_error"].get<double>() << "\n";
  }
  std::cout << "\nexact round trip with all packets: " << exact << " of " << n << " images; " << std::setprecision(1)
            << secs << " s\n";
  if (exact != n) throw CliError("demo: round trip was not exact");
}
}  // namespace

namespace {
#ifdef LIMITNET_HAVE_TORCH
// The shipped model: $LIMITNET_MODELS/fmnist28/model.lnm, else models/ beside the source
// tree this binary was built from, else ../share/limitnet/models beside the binary.
std::string shipped_model() {
  namespace fs = std::filesystem;
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("LIMITNET_MODELS")) candidates.push_back(fs::path(env) / "fmnist28/model.lnm");
  candidates.push_back(fs::path(LIMITNET_SOURCE_DIR) / "models/fmnist28/model.lnm");
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(exe.parent_path() / "../share/limitnet/models/fmnist28/model.lnm");
  for (const fs::path& p : candidates) {
    if (fs::exists(p)) return p.string();
  }
  return "";
}

void run_model_demo(const DemoOptions& o, const std::string& model_path) {
  check_payload(o.payload);
  const CloudModel model(model_path);
  auto test = data::open_dataset(o.data, data::Split::Test, model.input_size(), model.input_size(), model.input_channels(),
                                 o.limit);
  eval::CurveOptions co;
  co.payload = o.payload;
  co.progress = false;
  const eval::CurveResult r = eval::evaluate_curve(model, *test, co);
  if (o.json) {
    nlohmann::json curve = nlohmann::json::array();
    for (const auto& p : r.curve) {
      curve.push_back({{"packets", p.packets}, {"bytes", p.bytes}, {"top1", p.top1}, {"top5", p.top5},
                       {"values_fraction", p.values_fraction}, {"relative_latent_error", p.relative_latent_error}});
    }
    print_json({{"model", model_path}, {"data", r.data}, {"images", r.images}, {"payload", r.payload},
                {"clean_top1", r.clean_top1}, {"clean_top5", r.clean_top5}, {"curve", curve},
                {"exact_round_trips", r.exact_round_trips}, {"seconds", r.seconds}});
    return;
  }
  std::cout << "LimitNet demo on " << r.data << "\n"
            << "model: " << model_path << " (" << model.preset() << ", id " << hex32(model.model_id()) << ")\n"
            << "device: encode each image into packets of at most " << o.payload << " bytes; receiver: keep the first k\n"
            << "packets, decode, reconstruct, classify. Bytes = mean bytes on air per image, every byte counted.\n\n"
            << "classifier on the clean images: top-1 " << std::fixed << std::setprecision(1) << 100 * r.clean_top1 << "%\n\n"
            << "packets  mean bytes   top-1   top-5  latent values received\n";
  for (const auto& p : r.curve) {
    std::cout << std::setw(7) << p.packets << std::setw(12) << std::setprecision(1) << p.bytes << std::setw(7)
              << 100 * p.top1 << "%" << std::setw(7) << 100 * p.top5 << "%" << std::setw(15) << 100 * p.values_fraction << "%\n";
  }
  std::cout << "\nexact round trip with all packets: " << r.exact_round_trips << " of " << r.images << " images; "
            << std::setprecision(1) << r.seconds << " s\n";
  if (r.exact_round_trips != r.images) throw CliError("demo: round trip was not exact");
}
#endif

void dispatch_demo(const DemoOptions& o) {
#ifdef LIMITNET_HAVE_TORCH
  if (!o.codec_only) {
    const std::string path = o.model.empty() ? shipped_model() : o.model;
    if (!path.empty()) {
      ensure_passive_openmp();
      run_model_demo(o, path);
      return;
    }
    std::cerr << "limitnet demo: no shipped model found (models/fmnist28/model.lnm); showing the codec only\n";
  }
#else
  if (!o.codec_only) std::cerr << "limitnet demo: this build has no libtorch; showing the codec only\n";
#endif
  run_demo(o);
}

void register_demo(CLI::App& app) {
  auto opts = std::make_shared<DemoOptions>();
  CLI::App* cmd = app.add_subcommand("demo", "Run the main job on the embedded default (Fashion-MNIST from apt)");
  cmd->add_option("--data", opts->data, "Dataset (fashion-mnist, or a folder)")->capture_default_str();
  cmd->add_option("--limit", opts->limit, "Test images to use")->capture_default_str()->check(CLI::Range(1, 100000));
  cmd->add_option("-p,--payload", opts->payload, "Maximum bytes per packet")->capture_default_str();
  cmd->add_flag("--json", opts->json, "Print JSON");
  cmd->add_option("-m,--model", opts->model, "Model bundle (default: the shipped fmnist28 model)");
  cmd->add_flag("--codec-only", opts->codec_only, "Show the codec with an untrained encoder (no classification)");
  cmd->callback([opts]() { dispatch_demo(*opts); });
}

}  // namespace

LIMITNET_SUBCOMMAND(90, register_demo);

}  // namespace limitnet::cli
