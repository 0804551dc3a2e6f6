#include "model/arch_file.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "codec/bundle/arch.h"

namespace limitnet {

namespace {
using nlohmann::json;

[[noreturn]] void fail(const std::string& source, const std::string& key, const std::string& reason) {
  throw std::invalid_argument(source + ": " + key + ": " + reason);
}

void only_keys(const json& j, std::initializer_list<const char*> keys, const std::string& source,
               const std::string& where) {
  if (!j.is_object()) fail(source, where.empty() ? "(top level)" : where, "must be a JSON object");
  for (const auto& item : j.items()) {
    bool known = false;
    for (const char* k : keys) known |= item.key() == k;
    if (!known) {
      std::string valid;
      for (const char* k : keys) valid += std::string(valid.empty() ? "" : ", ") + k;
      fail(source, (where.empty() ? "" : where + ".") + item.key(), "unknown key (valid: " + valid + ")");
    }
  }
}

int get_int(const json& j, const char* key, const std::string& source, const std::string& where, int fallback,
            bool required) {
  const std::string full = (where.empty() ? "" : where + ".") + key;
  if (!j.contains(key)) {
    if (required) fail(source, full, "is missing");
    return fallback;
  }
  const json& v = j.at(key);
  if (!v.is_number_integer()) fail(source, full, "must be an integer");
  const long long x = v.get<long long>();
  if (x < -1000000 || x > 1000000) fail(source, full, "is out of range");
  return static_cast<int>(x);
}

std::string get_text(const json& j, const char* key, const std::string& source, size_t capacity) {
  if (!j.contains(key)) return "";
  if (!j.at(key).is_string()) fail(source, key, "must be a string");
  const std::string s = j.at(key).get<std::string>();
  if (s.size() >= capacity) fail(source, key, "is longer than " + std::to_string(capacity - 1) + " characters");
  return s;
}

void read_floats(const json& j, const char* key, const std::string& source, int channels, float* out) {
  const std::string full = std::string("input.") + key;
  if (!j.contains(key)) return;
  const json& v = j.at(key);
  if (!v.is_array() || v.size() != static_cast<size_t>(channels)) {
    fail(source, full, "must be an array of " + std::to_string(channels) + " numbers (one per input channel)");
  }
  for (int c = 0; c < channels; ++c) {
    if (!v[static_cast<size_t>(c)].is_number()) fail(source, full, "must hold numbers");
    out[c] = v[static_cast<size_t>(c)].get<float>();
  }
}

// One stack; "in" defaults to the previous layer's out, "stride" to 1, "pad" to
// (kernel - 1) / 2 (same size at stride 1).
int read_stack(const json& j, const char* key, const std::string& source, int capacity, int channels, ConvSpec* out) {
  if (!j.contains(key)) fail(source, key, "is missing");
  const json& layers = j.at(key);
  if (!layers.is_array() || layers.empty()) fail(source, key, "must be a non-empty array of layers");
  if (layers.size() > static_cast<size_t>(capacity)) {
    fail(source, key,
         "has " + std::to_string(layers.size()) + " layers; this build takes at most " + std::to_string(capacity) +
             " (capacity: LIMITNET_MAX_" + (std::strcmp(key, "encoder") == 0 ? "ENCODER" : "SALIENCY") + "_LAYERS)");
  }
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string where = std::string(key) + "[" + std::to_string(i) + "]";
    only_keys(layers[i], {"in", "out", "kernel", "stride", "pad"}, source, where);
    ConvSpec& l = out[i];
    l.in = get_int(layers[i], "in", source, where, channels, false);
    l.out = get_int(layers[i], "out", source, where, 0, true);
    l.kernel = get_int(layers[i], "kernel", source, where, 0, true);
    l.stride = get_int(layers[i], "stride", source, where, 1, false);
    l.pad = get_int(layers[i], "pad", source, where, l.kernel > 0 ? (l.kernel - 1) / 2 : 0, false);
    channels = l.out;
  }
  return static_cast<int>(layers.size());
}

// The shortest decimal that reads back as `v` (0.485, not 0.48500001430511475).
double shortest(float v) {
  for (int digits = 6; digits < 9; ++digits) {
    char text[32];
    std::snprintf(text, sizeof text, "%.*g", digits, static_cast<double>(v));
    if (std::strtof(text, nullptr) == v) return std::strtod(text, nullptr);
  }
  return static_cast<double>(v);
}

std::vector<double> shortest(const float* v, int n) {
  std::vector<double> out;
  for (int i = 0; i < n; ++i) out.push_back(shortest(v[i]));
  return out;
}

std::string problem_key(const ArchProblem& p) {
  std::string key = p.stack;
  if (p.layer >= 0) key += "[" + std::to_string(p.layer) + "]";
  if (p.field[0] != '\0') key += (key.empty() ? "" : ".") + std::string(p.field);
  return key;
}
}  // namespace

void require_valid_arch(const ArchSpec& arch, const std::string& source) {
  const ArchProblem p = check_arch(arch);
  if (p.status == Status::kOk) return;
  std::string reason = p.reason;
  if (p.status == Status::kCapacity) reason += " (capacity of this build)";
  fail(source, problem_key(p), reason);
}

