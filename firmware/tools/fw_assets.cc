// Host tool: writes what the firmware benchmark embeds and what it must print.
//   fw_assets <outdir> [--paper224 <bundle>] [--cifar32 <bundle>] [--fmnist28 <bundle>] [--arch <file.json>]...
//             [--coder <model>=<coder>]... [--int8-weights <model>]... (--help)
// For each preset (paper224, cifar32, fmnist28 (gray); random-weight models calibrated
// and quantised on synthetic frames unless a bundle path is given), and for each --arch
// architecture file (a random-weight model of an architecture that is no preset, e.g.
// models/arch/gray96.json), and for each --coder pair (a copy of that model whose config
// selects another entropy coder, named <model>-<coder>), it writes into <outdir>:
//   fw_assets.c / fw_assets.h  the float-stripped int8 bundles (4-byte aligned, .rodata)
//                              and the golden frames (section .testdata)
//   expected.txt               the packets the host build of the int8 runtime produces
//                              for the golden frames, as "PACKET ..." lines (the format
//                              the firmware prints), for byte-for-byte comparison.
//   camera_<format>.raw        160x120 camera frames (RGB565 LE, YUYV) the firmware encodes
//                              with limitnet_device_encode_frame; camera.txt lists the runs
//                              ("<preset> <format> <width>x<height> <image id>") and
//                              model_<preset>.lnm holds each bundle, so the firmware test can
//                              encode the same pixels with `limitnet encode --frame`.
//   encode/<name>.lnm, encode/<name>_<frame>.png  for --arch and --coder models: the full bundle and
//                              the golden frames, so the firmware test can compare the
//                              firmware's packets with `limitnet encode --network int8`.
// Each --int8-weights model gets a copy named <model>-int8w whose Flash bundle keeps the
// weights as int8 (unpacked by the kernels) instead of widened to int16: half the weights'
// Flash, the same packets, and the kernels' int8-weight path on the target.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "codec/host/bundle_file.h"
#include "codec/host/bundle_writer.h"
#include "codec/presets.h"
#include "data/image_io.h"
#include "device/device_state.h"
#include "device/limitnet_device.h"
#include "model/arch_file.h"
#include "model/calibrate.h"
#include "model/camera_frame.h"
#include "model/model_tools.h"
#include "model/ptq.h"

