// Architecture as data: check_arch, JSON architecture files and the bundle's arch section.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "codec/bundle/arch.h"
#include "codec/host/bundle_file.h"
#include "codec/host/bundle_writer.h"
#include "model/arch_file.h"
#include "model/random_model.h"

namespace limitnet {
namespace {

const std::string kGray96 = std::string(LIMITNET_SOURCE_DIR) + "/models/arch/gray96.json";

bool same_arch(const ArchSpec& a, const ArchSpec& b) {
  auto same_layers = [](const ConvSpec* x, const ConvSpec* y, int n) {
    for (int i = 0; i < n; ++i) {
      if (x[i].in != y[i].in || x[i].out != y[i].out || x[i].kernel != y[i].kernel || x[i].stride != y[i].stride ||
          x[i].pad != y[i].pad) {
        return false;
      }
    }
    return true;
  };
  return a.input_channels == b.input_channels && a.input_size == b.input_size && a.encoder_layers == b.encoder_layers &&
         a.saliency_layers == b.saliency_layers && same_layers(a.encoder, b.encoder, a.encoder_layers) &&
         same_layers(a.saliency, b.saliency, a.saliency_layers) && a.codec.latent_channels == b.codec.latent_channels &&
         a.codec.latent_side == b.codec.latent_side && a.codec.saliency_grid == b.codec.saliency_grid &&
         a.codec.saliency_bits == b.codec.saliency_bits &&
         std::memcmp(a.mean, b.mean, sizeof(float) * static_cast<size_t>(a.input_channels)) == 0 &&
         std::memcmp(a.std, b.std, sizeof(float) * static_cast<size_t>(a.input_channels)) == 0;
}

// The error text parse_arch_json() gives for gray96 with `edit` applied.
std::string error_of(void (*edit)(nlohmann::json&)) {
  nlohmann::json j = arch_to_json(read_arch_file(kGray96));
  edit(j);
  try {
    parse_arch_json(j.dump(), "bad.json");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "accepted";
}

TEST(Arch, PresetsAreValidAndRoundTripThroughJson) {
  int n = 0;
  const PresetSpec* presets = all_presets(&n);
  ASSERT_EQ(n, 3);
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(check_arch(presets[i]).status, Status::kOk) << presets[i].name << ": " << check_arch(presets[i]).reason;
    const ArchSpec back = parse_arch_json(arch_to_json(presets[i]).dump(), presets[i].name);
    EXPECT_TRUE(same_arch(back, presets[i])) << presets[i].name;
    EXPECT_STREQ(back.name, presets[i].name);
  }
}

// models/arch/<preset>.json are the built-in table as files: starting points to copy.
TEST(Arch, ShippedPresetFilesEqualTheBuiltInTable) {
  int n = 0;
  const PresetSpec* presets = all_presets(&n);
  for (int i = 0; i < n; ++i) {
    const ArchSpec a = read_arch_file(std::string(LIMITNET_SOURCE_DIR) + "/models/arch/" + presets[i].name + ".json");
    EXPECT_TRUE(same_arch(a, presets[i])) << presets[i].name;
    EXPECT_STREQ(a.description, presets[i].description);
  }
}

// Every file in models/arch/ (the presets and the ablations' architectures) reads, is named
// after itself, and its encoder ends at the latent it declares.
TEST(Arch, EveryArchFileReadsAndIsNamedAfterItself) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(LIMITNET_SOURCE_DIR) + "/models/arch")) {
    if (entry.path().extension() != ".json") continue;
    ++files;
    const ArchSpec a = read_arch_file(entry.path().string());
    EXPECT_EQ(std::string(a.name), entry.path().stem().string());
    int side = 0;
    conv_stack_macs(a.encoder, a.encoder_layers, a.input_size, &side);
    EXPECT_EQ(a.encoder[a.encoder_layers - 1].out, a.codec.latent_channels) << a.name;
    EXPECT_EQ(side, a.codec.latent_side) << a.name;
  }
  EXPECT_GE(files, 9) << "models/arch/ lost files";
}

