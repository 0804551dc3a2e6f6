// limitnet demo: the main job on the embedded default (Fashion-MNIST from apt).
//
// With libtorch and the shipped model (models/fmnist28/model.lnm):
//  1. Fashion-MNIST test images are encoded by the device pipeline into 51-byte packets;
//     the receiver keeps a prefix of k packets, decodes, reconstructs and classifies; it
//     prints top-1/top-5 against the mean bytes on air per image (every byte counted).
//  2. A strip of progressive reconstructions like the paper's Fig. 1 (rows = test images,
//     columns = the original, then the cloud's reconstruction after 1, 2, 3, ... packets),
//     written as an upscaled PNG.
//  3. Accuracy against time over a simulated LoRaWAN link (src/sim, a named scenario),
//     LimitNet against progressive JPEG: a table and an SVG.
// Files go to --out (default demo-out/).
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
#include <fstream>

#include "cloud/cloud_model.h"
#include "util/omp_env.h"
#include "util/progress.h"
#include "data/image_io.h"
#include "eval/accuracy_curve.h"
#include "sim/classifier.h"
#include "sim/simulate.h"
#include "sim/time_plot.h"
#endif

namespace limitnet::cli {

namespace {
struct DemoOptions {
  std::string data = "fashion-mnist";
  size_t limit = 2000;       // images of the accuracy-against-bytes curve
  size_t link_limit = 1000;  // images sent over the simulated link
  size_t strip = 6;          // images (rows) of the progressive strip
  size_t payload = kPayloadLoRaDR0;
  std::string scenario = "lorawan-dr0-1pct";
  std::string out = "demo-out";
  bool json = false;
  bool quiet = false;
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
  calibrate_bundle(
      view, static_cast<int>(train->size()),
      [&](int i) {
        train->get(static_cast<size_t>(i), buf.data(), nullptr);
        return buf.data();
      },
      &writer);
  raw = writer.serialize();
  DevicePipeline pipeline(raw.data(), raw.size(), "demo model");
  const CodecModel& codec = pipeline.codec();
  const CodecConfig& cfg = codec.config;