namespace {

constexpr int kFramesPerModel = 2;
constexpr size_t kPayload = 51;  // LoRa EU868 DR0-2, the project default

struct Model {
  std::string name;    // in the output lines and file names: the preset, the architecture or "<model>-<coder>"
  std::string preset;  // what limitnet_device_open checks: the bundle's preset or architecture name
  limitnet::ArchSpec arch;
  std::vector<uint8_t> full;    // as loaded, float and int8 sections (the file `limitnet encode` reads)
  std::vector<uint8_t> bundle;  // stripped
  bool widened = true;          // the stripped bundle's weights: widened to int16, or int8
  std::vector<std::vector<uint8_t>> frames;
  size_t work_bytes = 0;
};

std::vector<uint8_t> load_or_random(const std::string& preset, const std::string& path) {
  if (path.empty()) return limitnet::random_int8_bundle(preset.c_str(), 1, 4);
  limitnet::LoadedBundle b = limitnet::load_bundle(path);
  limitnet::BundleTensor t;
  if (b.view.find("int8.net", &t)) return std::vector<uint8_t>(b.bytes(), b.bytes() + b.size);
  // A float-only bundle (e.g. fresh from training): quantise on synthetic frames.
  const limitnet::PresetSpec* p = limitnet::find_preset(preset.c_str());
  std::vector<std::vector<uint8_t>> frames;
  for (int i = 0; i < 8; ++i) frames.push_back(limitnet::synthetic_frame(p->input_size, p->input_channels, 1000 + i));
  limitnet::BundleWriter w(b.view.parts());
  w.copy_from(b.view);
  limitnet::add_int8_sections(
      b.view, 8, [&](int i) { return frames[static_cast<size_t>(i)].data(); }, &w);
  return w.serialize(b.view.model_id());
}

void write_array(std::ostream& o, const std::string& name, const std::vector<uint8_t>& bytes, const char* section) {
  o << "__attribute__((aligned(4)";
  if (section) o << ", section(\"" << section << "\")";
  o << ")) const uint8_t " << name << "[" << bytes.size() << "] = {";
  for (size_t i = 0; i < bytes.size(); ++i) o << (i % 24 ? "" : "\n") << static_cast<int>(bytes[i]) << ",";
  o << "\n};\n";
}

constexpr const char* kUsage =
    "usage: fw_assets OUTDIR [--paper224 BUNDLE] [--cifar32 BUNDLE] [--fmnist28 BUNDLE] [--arch FILE.json]...\n"
    "                 [--coder MODEL=CODER]... [--int8-weights MODEL]...\n"
    "Writes what the firmware benchmark (firmware/) embeds into OUTDIR: fw_assets.c/.h (the device\n"
    "bundles of paper224, cifar32 and fmnist28 and two golden frames each) and expected.txt (the\n"
    "packets the host build of the int8 runtime makes of them). A preset without BUNDLE gets a\n"
    "random-weight model (seed 1); a float-only BUNDLE is quantised on synthetic frames. Each --arch\n"
    "adds a random-weight int8 model of that architecture (docs/TRAINING.md) and writes its bundle\n"
    "and frames under OUTDIR/encode/ for `limitnet encode`. Each --coder adds a copy of MODEL (a preset\n"
    "or an --arch name) whose entropy coder is CODER (huffman, rans, range), named MODEL-CODER, also\n"
    "under OUTDIR/encode/. Each --int8-weights adds a copy of MODEL named MODEL-int8w whose Flash bundle\n"
    "keeps the weights as int8 instead of widened to int16 (half their Flash, the same packets).\n"
    "For your own firmware use `limitnet model export M.lnm --device -o DIR` (docs/PORTING.md).\n";

constexpr int kPresets = 3;
const char* const kPresetNames[kPresets] = {"paper224", "cifar32", "fmnist28"};

struct Options {
  std::string out;
  std::string paths[kPresets];  // per preset; empty: a random-weight model
  std::vector<std::string> arch_files;
  std::vector<std::pair<std::string, std::string>> coders;  // (model name, entropy coder) from --coder
  std::vector<std::string> int8_weights;                    // models to copy with int8 weights in Flash
};

// Options from "--<preset> BUNDLE", "--arch FILE" and "--coder MODEL=CODER" pairs; false
// (after printing why) on bad arguments.
bool parse_options(int argc, char** argv, Options* o) {
  o->out = argv[1];
  for (int i = 2; i < argc; i += 2) {
    int found = -1;
    for (int m = 0; m < kPresets; ++m) {
      if (std::strncmp(argv[i], "--", 2) == 0 && std::strcmp(argv[i] + 2, kPresetNames[m]) == 0) found = m;
    }
    const bool known = found >= 0 || std::strcmp(argv[i], "--arch") == 0 || std::strcmp(argv[i], "--coder") == 0 ||
                       std::strcmp(argv[i], "--int8-weights") == 0;
    if (!known) {
      std::cerr << "fw_assets: unknown option '" << argv[i]
                << "' (valid: --paper224, --cifar32, --fmnist28, --arch, --coder, --int8-weights; --help)\n";
      return false;
    }
    if (i + 1 >= argc) {
      std::cerr << "fw_assets: " << argv[i] << " needs a value\n";
      return false;
    }
    const std::string value = argv[i + 1];
    if (found >= 0) {
      o->paths[found] = value;
    } else if (std::strcmp(argv[i], "--arch") == 0) {
      o->arch_files.push_back(value);
    } else if (std::strcmp(argv[i], "--int8-weights") == 0) {
      o->int8_weights.push_back(value);
    } else {
      const size_t eq = value.find('=');
      if (eq == 0 || eq == std::string::npos || eq + 1 == value.size()) {
        std::cerr << "fw_assets: --coder needs MODEL=CODER (e.g. cifar32=range), not '" << value << "'\n";
        return false;
      }
      const std::string coder = value.substr(eq + 1);
      if (coder != "huffman" && coder != "rans" && coder != "range") {
        std::cerr << "fw_assets: --coder " << value << ": unknown coder '" << coder
                  << "' (valid: huffman, rans, range)\n";
        return false;
      }
      o->coders.emplace_back(value.substr(0, eq), coder);
    }
  }
  return true;
}

// A bundle's bytes in 4-byte aligned storage (what BundleView and the device API read).
std::vector<uint32_t> aligned(const std::vector<uint8_t>& bytes) {
  std::vector<uint32_t> a((bytes.size() + 3) / 4);
  std::memcpy(a.data(), bytes.data(), bytes.size());
  return a;
}

// The presets, the --arch models, the --coder copies, then the --int8-weights copies (full
// bundles only). Throws on a bad bundle or architecture file and, before any model is made,
// on a --coder model that is none of them; on an --int8-weights model that is none of them.
std::vector<Model> load_models(const Options& o) {
  std::vector<Model> models;
  for (int m = 0; m < kPresets; ++m) {
    Model model;
    model.name = model.preset = kPresetNames[m];
    model.arch = *limitnet::find_preset(kPresetNames[m]);
    models.push_back(std::move(model));
  }
  for (const std::string& file : o.arch_files) {
    Model model;
    model.arch = limitnet::read_arch_file(file);
    model.name = model.preset = model.arch.name;
    models.push_back(std::move(model));
  }
  auto named = [&](const std::string& name) {
    return std::find_if(models.begin(), models.end(), [&](const Model& m) { return m.name == name; });
  };
  for (const auto& [base, coder] : o.coders) {
    if (named(base) == models.end()) {
      throw std::invalid_argument("--coder " + base + "=" + coder + ": no model named '" + base +
                                  "' (a preset or an --arch name)");
    }
  }
  for (size_t m = 0; m < models.size(); ++m) {
    models[m].full = m < static_cast<size_t>(kPresets) ? load_or_random(models[m].preset, o.paths[m])
                                                       : limitnet::random_int8_bundle(models[m].arch, 1, 4);
    if (m < static_cast<size_t>(kPresets) && !o.paths[m].empty()) {
      // A trained bundle for the preset's slot may carry its own architecture (e.g. a wider
      // encoder, train --arch): the slot keeps its name, the device checks the bundle's.
      const limitnet::LoadedBundle b =
          limitnet::parse_bundle_bytes(models[m].full.data(), models[m].full.size(), o.paths[m]);
      models[m].arch = limitnet::bundle_arch(b.view, o.paths[m]);
      models[m].preset = models[m].arch.name;
    }
  }
  for (const auto& [base, coder] : o.coders) {
    Model model = *named(base);
    model.name = base + "-" + coder;
    const std::vector<uint32_t> a = aligned(model.full);
    limitnet::BundleView view;
    if (view.parse(reinterpret_cast<const uint8_t*>(a.data()), model.full.size()) != limitnet::Status::kOk) {
      throw std::runtime_error("bundle for " + base + " does not parse");
    }
    model.full = limitnet::bundle_with_coder(view, coder, model.name);
    models.push_back(std::move(model));
  }
  for (const std::string& base : o.int8_weights) {
    if (named(base) == models.end()) {
      throw std::invalid_argument("--int8-weights " + base + ": no model named '" + base +
                                  "' (a preset, an --arch name or a --coder copy)");
    }
    Model model = *named(base);
    model.name = base + "-int8w";
    model.widened = false;
    models.push_back(std::move(model));
  }
  return models;
}

// Strips the model to its Flash bundle, encodes its golden frames with the host build of
// the device API and appends the packets to `expected` as "PACKET <name> <frame> <index>
// <hex>" lines (what the firmware prints). Throws on a device error.
void encode_golden_frames(Model* model, std::ostream& expected) {
  const std::vector<uint32_t> a = aligned(model->full);
  limitnet::BundleView view;
  if (view.parse(reinterpret_cast<const uint8_t*>(a.data()), model->full.size()) != limitnet::Status::kOk) {
    throw std::runtime_error("bundle for " + model->name + " does not parse");
  }
  model->bundle = limitnet::device_flash_bundle(view, model->widened);
  const std::vector<uint32_t> sa = aligned(model->bundle);
  size_t need = 0;
  int r = limitnet_device_arena_size(sa.data(), model->bundle.size(), &need);
  std::vector<uint64_t> arena(need / 8 + 1);
  limitnet_device* dev = nullptr;
  if (r == LIMITNET_DEVICE_OK) {
    r = limitnet_device_open(arena.data(), need, sa.data(), model->bundle.size(), model->preset.c_str(), &dev);
  }
  if (r != LIMITNET_DEVICE_OK) throw std::runtime_error(model->name + ": open: " + limitnet_device_status_name(r));
  const limitnet::PresetSpec& p = model->arch;
  model->work_bytes = need - kLimitnetDeviceStateBytes;  // activations; the firmware adds its own state size
  for (int f = 0; f < kFramesPerModel; ++f) {
    model->frames.push_back(limitnet::synthetic_frame(p.input_size, p.input_channels, 7 + static_cast<uint64_t>(f)));
    r = limitnet_device_encode(dev, model->frames.back().data(), p.input_size, p.input_size, p.input_channels,
                               static_cast<uint8_t>(f), kPayload);
    if (r != LIMITNET_DEVICE_OK) throw std::runtime_error(model->name + ": encode: " + limitnet_device_status_name(r));
    uint8_t pkt[kPayload];
    size_t n = 0;
    for (int k = 0; limitnet_device_next_packet(dev, pkt, sizeof pkt, &n) == LIMITNET_DEVICE_OK && n > 0; ++k) {
      expected << "PACKET " << model->name << " " << f << " " << k << " ";
      char hex[3];
      for (size_t i = 0; i < n; ++i) {
        std::snprintf(hex, sizeof hex, "%02x", pkt[i]);
        expected << hex;
      }
      expected << "\n";
    }
  }
}

// A C identifier for a model name (architecture names may hold '-').
std::string ident(std::string name) {
  for (char& ch : name) ch = ch == '-' ? '_' : ch;
  return name;
}

// ---- camera frames: what a sensor hands the device, encoded by limitnet_device_encode_frame ----

constexpr int kCameraWidth = 160, kCameraHeight = 120;
const char* const kCameraFormats[] = {"rgb565le", "yuyv"};
constexpr int kCameraFirstImageId = 10;

uint8_t clamp_byte(int v) { return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v); }