TEST(Arch, Gray96FileGivesA12x12Latent) {
  const ArchSpec a = read_arch_file(kGray96);
  EXPECT_STREQ(a.name, "gray96");
  EXPECT_EQ(a.input_size, 96);
  EXPECT_EQ(a.input_channels, 1);
  EXPECT_EQ(a.codec.latent_channels, 8);
  EXPECT_EQ(a.codec.latent_side, 12);
  EXPECT_EQ(a.codec.saliency_grid, 4);
  EXPECT_FLOAT_EQ(a.mean[0], 0.5f);
  // Defaults: "in" chains, stride 1, pad (kernel - 1) / 2.
  const ArchSpec d = parse_arch_json(
      R"({"name":"d","input":{"size":16,"channels":3},"encoder":[{"out":8,"kernel":3,"stride":2}],
          "saliency":[{"out":1,"kernel":3}],"saliency_grid":2})",
      "d.json");
  EXPECT_EQ(d.encoder[0].in, 3);
  EXPECT_EQ(d.encoder[0].pad, 1);
  EXPECT_EQ(d.saliency[0].in, 8);
  EXPECT_EQ(d.saliency[0].stride, 1);
  EXPECT_EQ(d.codec.latent_side, 8);
  EXPECT_FLOAT_EQ(d.std[2], 1.0f);
}

TEST(Arch, BadFilesNameTheKey) {
  EXPECT_EQ(error_of([](nlohmann::json& j) { j["input"]["size"] = 0; }), "bad.json: input.size: must be at least 1");
  EXPECT_EQ(error_of([](nlohmann::json& j) { j["encoder"][1]["kernel"] = -3; }),
            "bad.json: encoder[1].kernel: must be at least 1");
  EXPECT_EQ(error_of([](nlohmann::json& j) { j["encoder"][1]["in"] = 12; }),
            "bad.json: encoder[1].in: does not chain: differs from the previous layer's out");
  EXPECT_EQ(error_of([](nlohmann::json& j) { j["encoder"][0]["stride"] = 97; }),
            "bad.json: encoder[0].stride: is larger than the layer's input");
  EXPECT_EQ(error_of([](nlohmann::json& j) { j["saliency"][3]["out"] = 2; }),
            "bad.json: saliency[3].out: must be 1 (the saliency map)");
  EXPECT_EQ(error_of([](nlohmann::json& j) { j["saliency"][1]["stride"] = 2; }),
            "bad.json: saliency[1].stride: must keep the latent's K x K (stride 1, pad (kernel-1)/2)");
  EXPECT_EQ(error_of([](nlohmann::json& j) { j["latent"]["side"] = 11; }),
            "bad.json: latent.side: differs from the encoder's output side");
  EXPECT_EQ(error_of([](nlohmann::json& j) { j["saliency_grid"] = 13; }),
            "bad.json: saliency_grid: must be 1 .. the latent side");
  EXPECT_EQ(error_of([](nlohmann::json& j) { j["colour"] = 1; }).rfind("bad.json: colour: unknown key", 0), 0u);
  EXPECT_EQ(error_of([](nlohmann::json& j) { j["encoder"][0]["out"] = "16"; }),
            "bad.json: encoder[0].out: must be an integer");
  EXPECT_EQ(error_of([](nlohmann::json& j) { j.erase("name"); }), "bad.json: name: is missing or empty");
  // 64 x 64 x 64 latent values: beyond the packets' 16-bit ranks.
  EXPECT_EQ(error_of([](nlohmann::json& j) {
              j["input"]["size"] = 128;
              j["encoder"][1]["stride"] = 1;
              j["encoder"][2]["stride"] = 1;
              j["encoder"][2]["out"] = 64;
              j["saliency"][0]["in"] = 64;
              j.erase("latent");
            }),
            "bad.json: latent: has more than 65535 values (L*K*K): packets address them with 16-bit ranks");
  // Capacities of this build.
  EXPECT_EQ(error_of([](nlohmann::json& j) {
              j["encoder"][0]["out"] = 65;
              j["encoder"][1]["in"] = 65;
            }),
            "bad.json: encoder[0].out: exceeds LIMITNET_MAX_LAYER_CHANNELS (capacity of this build)");
  EXPECT_EQ(error_of([](nlohmann::json& j) { j["encoder"][0]["kernel"] = 13; }),
            "bad.json: encoder[0].kernel: exceeds LIMITNET_MAX_KERNEL (capacity of this build)");
  EXPECT_EQ(error_of([](nlohmann::json& j) {
              for (int i = 0; i < 3; ++i) j["saliency"].insert(j["saliency"].begin(), j["saliency"][0]);
              j["saliency"][1]["in"] = 16;
              j["saliency"][0]["out"] = 16;
              j["saliency"][2]["in"] = 16;
              j["saliency"][2]["out"] = 16;
              j["saliency"][3]["in"] = 16;
            }),
            "bad.json: saliency: has 7 layers; this build takes at most 6 (capacity: LIMITNET_MAX_SALIENCY_LAYERS)");
}