ArchSpec parse_arch_json(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw std::invalid_argument(source + ": not valid JSON: " + e.what());
  }
  only_keys(j, {"name", "description", "input", "encoder", "saliency", "latent", "saliency_grid", "saliency_bits"},
            source, "");
  ArchSpec a = {};
  const std::string name = get_text(j, "name", source, sizeof a.name);
  if (name.empty()) fail(source, "name", "is missing or empty");
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      fail(source, "name", "may hold only letters, digits, '-' and '_'");
    }
  }
  std::strcpy(a.name, name.c_str());
  std::strcpy(a.description, get_text(j, "description", source, sizeof a.description).c_str());
  if (!j.contains("input")) fail(source, "input", "is missing");
  const json& in = j.at("input");
  only_keys(in, {"size", "channels", "mean", "std"}, source, "input");
  a.input_size = get_int(in, "size", source, "input", 0, true);
  a.input_channels = get_int(in, "channels", source, "input", 0, true);
  if (a.input_channels != 1 && a.input_channels != 3) fail(source, "input.channels", "must be 1 (gray) or 3 (RGB)");
  for (int c = 0; c < 3; ++c) {
    a.mean[c] = 0.0f;
    a.std[c] = 1.0f;
  }
  read_floats(in, "mean", source, a.input_channels, a.mean);
  read_floats(in, "std", source, a.input_channels, a.std);
  a.encoder_layers = read_stack(j, "encoder", source, kMaxEncoderLayers, a.input_channels, a.encoder);
  int side = a.input_size;
  for (int i = 0; i < a.encoder_layers && side > 0; ++i) side = conv_out_size(a.encoder[i], side);
  const int latent = a.encoder[a.encoder_layers - 1].out;
  a.saliency_layers = read_stack(j, "saliency", source, kMaxSaliencyLayers, latent, a.saliency);
  a.codec.latent_channels = latent;
  a.codec.latent_side = side;
  if (j.contains("latent")) {
    only_keys(j.at("latent"), {"channels", "side"}, source, "latent");
    a.codec.latent_channels = get_int(j.at("latent"), "channels", source, "latent", latent, false);
    a.codec.latent_side = get_int(j.at("latent"), "side", source, "latent", side, false);
  }
  a.codec.saliency_grid = get_int(j, "saliency_grid", source, "", 0, true);
  a.codec.saliency_bits = get_int(j, "saliency_bits", source, "", 4, false);
  require_valid_arch(a, source);
  return a;
}

ArchSpec read_arch_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::invalid_argument(path + ": cannot read architecture file");
  std::ostringstream text;
  text << f.rdbuf();
  return parse_arch_json(text.str(), path);
}

json arch_to_json(const ArchSpec& a) {
  auto stack = [](const ConvSpec* layers, int n) {
    json out = json::array();
    for (int i = 0; i < n; ++i) {
      const ConvSpec& l = layers[i];
      out.push_back({{"in", l.in}, {"out", l.out}, {"kernel", l.kernel}, {"stride", l.stride}, {"pad", l.pad}});
    }
    return out;
  };
  return {{"name", a.name},
          {"description", a.description},
          {"input",
           {{"size", a.input_size},
            {"channels", a.input_channels},
            {"mean", shortest(a.mean, a.input_channels)},
            {"std", shortest(a.std, a.input_channels)}}},
          {"encoder", stack(a.encoder, a.encoder_layers)},
          {"saliency", stack(a.saliency, a.saliency_layers)},
          {"latent", {{"channels", a.codec.latent_channels}, {"side", a.codec.latent_side}}},
          {"saliency_grid", a.codec.saliency_grid},
          {"saliency_bits", a.codec.saliency_bits}};
}

std::string preset_names() {
  int n = 0;
  const PresetSpec* p = all_presets(&n);
  std::string names;
  for (int i = 0; i < n; ++i) names += (i ? ", " : "") + std::string(p[i].name);
  return names;
}

ArchSpec select_arch(const std::string& preset, const std::string& arch_file) {
  if (!arch_file.empty()) return read_arch_file(arch_file);
  const PresetSpec* p = find_preset(preset.c_str());
  if (p == nullptr) {
    throw std::invalid_argument("unknown preset '" + preset + "'; valid: " + preset_names() +
                                " (or --arch FILE.json for any other architecture)");
  }
  return *p;
}

ArchSpec bundle_arch(const BundleView& bundle, const std::string& name) {
  ArchSpec a;
  ArchProblem problem;
  const Status s = read_bundle_arch(bundle, &a, &problem);
  if (s == Status::kOk) return a;
  BundleTensor t;
  if (!bundle.find("arch", &t)) {
    char preset[64] = "";
    bundle.config_string("preset", preset, sizeof preset);
    if (find_preset(preset) == nullptr) {
      throw std::runtime_error(name + ": has no arch section and its preset '" + preset + "' is not built in");
    }
    throw std::runtime_error(name + ": has no arch section and does not match the built-in preset '" + preset +
                             "' it names (input, latent or normalisation differ)");
  }
  if (problem.status != Status::kOk) {
    throw std::runtime_error(name + ": architecture " + problem_key(problem) + ": " + problem.reason);
  }
  throw std::runtime_error(name + ": bad architecture (" + std::string(status_message(s)) + ")");
}

}  // namespace limitnet