// A 160x120 frame in `format` made from synthetic RGB texture (any integer mapping will do:
// the firmware and the host read the same bytes).
std::vector<uint8_t> camera_frame(int format) {
  const std::vector<uint8_t> rgb = limitnet::synthetic_frame(kCameraWidth, 3, 31);  // 160 x 160, first 120 rows used
  std::vector<uint8_t> out;
  for (int i = 0; i < kCameraWidth * kCameraHeight; i += 2) {
    const uint8_t* a = &rgb[3 * static_cast<size_t>(i)];
    const uint8_t* b = a + 3;
    if (format == LIMITNET_PIXEL_RGB565_LE) {
      for (const uint8_t* p : {a, b}) {
        const int w = ((p[0] >> 3) << 11) | ((p[1] >> 2) << 5) | (p[2] >> 3);
        out.push_back(static_cast<uint8_t>(w & 255));
        out.push_back(static_cast<uint8_t>(w >> 8));
      }
    } else {  // YUYV: full-range BT.601, chroma of the pair averaged
      auto y = [](const uint8_t* p) { return clamp_byte((77 * p[0] + 150 * p[1] + 29 * p[2] + 128) >> 8); };
      const int r = a[0] + b[0], g = a[1] + b[1], bl = a[2] + b[2];
      out.push_back(y(a));
      out.push_back(clamp_byte(((-43 * r - 85 * g + 128 * bl + 256) >> 9) + 128));
      out.push_back(y(b));
      out.push_back(clamp_byte(((128 * r - 107 * g - 21 * bl + 256) >> 9) + 128));
    }
  }
  return out;
}