std::vector<uint8_t> bundle_of(const ArchSpec& a, bool with_arch) {
  BundleWriter w = random_device_bundle(a, a.codec, 5);
  if (!with_arch) {
    BundleWriter old(kBundlePartDevice);
    const std::vector<uint8_t> bytes = w.serialize();
    const LoadedBundle b = parse_bundle_bytes(bytes.data(), bytes.size(), "bundle");
    old.copy_from(b.view, {"arch"});
    return old.serialize();
  }
  return w.serialize();
}

Status read_back(const std::vector<uint8_t>& bytes, ArchSpec* a) {
  const LoadedBundle b = parse_bundle_bytes(bytes.data(), bytes.size(), "bundle");
  return read_bundle_arch(b.view, a);
}

TEST(Arch, BundleSectionRoundTripsAndOldBundlesUseTheirPreset) {
  const ArchSpec gray = read_arch_file(kGray96);
  ArchSpec back;
  ASSERT_EQ(read_back(bundle_of(gray, true), &back), Status::kOk);
  EXPECT_TRUE(same_arch(back, gray));
  EXPECT_STREQ(back.name, "gray96");
  // Written before the section existed: the preset's description, same model id.
  const PresetSpec& cifar = *find_preset("cifar32");
  const std::vector<uint8_t> old_bytes = bundle_of(cifar, false), new_bytes = bundle_of(cifar, true);
  ASSERT_EQ(read_back(old_bytes, &back), Status::kOk);
  EXPECT_TRUE(same_arch(back, cifar));
  const LoadedBundle old_b = parse_bundle_bytes(old_bytes.data(), old_bytes.size(), "old");
  const LoadedBundle new_b = parse_bundle_bytes(new_bytes.data(), new_bytes.size(), "new");
  EXPECT_EQ(old_b.view.model_id(), new_b.view.model_id());
  BundleTensor t;
  EXPECT_FALSE(old_b.view.find("arch", &t));
  EXPECT_TRUE(new_b.view.find("arch", &t));
  // Neither an arch section nor a known preset: a gray96 bundle without its section.
  EXPECT_EQ(read_back(bundle_of(gray, false), &back), Status::kMalformed);
  EXPECT_THROW(
      {
        const std::vector<uint8_t> bytes = bundle_of(gray, false);
        const LoadedBundle b = parse_bundle_bytes(bytes.data(), bytes.size(), "g.lnm");
        bundle_arch(b.view, "g.lnm");
      },
      std::runtime_error);
}

// A gray96 bundle whose arch words are edited by `edit`.
Status read_edited(void (*edit)(std::vector<int32_t>&)) {
  const ArchSpec gray = read_arch_file(kGray96);
  BundleWriter w = random_device_bundle(gray, gray.codec, 5);
  std::vector<int32_t> words(kArchMaxWords);
  words.resize(static_cast<size_t>(encode_arch_words(gray, words.data())));
  edit(words);
  w.add("arch", DType::kI32, {static_cast<uint32_t>(words.size())}, words.data());
  ArchSpec a;
  return read_back(w.serialize(), &a);
}

TEST(Arch, BadSectionsAreRefused) {
  EXPECT_EQ(read_edited([](std::vector<int32_t>&) {}), Status::kOk);
  EXPECT_EQ(read_edited([](std::vector<int32_t>& w) { w[0] = 2; }), Status::kUnsupportedVersion);
  EXPECT_EQ(read_edited([](std::vector<int32_t>& w) { w.pop_back(); }), Status::kMalformed);
  // The config says saliency grid 4; the section 3.
  EXPECT_EQ(read_edited([](std::vector<int32_t>& w) { w[w.size() - 2] = 3; }), Status::kMalformed);
  // Layer 1 does not chain.
  EXPECT_EQ(read_edited([](std::vector<int32_t>& w) { w[5 + 5] = 7; }), Status::kMalformed);
  // Seven saliency layers: well-formed, beyond this build.
  EXPECT_EQ(read_edited([](std::vector<int32_t>& w) {
              w[4] = 7;
              std::vector<int32_t> extra = {1, 1, 3, 1, 1, 1, 1, 3, 1, 1, 1, 1, 3, 1, 1};
              w.insert(w.end() - 4, extra.begin(), extra.end());
            }),
            Status::kCapacity);
  // A layer wider than LIMITNET_MAX_LAYER_CHANNELS.
  EXPECT_EQ(read_edited([](std::vector<int32_t>& w) {
              w[5 + 1] = 80;
              w[5 + 5] = 80;
            }),
            Status::kCapacity);
}

}  // namespace
}  // namespace limitnet
