// Host tool: writes what the firmware benchmark embeds and what it must print.
//   fw_assets <outdir> [--paper224 <bundle>] [--cifar32 <bundle>] [--fmnist28 <bundle>] [--arch <file.json>]...
// For each preset (paper224, cifar32, fmnist28 (gray); random-weight models calibrated
// and quantised on synthetic frames unless a bundle path is given), and for each --arch
// architecture file (a random-weight model of an architecture that is no preset, e.g.
// models/arch/gray96.json), it writes into <outdir>:
//   fw_assets.c / fw_assets.h  the float-stripped int8 bundles (4-byte aligned, .rodata)
//                              and the golden frames (section .testdata)
//   expected.txt               the packets the host build of the int8 runtime produces
//                              for the golden frames, as "PACKET ..." lines (the format
//                              the firmware prints), for byte-for-byte comparison.
//   encode/<name>.lnm, encode/<name>_<frame>.png  for --arch models: the full bundle and
//                              the golden frames, so the firmware test can compare the
//                              firmware's packets with `limitnet encode --network int8`.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "codec/host/bundle_file.h"
#include "codec/host/bundle_writer.h"
#include "codec/presets.h"
#include "data/image_io.h"
#include "device/device_state.h"
#include "device/limitnet_device.h"
#include "model/arch_file.h"
#include "model/calibrate.h"
#include "model/ptq.h"