struct CameraRun {
  std::string model, format;         // model: its name
  std::vector<uint8_t> model_input;  // what the device's adapter makes of the frame (for the cost figure)
};

// Host packets of every (model that fits a 160x120 frame, camera format) pair, as the
// firmware prints them ("CAMPACKET <model> <format> <index> <hex>"); throws on a device error.
std::vector<CameraRun> camera_runs(const std::vector<Model>& models, const std::vector<std::vector<uint8_t>>& frames,
                                   std::ostream& expected) {
  std::vector<CameraRun> runs;
  for (const Model& m : models) {
    // The preset slots (the shipped models), whatever architecture their bundle carries.
    const bool preset_slot = std::find(kPresetNames, kPresetNames + kPresets, m.name) != kPresetNames + kPresets;
    if (!preset_slot || m.arch.input_size > kCameraHeight) continue;
    const std::vector<uint32_t> bundle = aligned(m.bundle);
    size_t need = 0;
    limitnet_device_arena_size(bundle.data(), m.bundle.size(), &need);
    std::vector<uint64_t> arena(need / 8 + 1);
    limitnet_device* dev = nullptr;
    int r = limitnet_device_open(arena.data(), need, bundle.data(), m.bundle.size(), nullptr, &dev);
    for (size_t f = 0; f < frames.size() && r == LIMITNET_DEVICE_OK; ++f) {
      const int format = limitnet::parse_pixel_format(kCameraFormats[f]);
      const limitnet_frame frame = {frames[f].data(), kCameraWidth, kCameraHeight,
                                    static_cast<size_t>(kCameraWidth) * 2, format};
      r = limitnet_device_encode_frame(dev, &frame, static_cast<uint8_t>(kCameraFirstImageId + runs.size()), kPayload);
      uint8_t pkt[kPayload];
      size_t n = 0;
      for (int k = 0; r == LIMITNET_DEVICE_OK && limitnet_device_next_packet(dev, pkt, sizeof pkt, &n) == 0 && n > 0;
           ++k) {
        expected << "CAMPACKET " << m.name << " " << kCameraFormats[f] << " " << k << " ";
        for (size_t i = 0; i < n; ++i) expected << "0123456789abcdef"[pkt[i] >> 4] << "0123456789abcdef"[pkt[i] & 15];
        expected << "\n";
      }
      runs.push_back(
          {m.name, kCameraFormats[f], limitnet::frame_to_model_input(frame, m.arch.input_size, m.arch.input_channels)});
    }
    if (r != LIMITNET_DEVICE_OK) {
      throw std::runtime_error(std::string("camera frame on ") + m.name + ": " + limitnet_device_status_name(r));
    }
  }
  return runs;
}

