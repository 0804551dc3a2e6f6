#include "cloud/cloud_model.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "codec/host/model_file.h"
#include "codec/bundle/arch.h"
#include "codec/presets.h"
#include "nets/device.h"
#include "nets/nets.h"

namespace limitnet {

namespace {
std::string hex(uint32_t v) { return model_id_text(v); }
std::string config_string(const BundleView& b, const char* key, const std::string& fallback = "") {
  char buf[256];
  return b.config_string(key, buf, sizeof buf) ? std::string(buf) : fallback;
}
int config_int(const BundleView& b, const char* key, const std::string& what) {
  int v = 0;
  if (!b.config_int(key, &v)) throw std::runtime_error(what + ": config key '" + std::string(key) + "' missing");
  return v;
}
}  // namespace

struct CloudModel::Impl {
  LoadedBundle device, cloud_file;
  const BundleView* cloud = nullptr;
  std::string preset_name;
  ArchSpec arch;                       // the bundle's architecture (arch section or preset)
  const PresetSpec* preset = nullptr;  // &arch
  CodecConfig codec;
  int classes = 0;
  std::vector<std::string> names;
  train::Decoder decoder{nullptr};
  train::Classifier classifier;
  torch::Tensor mean, std;
  torch::Device on{torch::kCPU};  // where decoder and classifier run
  bool flip_average = false;      // set_flip_average
  // Class probabilities of normalised pictures [n, C, S, S]; with flip_average the mean of
  // the picture's and its mirror image's.
  torch::Tensor probabilities(const torch::Tensor& pictures) {
    torch::Tensor p = torch::softmax(classifier.forward(pictures), 1);
    if (flip_average) p = 0.5 * (p + torch::softmax(classifier.forward(pictures.flip({3})), 1));
    return p.to(torch::kCPU).contiguous();
  }
  // Host floats / bytes (borrowed) -> a tensor of `shape` on the model's device.
  torch::Tensor input(const void* host, torch::IntArrayRef shape, torch::ScalarType type) const {
    return train::to_device(torch::from_blob(const_cast<void*>(host), shape, type), on);
  }
};

CloudModel::CloudModel(const std::string& model, const std::string& cloud_path, int threads, const std::string& device)
    : impl_(new Impl) {
  Impl& m = *impl_;
  m.on = train::parse_device(device);
  torch::set_num_threads(std::max(1, threads));
  m.device = load_bundle(model);
  if (!(m.device.view.parts() & kBundlePartDevice)) throw std::runtime_error(model + ": has no device part");
  std::string cloud_name = model;
  if (!cloud_path.empty()) {
    m.cloud_file = load_bundle(cloud_path);
    cloud_name = cloud_path;
    m.cloud = &m.cloud_file.view;
    if (m.cloud->model_id() != m.device.view.model_id()) {
      throw std::runtime_error(cloud_path + ": device part " + hex(m.device.view.model_id()) + " and cloud part " +
                               hex(m.cloud->model_id()) + " differ");
    }
  } else {
    m.cloud = &m.device.view;
  }
  if (!(m.cloud->parts() & kBundlePartCloud)) {
    throw std::runtime_error(cloud_name +
                             ": has no cloud part (decoder, classifier); pass the full model or --cloud FILE");
  }
  const BundleView& dv = m.device.view;
  if (read_codec_config(dv, &m.codec) != Status::kOk)
    throw std::runtime_error(model + ": malformed codec configuration");
  m.preset_name = config_string(dv, "preset");
  const Status arch_status = read_bundle_arch(dv, &m.arch);
  if (arch_status != Status::kOk) {
    throw std::runtime_error(model + ": architecture unreadable (" + std::string(status_message(arch_status)) +
                             "): no valid arch section and preset '" + m.preset_name + "' is not built in");
  }
  m.preset = &m.arch;
  const std::string cloud_preset = config_string(*m.cloud, "preset");
  if (cloud_preset != m.preset_name) {
    throw std::runtime_error(cloud_name + ": cloud part is for preset '" + cloud_preset + "', the device part for '" +
                             m.preset_name + "'");
  }
  if (m.codec.latent_channels != m.preset->codec.latent_channels ||
      m.codec.latent_side != m.preset->codec.latent_side) {
    throw std::runtime_error(model + ": latent shape does not match preset " + m.preset_name +
                             " of this build (a bundle made for another version of the preset?)");
  }
  m.classes = config_int(*m.cloud, "num_classes", cloud_name);
  if (m.classes < 1 || m.classes > 100000) throw std::runtime_error(cloud_name + ": bad num_classes");
  for (int i = 0; i < m.classes; ++i) {
    m.names.push_back(config_string(*m.cloud, ("class." + std::to_string(i)).c_str(), std::to_string(i)));
  }
  train::DecoderSpec ds;
  ds.kind = config_string(*m.cloud, "decoder", "upconv");
  ds.width = config_int(*m.cloud, "decoder.width", cloud_name);
  m.decoder = train::Decoder(*m.preset, ds);
  train::load_module_state(*m.cloud, "decoder", *m.decoder, cloud_name);
  m.decoder->eval();
  const std::string kind = config_string(*m.cloud, "classifier", "resnet");
  if (kind == "resnet") {
    train::ClassifierSpec cs;
    cs.width = config_int(*m.cloud, "classifier.width", cloud_name);
    cs.blocks = config_int(*m.cloud, "classifier.blocks", cloud_name);
    m.classifier.resnet = train::ResNet(m.preset->input_channels, m.classes, cs);
    train::load_module_state(*m.cloud, "classifier", *m.classifier.resnet, cloud_name);
  } else if (kind == "torchscript") {
    BundleTensor t;
    if (!m.cloud->find("classifier.torchscript", &t))
      throw std::runtime_error(cloud_name + ": missing classifier.torchscript");
    std::istringstream in(std::string(reinterpret_cast<const char*>(t.data), t.bytes));
    try {
      m.classifier.script = std::make_shared<torch::jit::Module>(torch::jit::load(in));
    } catch (const std::exception& e) {
      throw std::runtime_error(cloud_name +
                               ": classifier.torchscript does not load: " + std::string(e.what()).substr(0, 200));
    }
  } else {
    throw std::runtime_error(cloud_name + ": unknown classifier kind '" + kind + "'");
  }
  m.classifier.train(false);
  m.decoder->to(m.on);
  m.classifier.to(m.on);
  m.mean = train::preset_mean(*m.preset).to(m.on);
  m.std = train::preset_std(*m.preset).to(m.on);
}

CloudModel::~CloudModel() = default;

uint32_t CloudModel::model_id() const { return impl_->device.view.model_id(); }
const std::string& CloudModel::preset() const { return impl_->preset_name; }
int CloudModel::input_size() const { return impl_->preset->input_size; }
int CloudModel::input_channels() const { return impl_->preset->input_channels; }
int CloudModel::latent_elements() const { return static_cast<int>(impl_->codec.latent_elements()); }
int CloudModel::num_classes() const { return impl_->classes; }
std::string CloudModel::device() const { return impl_->on.str(); }
void CloudModel::set_flip_average(bool on) { impl_->flip_average = on; }
bool CloudModel::flip_average() const { return impl_->flip_average; }
const std::vector<std::string>& CloudModel::class_names() const { return impl_->names; }
const BundleView& CloudModel::device_bundle() const { return impl_->device.view; }
const LoadedBundle& CloudModel::device_file() const { return impl_->device; }

std::vector<float> CloudModel::classify(const float* latents, int n) const {
  torch::NoGradGuard ng;
  const Impl& m = *impl_;
  const CodecConfig& c = m.codec;
  torch::Tensor z = m.input(latents, {n, c.latent_channels, c.latent_side, c.latent_side}, torch::kFloat32);
  torch::Tensor rec = const_cast<Impl&>(m).decoder->forward(z);
  torch::Tensor p = const_cast<Impl&>(m).probabilities((rec - m.mean) / m.std);
  return std::vector<float>(p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
}

std::vector<float> CloudModel::classify_images(const uint8_t* images, int n) const {
  torch::NoGradGuard ng;
  const Impl& m = *impl_;
  const int s = m.preset->input_size, ch = m.preset->input_channels;
  torch::Tensor x = m.input(images, {n, s, s, ch}, torch::kUInt8).permute({0, 3, 1, 2}).to(torch::kFloat32).div(255.0f);
  torch::Tensor p = const_cast<Impl&>(m).probabilities((x - m.mean) / m.std);
  return std::vector<float>(p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
}

std::vector<uint8_t> CloudModel::reconstruct(const float* latent) const {
  torch::NoGradGuard ng;
  const Impl& m = *impl_;
  const CodecConfig& c = m.codec;
  torch::Tensor z = m.input(latent, {1, c.latent_channels, c.latent_side, c.latent_side}, torch::kFloat32);
  torch::Tensor img = (const_cast<Impl&>(m).decoder->forward(z)[0].permute({1, 2, 0}) * 255.0f)
                          .round()
                          .clamp(0, 255)
                          .to(torch::kUInt8)
                          .to(torch::kCPU)
                          .contiguous();
  return std::vector<uint8_t>(img.data_ptr<uint8_t>(), img.data_ptr<uint8_t>() + img.numel());
}

std::vector<ClassScore> CloudModel::top_k(const float* probabilities, int k) const {
  std::vector<int> idx(static_cast<size_t>(impl_->classes));
  for (int i = 0; i < impl_->classes; ++i) idx[static_cast<size_t>(i)] = i;
  k = std::min(k, impl_->classes);
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int a, int b) {
    return probabilities[a] > probabilities[b] || (probabilities[a] == probabilities[b] && a < b);
  });
  std::vector<ClassScore> out;
  for (int i = 0; i < k; ++i)
    out.push_back({idx[static_cast<size_t>(i)], impl_->names[static_cast<size_t>(idx[static_cast<size_t>(i)])],
                   probabilities[idx[static_cast<size_t>(i)]]});
  return out;
}

}  // namespace limitnet