  // Per image and prefix length k (packets): bytes, values received, squared error.
  struct Point {
    double bytes = 0, values = 0, sq_err = 0;
  };
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
    print_json({{"data", test->description()},
                {"images", n},
                {"payload", o.payload},
                {"exact_round_trips", exact},
                {"model", "untrained fmnist28 (seed 1), calibrated on 256 training images"},
                {"curve", curve},
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

// Fig. 1 of the paper as a picture: one row per test image; columns: the original, then
// the cloud's reconstruction from the first 1, 2, 3, ... packets (an image that needs
// fewer packets repeats its complete reconstruction). Cells are upscaled (nearest
// neighbour) and separated by white gaps.
struct ProgressiveStrip {
  data::Image picture;
  size_t rows = 0, columns = 0;
  int cell = 0;                         // pixels per image side after upscaling
  int gap = 0;                          // pixels between cells and at the border
  std::vector<std::string> classes;     // class name of each row
  std::vector<size_t> packets_per_row;  // packets of each row's complete image
};

// The first image of each class in test-set order (so the rows differ), then the next
// unused images when there are fewer classes than rows.
std::vector<size_t> strip_images(const data::Dataset& test, size_t count, std::vector<uint8_t>* buf) {
  std::vector<size_t> picked;
  std::vector<char> seen(static_cast<size_t>(std::max(1, test.num_classes())), 0);
  for (size_t i = 0; i < test.size() && picked.size() < count; ++i) {
    int label = -1;
    test.get(i, buf->data(), &label);
    if (label >= 0 && static_cast<size_t>(label) < seen.size() && !seen[static_cast<size_t>(label)]) {
      seen[static_cast<size_t>(label)] = 1;
      picked.push_back(i);
    }
  }
  for (size_t i = 0; i < test.size() && picked.size() < count; ++i) {
    if (std::find(picked.begin(), picked.end(), i) == picked.end()) picked.push_back(i);
  }
  return picked;
}

void paste_upscaled(const uint8_t* hwc, int side, int channels, int scale, int x0, int y0, data::Image* into) {
  for (int y = 0; y < side * scale; ++y) {
    for (int x = 0; x < side * scale; ++x) {
      for (int c = 0; c < channels; ++c) {
        into->at(x0 + x, y0 + y, c) =
            hwc[(static_cast<size_t>(y / scale) * static_cast<size_t>(side) + static_cast<size_t>(x / scale)) *
                    static_cast<size_t>(channels) +
                static_cast<size_t>(c)];
      }
    }
  }
}

ProgressiveStrip progressive_strip(const CloudModel& model, const DevicePipeline& pipeline, const data::Dataset& test,
                                   size_t count, size_t payload, int scale) {
  const int side = model.input_size(), channels = model.input_channels();
  const CodecModel& codec = pipeline.codec();
  std::vector<uint8_t> buf(test.image_bytes());
  const std::vector<size_t> picked = strip_images(test, count, &buf);
  // Per row: the original, then one reconstruction per prefix length.
  std::vector<std::vector<std::vector<uint8_t>>> cells;
  ProgressiveStrip strip;
  std::vector<float> latent(codec.config.latent_elements());
  for (size_t row = 0; row < picked.size(); ++row) {
    int label = -1;
    test.get(picked[row], buf.data(), &label);
    const uint8_t id = static_cast<uint8_t>(row);
    const EncodedImage enc = pipeline.encode(buf.data(), id, payload);
    std::vector<std::vector<uint8_t>> row_cells{buf};
    ProgressiveDecoder decoder(&codec);
    for (const std::vector<uint8_t>& packet : enc.packets) {
      if (decoder.add_packet(packet.data(), packet.size()) != Status::kOk)
        throw CliError("demo: a packet was rejected");
      const ImageDecoder* img = decoder.image(id);
      if (!img || !img->ready()) {
        row_cells.emplace_back(buf.size(), uint8_t{128});  // nothing decodable yet: gray
        continue;
      }
      img->latent(latent.data());
      row_cells.push_back(model.reconstruct(latent.data()));
    }
    strip.columns = std::max(strip.columns, row_cells.size());
    strip.packets_per_row.push_back(enc.packets.size());
    const auto& names = test.class_names();
    strip.classes.push_back(label >= 0 && static_cast<size_t>(label) < names.size() ? names[static_cast<size_t>(label)]
                                                                                    : std::to_string(label));
    cells.push_back(std::move(row_cells));
  }
  strip.rows = cells.size();
  strip.cell = side * scale;
  strip.gap = std::max(2, scale);
  const int pitch = strip.cell + strip.gap;
  strip.picture = data::Image(static_cast<int>(strip.columns) * pitch + strip.gap,
                              static_cast<int>(strip.rows) * pitch + strip.gap, channels);
  std::fill(strip.picture.pixels.begin(), strip.picture.pixels.end(), uint8_t{255});
  for (size_t r = 0; r < cells.size(); ++r) {
    for (size_t c = 0; c < strip.columns; ++c) {
      const std::vector<uint8_t>& cell = cells[r][std::min(c, cells[r].size() - 1)];
      paste_upscaled(cell.data(), side, channels, scale, strip.gap + static_cast<int>(c) * pitch,
                     strip.gap + static_cast<int>(r) * pitch, &strip.picture);
    }
  }
  return strip;
}

// Every test image (of the first `images`) sent alone over the scenario's link from t = 0,
// LimitNet and progressive JPEG on the same channels; the model's cloud part classifies
// what has arrived at each grid time.
sim::SimulationResult link_simulation(const CloudModel& model, const DevicePipeline& pipeline,
                                      const data::Dataset& test, const sim::Scenario& scenario, bool progress) {
  sim::MethodContext ctx;
  ctx.pipeline = &pipeline;
  ctx.max_payload = scenario.payload_bytes;
  ctx.quality = 50;
  const auto limitnet = sim::make_method("limitnet", ctx);
  const auto progjpeg = sim::make_method("progjpeg", ctx);
  const int side = model.input_size(), channels = model.input_channels();
  sim::ImageSource src;
  src.count = test.size();
  src.image = [&](size_t i, data::Image* img, int* label) {
    if (img->width != side || img->height != side || img->channels != channels)
      *img = data::Image(side, side, channels);
    test.get(i, img->pixels.data(), label);
  };
  ProgressBar bar("link simulation", src.count, progress);
  sim::SimulationOptions so;
  so.progress = [&](size_t done) { bar.update(done); };
  sim::SimulationResult r = sim::simulate(scenario, {limitnet.get(), progjpeg.get()}, src, so,
                                          sim::make_classifier(sim::probability_model_of(model)));
  bar.finish();
  return r;
}

nlohmann::json link_json(const sim::SimulationResult& r, const sim::Scenario& scenario) {
  nlohmann::json curves = nlohmann::json::array();
  for (const sim::MethodCurve& c : r.curves) {
    nlohmann::json pts = nlohmann::json::array();
    for (const sim::TimePoint& p : c.points) {
      pts.push_back({{"t_ms", p.t_ms},
                     {"top1", p.top1},
                     {"top5", p.top5},
                     {"bytes_delivered", p.bytes_delivered},
                     {"units_fraction", p.units_fraction}});
    }
    curves.push_back({{"method", c.method}, {"units", c.units}, {"mean_bytes", c.mean_bytes}, {"points", pts}});
  }
  return {
      {"scenario", scenario.name}, {"scenario_summary", scenario.summary()}, {"images", r.images}, {"curves", curves}};
}

void print_link_table(const sim::SimulationResult& r) {
  std::cout << "    t (s)";
  for (const sim::MethodCurve& c : r.curves) std::cout << std::setw(10) << c.method << " top-1  bytes";
  std::cout << "\n";
  for (size_t g = 0; g < r.curves.front().points.size(); ++g) {
    std::cout << std::setw(9) << std::setprecision(0) << r.curves.front().points[g].t_ms / 1000.0;
    for (const sim::MethodCurve& c : r.curves) {
      const sim::TimePoint& p = c.points[g];
      std::cout << std::setw(15) << std::setprecision(1) << 100 * p.top1 << "%" << std::setw(7) << std::setprecision(0)
                << p.bytes_delivered;
    }
    std::cout << "\n";
  }
}

void run_model_demo(const DemoOptions& o, const std::string& model_path) {
  check_payload(o.payload);
  sim::Scenario scenario;
  try {
    scenario = sim::make_scenario(o.scenario);
  } catch (const std::invalid_argument& e) {
    throw CliError(e.what());
  }
  const auto start = std::chrono::steady_clock::now();
  const CloudModel model(model_path);
  const int side = model.input_size(), channels = model.input_channels();
  auto test = data::open_dataset(o.data, data::Split::Test, side, side, channels, std::max(o.limit, o.link_limit));
  if (model.num_classes() != test->num_classes()) {
    throw CliError("model '" + model_path + "' classifies " + std::to_string(model.num_classes()) + " classes but '" +
                   test->description() + "' has " + std::to_string(test->num_classes()));
  }
  const DevicePipeline pipeline(model.device_file().bytes(), model.device_file().size, model_path);
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(o.out, ec);
  if (ec) throw CliError("cannot create '" + o.out + "': " + ec.message());
  const std::string png_path = (fs::path(o.out) / "progressive.png").string();
  const std::string bytes_svg = (fs::path(o.out) / "accuracy-bytes.svg").string();
  const std::string time_svg = (fs::path(o.out) / "accuracy-time.svg").string();

  // 1. Accuracy against bytes: the first `limit` images.
  auto curve_images = data::open_dataset(o.data, data::Split::Test, side, side, channels, o.limit);
  eval::CurveOptions co;
  co.payload = o.payload;
  co.progress = !o.quiet && !o.json;
  const eval::CurveResult r = eval::evaluate_curve(model, *curve_images, co);
  write_text_file(bytes_svg, eval::curve_svg(r, model.preset() + " on " + r.data.substr(0, 60)));
  // 2. The progressive strip (4x upscaled: 28-pixel images become 112 pixels).
  const ProgressiveStrip strip = progressive_strip(model, pipeline, *test, o.strip, o.payload, 4);
  data::write_png(png_path, strip.picture);
  // 3. Accuracy against time over the link: the first `link_limit` images.
  auto link_images = data::open_dataset(o.data, data::Split::Test, side, side, channels, o.link_limit);
  const sim::SimulationResult link = link_simulation(model, pipeline, *link_images, scenario, !o.quiet && !o.json);
  write_text_file(time_svg, sim::accuracy_time_svg({link}, {"LimitNet vs progressive JPEG over " + scenario.name}));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (o.json) {
    nlohmann::json curve = nlohmann::json::array();
    for (const auto& p : r.curve) {
      curve.push_back({{"packets", p.packets},
                       {"bytes", p.bytes},
                       {"top1", p.top1},
                       {"top5", p.top5},
                       {"values_fraction", p.values_fraction},
                       {"relative_latent_error", p.relative_latent_error}});
    }
    print_json(
        {{"model", model_path},
         {"data", r.data},
         {"images", r.images},
         {"payload", r.payload},
         {"clean_top1", r.clean_top1},
         {"clean_top5", r.clean_top5},
         {"curve", curve},
         {"exact_round_trips", r.exact_round_trips},
         {"strip",
          {{"path", png_path},
           {"rows", strip.rows},
           {"columns", strip.columns},
           {"cell", strip.cell},
           {"gap", strip.gap},
           {"width", strip.picture.width},
           {"height", strip.picture.height},
           {"classes", strip.classes},
           {"packets", strip.packets_per_row}}},
         {"link", link_json(link, scenario)},
         {"files", {{"progressive_png", png_path}, {"accuracy_bytes_svg", bytes_svg}, {"accuracy_time_svg", time_svg}}},
         {"seconds", secs}});
    if (r.exact_round_trips != r.images) throw CliError("demo: round trip was not exact");
    return;
  }
  std::cout << "LimitNet demo on " << r.data << "\n"
            << "model: " << model_path << " (" << model.preset() << ", id " << hex32(model.model_id()) << ")\n"
            << "device: encode each image into packets of at most " << o.payload
            << " bytes; receiver: keep the first k\n"
            << "packets, decode, reconstruct, classify. Bytes = mean bytes on air per image, every byte counted.\n\n"
            << "classifier on the clean images: top-1 " << std::fixed << std::setprecision(1) << 100 * r.clean_top1
            << "%\n\n"
            << "packets  mean bytes   top-1   top-5  latent values received\n";
  for (const auto& p : r.curve) {
    std::cout << std::setw(7) << p.packets << std::setw(12) << std::setprecision(1) << p.bytes << std::setw(7)
              << 100 * p.top1 << "%" << std::setw(7) << 100 * p.top5 << "%" << std::setw(15) << 100 * p.values_fraction
              << "%\n";
  }
  std::cout << "\nexact round trip with all packets: " << r.exact_round_trips << " of " << r.images << " images\n";
  std::cout << "\nprogressive reconstructions (paper Fig. 1): " << strip.rows << " test images (";
  for (size_t i = 0; i < strip.classes.size(); ++i) std::cout << (i ? ", " : "") << strip.classes[i];
  std::cout << "); columns: the original, then after 1.." << strip.columns - 1 << " packets\n";
  std::cout << "\naccuracy against time over a simulated link: " << scenario.summary() << "\n"
            << link.images << " test images, each captured at t = 0 and sent alone; LimitNet (most important first, "
            << "losses resent) vs progressive JPEG (quality 50, scan by scan); top-1 and mean bytes delivered\n";
  print_link_table(link);
  std::cout << "\nwritten: " << png_path << " (" << strip.picture.width << "x" << strip.picture.height << " px), "
            << bytes_svg << ", " << time_svg << "\n"
            << std::setprecision(1) << secs << " s\n";
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
  cmd->add_option("--limit", opts->limit, "Test images of the accuracy-against-bytes curve")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--link-limit", opts->link_limit, "Test images sent over the simulated link")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--strip", opts->strip, "Test images (rows) in the progressive-reconstruction PNG")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_option("-s,--scenario", opts->scenario,
                  "Link scenario of the accuracy-against-time part (limitnet simulate --list)")
      ->capture_default_str();
  cmd->add_option("--out", opts->out, "Folder for progressive.png, accuracy-bytes.svg, accuracy-time.svg")
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", opts->quiet, "No progress bars");
  cmd->add_option("-p,--payload", opts->payload, "Maximum bytes per packet")->capture_default_str();
  cmd->add_flag("--json", opts->json, "Print JSON");
  cmd->add_option("-m,--model", opts->model, "Model bundle (default: the shipped fmnist28 model)");
  cmd->add_flag("--codec-only", opts->codec_only, "Show the codec with an untrained encoder (no classification)");
  cmd->callback([opts]() { dispatch_demo(*opts); });
}

}  // namespace

LIMITNET_SUBCOMMAND(90, register_demo);

}  // namespace limitnet::cli