// The camera frames and runs in fw_assets.c/.h, and the files the firmware test hands to
// `limitnet encode --frame`.
void write_camera_assets(const std::string& out, const std::vector<Model>& models,
                         const std::vector<std::vector<uint8_t>>& frames, const std::vector<CameraRun>& runs,
                         std::ostream& c, std::ostream& h) {
  h << "#define FW_CAMERA_WIDTH " << kCameraWidth << "\n#define FW_CAMERA_HEIGHT " << kCameraHeight
    << "\n#define FW_CAMERA_RUNS " << runs.size() << "\n#define FW_CAMERA_FIRST_IMAGE_ID " << kCameraFirstImageId
    << "\nstruct fw_camera_run { const char* model; const char* format_name; int format; const uint8_t* frame;"
       " const uint8_t* model_input; };\n"
       "#ifdef __cplusplus\nextern \"C\" {\n#endif\nextern const struct fw_camera_run fw_camera_runs[FW_CAMERA_RUNS];\n"
       "#ifdef __cplusplus\n}\n#endif\n";
  for (size_t f = 0; f < frames.size(); ++f) {
    write_array(c, std::string("camera_") + kCameraFormats[f], frames[f], ".testdata");
    std::ofstream(out + "/camera_" + kCameraFormats[f] + ".raw", std::ios::binary)
        .write(reinterpret_cast<const char*>(frames[f].data()), static_cast<std::streamsize>(frames[f].size()));
  }
  std::ofstream list(out + "/camera.txt");
  for (size_t i = 0; i < runs.size(); ++i) {
    write_array(c, "camera_input_" + ident(runs[i].model) + "_" + runs[i].format, runs[i].model_input, ".testdata");
    list << runs[i].model << " " << runs[i].format << " " << kCameraWidth << "x" << kCameraHeight << " "
         << kCameraFirstImageId + i << "\n";
  }
  c << "const struct fw_camera_run fw_camera_runs[FW_CAMERA_RUNS] = {\n";
  for (const CameraRun& r : runs) {
    c << "  {\"" << r.model << "\", \"" << r.format << "\", " << limitnet::parse_pixel_format(r.format) << ", camera_"
      << r.format << ", camera_input_" << ident(r.model) << "_" << r.format << "},\n";
  }
  c << "};\n";
  for (const Model& m : models) {
    if (std::none_of(runs.begin(), runs.end(), [&](const CameraRun& r) { return r.model == m.name; })) continue;
    std::ofstream(out + "/model_" + m.name + ".lnm", std::ios::binary)
        .write(reinterpret_cast<const char*>(m.full.data()), static_cast<std::streamsize>(m.full.size()));
  }
}