namespace {

constexpr int kFramesPerModel = 2;
constexpr size_t kPayload = 51;  // LoRa EU868 DR0-2, the project default

struct Model {
  std::string preset;
  limitnet::ArchSpec arch;
  std::vector<uint8_t> full;    // float and int8 sections
  std::vector<uint8_t> bundle;  // stripped
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

// A C identifier for a model name (architecture names may hold '-').
std::string ident(std::string name) {
  for (char& ch : name) ch = ch == '-' ? '_' : ch;
  return name;
}

// The full bundle and the golden frames as PNG: what `limitnet encode` reads.
void write_encode_inputs(const std::string& dir, const Model& m) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/" + m.preset + ".lnm", std::ios::binary)
      .write(reinterpret_cast<const char*>(m.full.data()), static_cast<std::streamsize>(m.full.size()));
  for (size_t f = 0; f < m.frames.size(); ++f) {
    limitnet::data::Image img(m.arch.input_size, m.arch.input_size, m.arch.input_channels);
    img.pixels = m.frames[f];
    limitnet::data::write_png(dir + "/" + m.preset + "_" + std::to_string(f) + ".png", img);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: fw_assets <outdir> [--paper224 <bundle>] [--cifar32 <bundle>] [--fmnist28 <bundle>]"
                 " [--arch <file.json>]...\n";
    return 2;
  }
  const std::string out = argv[1];
  constexpr int kPresets = 3;
  const char* presets[kPresets] = {"paper224", "cifar32", "fmnist28"};
  std::string paths[kPresets];
  std::vector<std::string> arch_files;
  for (int i = 2; i < argc; i += 2) {
    if (std::strcmp(argv[i], "--arch") == 0 && i + 1 < argc) {
      arch_files.push_back(argv[i + 1]);
      continue;
    }
    int found = -1;
    for (int m = 0; m < kPresets; ++m) {
      if (std::strncmp(argv[i], "--", 2) == 0 && std::strcmp(argv[i] + 2, presets[m]) == 0) found = m;
    }
    if (found < 0 || i + 1 >= argc) {
      std::cerr << "fw_assets: unknown option or missing bundle path: " << argv[i] << "\n";
      return 2;
    }
    paths[found] = argv[i + 1];
  }
  std::vector<Model> models;
  std::ostringstream expected;
  const int model_count = kPresets + static_cast<int>(arch_files.size());
  for (int m = 0; m < model_count; ++m) {
    Model model;
    std::vector<uint8_t>& full = model.full;
    try {
      if (m < kPresets) {
        model.preset = presets[m];
        model.arch = *limitnet::find_preset(presets[m]);
        full = load_or_random(model.preset, paths[m]);
      } else {
        model.arch = limitnet::read_arch_file(arch_files[static_cast<size_t>(m - kPresets)]);
        model.preset = model.arch.name;
        full = limitnet::random_int8_bundle(model.arch, 1, 4);
      }
    } catch (const std::exception& e) {
      std::cerr << "fw_assets: " << e.what() << "\n";
      return 1;
    }
    std::vector<uint32_t> a((full.size() + 3) / 4);
    std::memcpy(a.data(), full.data(), full.size());
    limitnet::BundleView view;
    if (view.parse(reinterpret_cast<const uint8_t*>(a.data()), full.size()) != limitnet::Status::kOk) {
      std::cerr << "fw_assets: bundle for " << model.preset << " does not parse\n";
      return 1;
    }
    model.bundle = limitnet::device_flash_bundle(view);
    std::vector<uint32_t> sa((model.bundle.size() + 3) / 4);
    std::memcpy(sa.data(), model.bundle.data(), model.bundle.size());
    size_t need = 0;
    int r = limitnet_device_arena_size(sa.data(), model.bundle.size(), &need);
    if (r != LIMITNET_DEVICE_OK) {
      std::cerr << "fw_assets: " << limitnet_device_status_name(r) << "\n";
      return 1;
    }
    std::vector<uint64_t> arena(need / 8 + 1);
    limitnet_device* dev = nullptr;
    r = limitnet_device_open(arena.data(), need, sa.data(), model.bundle.size(), model.preset.c_str(), &dev);
    if (r != LIMITNET_DEVICE_OK) {
      std::cerr << "fw_assets: open: " << limitnet_device_status_name(r) << "\n";
      return 1;
    }
    const limitnet::PresetSpec* p = &model.arch;
    model.work_bytes = need - kLimitnetDeviceStateBytes;  // activations; the firmware adds its own state size
    for (int f = 0; f < kFramesPerModel; ++f) {
      model.frames.push_back(limitnet::synthetic_frame(p->input_size, p->input_channels, 7 + static_cast<uint64_t>(f)));
      r = limitnet_device_encode(dev, model.frames.back().data(), p->input_size, p->input_size, p->input_channels,
                                 static_cast<uint8_t>(f), kPayload);
      if (r != LIMITNET_DEVICE_OK) {
        std::cerr << "fw_assets: encode: " << limitnet_device_status_name(r) << "\n";
        return 1;
      }
      uint8_t pkt[kPayload];
      size_t n = 0;
      for (int k = 0; limitnet_device_next_packet(dev, pkt, sizeof pkt, &n) == LIMITNET_DEVICE_OK && n > 0; ++k) {
        expected << "PACKET " << model.preset << " " << f << " " << k << " ";
        char hex[3];
        for (size_t i = 0; i < n; ++i) {
          std::snprintf(hex, sizeof hex, "%02x", pkt[i]);
          expected << hex;
        }
        expected << "\n";
      }
    }
    models.push_back(std::move(model));
  }
  std::ofstream c(out + "/fw_assets.c"), h(out + "/fw_assets.h"), e(out + "/expected.txt");
  h << "/* Generated by fw_assets: models and golden frames of the firmware benchmark. */\n"
       "#ifndef LIMITNET_FW_ASSETS_H\n#define LIMITNET_FW_ASSETS_H\n#include <stddef.h>\n#include <stdint.h>\n"
       "#define FW_PAYLOAD "
    << kPayload << "\n#define FW_FRAMES_PER_MODEL " << kFramesPerModel << "\n#define FW_MODELS " << models.size()
    << "\nstruct fw_model { const char* preset; const uint8_t* bundle; size_t bundle_size; int size; int channels;"
       " const uint8_t* frames[FW_FRAMES_PER_MODEL]; };\n"
       "#ifdef __cplusplus\nextern \"C\" {\n#endif\nextern const struct fw_model fw_models[FW_MODELS];\n"
       "#ifdef __cplusplus\n}\n#endif\n";
  size_t max_frame = 0, max_work = 0;
  for (const Model& m : models) max_work = std::max(max_work, m.work_bytes);
  h << "#define FW_WORK_BYTES " << max_work << "\n";
  c << "/* Generated by fw_assets. */\n#include \"fw_assets.h\"\n";
  for (const Model& m : models) {
    write_array(c, "model_" + ident(m.preset), m.bundle, nullptr);
    for (size_t f = 0; f < m.frames.size(); ++f) {
      write_array(c, "frame_" + ident(m.preset) + "_" + std::to_string(f), m.frames[f], ".testdata");
      max_frame = std::max(max_frame, m.frames[f].size());
    }
  }
  c << "const struct fw_model fw_models[FW_MODELS] = {\n";
  for (const Model& m : models) {
    const limitnet::PresetSpec* p = &m.arch;
    c << "  {\"" << m.preset << "\", model_" << ident(m.preset) << ", sizeof model_" << ident(m.preset) << ", "
      << p->input_size << ", " << p->input_channels << ", {";
    for (size_t f = 0; f < m.frames.size(); ++f) c << "frame_" << ident(m.preset) << "_" << f << ", ";
    c << "}},\n";
  }
  c << "};\n";
  h << "#define FW_MAX_FRAME_BYTES " << max_frame << "\n#endif\n";
  e << expected.str();
  for (size_t m = kPresets; m < models.size(); ++m) write_encode_inputs(out + "/encode", models[m]);
  std::cout << "fw_assets: wrote " << out << " (" << models.size() << " models)\n";
  return 0;
}