// The full bundle and the golden frames as PNG: what `limitnet encode` reads.
void write_encode_inputs(const std::string& dir, const Model& m) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/" + m.name + ".lnm", std::ios::binary)
      .write(reinterpret_cast<const char*>(m.full.data()), static_cast<std::streamsize>(m.full.size()));
  for (size_t f = 0; f < m.frames.size(); ++f) {
    limitnet::data::Image img(m.arch.input_size, m.arch.input_size, m.arch.input_channels);
    img.pixels = m.frames[f];
    limitnet::data::write_png(dir + "/" + m.name + "_" + std::to_string(f) + ".png", img);
  }
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::cout << kUsage;
      return 0;
    }
  }
  if (argc < 2 || argv[1][0] == '-') {
    if (argc >= 2) std::cerr << "fw_assets: the first argument must be the output folder, not '" << argv[1] << "'\n";
    std::cerr << kUsage;
    return 2;
  }
  Options options;
  if (!parse_options(argc, argv, &options)) return 2;
  const std::string& out = options.out;
  std::error_code made;
  std::filesystem::create_directories(out, made);  // OUTDIR need not exist yet
  if (made) {
    std::cerr << "fw_assets: cannot write into " << out << ": " << made.message() << "\n";
    return 1;
  }
  std::vector<Model> models;
  std::ostringstream expected;
  std::vector<std::vector<uint8_t>> camera_frames;
  std::vector<CameraRun> runs;
  try {
    models = load_models(options);
    for (Model& m : models) encode_golden_frames(&m, expected);
    for (const char* f : kCameraFormats) camera_frames.push_back(camera_frame(limitnet::parse_pixel_format(f)));
    runs = camera_runs(models, camera_frames, expected);
  } catch (const std::exception& ex) {
    std::cerr << "fw_assets: " << ex.what() << "\n";
    return 1;
  }
  std::ofstream c(out + "/fw_assets.c"), h(out + "/fw_assets.h"), e(out + "/expected.txt");
  if (!c || !h || !e) {
    std::cerr << "fw_assets: cannot write into " << out << "\n";
    return 1;
  }
  h << "/* Generated by fw_assets: models and golden frames of the firmware benchmark. */\n"
       "#ifndef LIMITNET_FW_ASSETS_H\n#define LIMITNET_FW_ASSETS_H\n#include <stddef.h>\n#include <stdint.h>\n"
       "#define FW_PAYLOAD "
    << kPayload << "\n#define FW_FRAMES_PER_MODEL " << kFramesPerModel << "\n#define FW_MODELS " << models.size()
    << "\nstruct fw_model { const char* name; const char* preset; const uint8_t* bundle; size_t bundle_size; int size;"
       " int channels; const uint8_t* frames[FW_FRAMES_PER_MODEL]; };\n"
       "#ifdef __cplusplus\nextern \"C\" {\n#endif\nextern const struct fw_model fw_models[FW_MODELS];\n"
       "#ifdef __cplusplus\n}\n#endif\n";
  size_t max_frame = 0, max_work = 0;
  for (const Model& m : models) max_work = std::max(max_work, m.work_bytes);
  h << "#define FW_WORK_BYTES " << max_work << "\n";
  c << "/* Generated by fw_assets. */\n#include \"fw_assets.h\"\n";
  for (const Model& m : models) {
    write_array(c, "model_" + ident(m.name), m.bundle, nullptr);
    for (size_t f = 0; f < m.frames.size(); ++f) {
      write_array(c, "frame_" + ident(m.name) + "_" + std::to_string(f), m.frames[f], ".testdata");
      max_frame = std::max(max_frame, m.frames[f].size());
    }
  }
  c << "const struct fw_model fw_models[FW_MODELS] = {\n";
  for (const Model& m : models) {
    c << "  {\"" << m.name << "\", \"" << m.preset << "\", model_" << ident(m.name) << ", sizeof model_"
      << ident(m.name) << ", " << m.arch.input_size << ", " << m.arch.input_channels << ", {";
    for (size_t f = 0; f < m.frames.size(); ++f) c << "frame_" << ident(m.name) << "_" << f << ", ";
    c << "}},\n";
  }
  c << "};\n";
  write_camera_assets(out, models, camera_frames, runs, c, h);
  max_frame = std::max(max_frame, static_cast<size_t>(kCameraWidth) * kCameraHeight * 2);
  h << "#define FW_MAX_FRAME_BYTES " << max_frame << "\n#endif\n";
  e << expected.str();
  // What `limitnet encode` reads for the models no preset covers: --arch models and --coder copies.
  for (const Model& m : models) {
    if (std::find(std::begin(kPresetNames), std::end(kPresetNames), m.name) == std::end(kPresetNames)) {
      write_encode_inputs(out + "/encode", m);
    }
  }
  c.close(), h.close(), e.close();
  if (!c || !h || !e) {
    std::cerr << "fw_assets: writing into " << out << " failed\n";
    return 1;
  }
  std::cout << "fw_assets: wrote " << out << " (" << models.size() << " models)\n";
  return 0;
}
