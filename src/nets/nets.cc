#include "nets/nets.h"

#include <algorithm>
#include <stdexcept>

namespace limitnet::train {

namespace {
// When set, every convolution run through conv() adds its MACs here: measures the cost of
// a forward pass without hooks.
thread_local long long* g_macs = nullptr;

torch::Tensor conv(torch::nn::Conv2d& c, const torch::Tensor& x) {
  torch::Tensor y = c->forward(x);
  if (g_macs) *g_macs += c->weight.numel() * y.size(2) * y.size(3);
  return y;
}

torch::nn::Conv2d make_conv(const ConvSpec& s) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(s.in, s.out, s.kernel).stride(s.stride).padding(s.pad));
}

// Decoder layers as a list so that MAC counting can walk them.
struct DecoderLayer {
  bool transposed;
  int in, out, kernel, stride, pad, output_pad;
  bool upsample = false;  // nearest-neighbour x2 before the (plain) convolution
};

std::vector<DecoderLayer> decoder_layers(const PresetSpec& p, const DecoderSpec& d) {
  const int l = p.codec.latent_channels, c = p.input_channels, w = d.width;
  if (d.kind == "paper") {
    return {{true, l, w, 7, 2, 3, 1},
            {true, w, w, 5, 4, 1, 1},
            {true, w, w, 3, 1, 1, 0},
            {true, w, w, 3, 1, 1, 0},
            {true, w, c, 3, 1, 1, 0}};
  }
  if (d.kind != "upconv" && d.kind != "pyramid") {
    throw std::runtime_error("decoder: unknown kind '" + d.kind + "' (valid: paper, upconv, pyramid)");
  }
  int factor = p.input_size / p.codec.latent_side;
  if (factor * p.codec.latent_side != p.input_size || (factor & (factor - 1)) != 0) {
    throw std::runtime_error("decoder: " + d.kind + " needs input_size / latent_side to be a power of two");
  }
  if (d.kind == "pyramid") {
    // Capacity where it is cheap: two convolutions per scale, the width halving (down to
    // 16) at each x2 upsampling, so the full-resolution layers stay narrow.
    std::vector<DecoderLayer> layers = {{false, l, w, 3, 1, 1, 0}, {false, w, w, 3, 1, 1, 0}};
    int width = w;
    while (factor > 1) {
      const int next = std::max(16, width / 2);
      layers.push_back({false, width, next, 3, 1, 1, 0, true});
      layers.push_back({false, next, next, 3, 1, 1, 0});
      width = next;
      factor /= 2;
    }
    layers.push_back({false, width, c, 3, 1, 1, 0});
    return layers;
  }
  std::vector<DecoderLayer> layers = {{false, l, w, 3, 1, 1, 0}};
  while (factor > 1) {
    layers.push_back({false, w, w, 3, 1, 1, 0, true});
    factor /= 2;
  }
  layers.push_back({false, w, w / 2, 3, 1, 1, 0});
  layers.push_back({false, w / 2, c, 3, 1, 1, 0});
  return layers;
}
}  // namespace

DeviceNetImpl::DeviceNetImpl(const PresetSpec& p) {
  for (int i = 0; i < p.encoder_layers; ++i) {
    encoder.push_back(register_module("encoder" + std::to_string(i), make_conv(p.encoder[i])));
  }
  for (int i = 0; i < p.saliency_layers; ++i) {
    sal.push_back(register_module("saliency" + std::to_string(i), make_conv(p.saliency[i])));
  }
}

torch::Tensor DeviceNetImpl::encode(const torch::Tensor& x) {
  torch::Tensor h = x;
  for (auto& c : encoder) h = torch::relu(conv(c, h));
  return h;
}

torch::Tensor DeviceNetImpl::saliency(const torch::Tensor& latent) {
  torch::Tensor h = latent;
  for (size_t i = 0; i < sal.size(); ++i) {
    h = conv(sal[i], h);
    h = i + 1 < sal.size() ? torch::relu(h) : torch::sigmoid(h);
  }
  return h;
}

std::vector<int64_t> revive_dead_latent_channels(DeviceNetImpl& net, const torch::Tensor& x,
                                                 const torch::Tensor& sent) {
  torch::NoGradGuard ng;
  torch::Tensor h = x;
  for (size_t i = 0; i + 1 < net.encoder.size(); ++i) h = torch::relu(conv(net.encoder[i], h));
  torch::nn::Conv2d& last = net.encoder.back();
  const torch::Tensor on = sent.defined() ? sent.expand({x.size(0), -1, -1, -1}) > 0 : torch::Tensor();
  // Pre-activations of channel c at its sent positions, over every image.
  auto sent_values = [&](const torch::Tensor& pre, int64_t c) {
    const torch::Tensor v = pre.select(1, c);
    return on.defined() ? v.masked_select(on.select(1, c)) : v.reshape({-1});
  };
  const torch::Tensor pre = conv(last, h);
  std::vector<int64_t> dead;
  for (int64_t c = 0; c < pre.size(1); ++c) {
    const torch::Tensor v = sent_values(pre, c);
    if (v.numel() > 0 && v.max().item<float>() <= 0.0f) dead.push_back(c);
  }
  if (dead.empty()) return dead;
  torch::nn::Conv2d fresh(torch::nn::Conv2dOptions(last->options.in_channels(), last->options.out_channels(),
                                                   last->options.kernel_size()));  // default initialisation
  for (int64_t c : dead) {
    last->weight[c].copy_(fresh->weight[c]);
    last->bias[c].zero_();
  }
  const torch::Tensor redrawn = conv(last, h);
  for (int64_t c : dead) last->bias[c].fill_(-sent_values(redrawn, c).median());
  return dead;
}

DecoderSpec default_decoder(const PresetSpec& p) {
  DecoderSpec d;
  if (std::string(p.name) == "paper224") d.kind = "paper";
  // Measured on this 2-core CPU: the decoder's full-resolution layers dominate a phase-1
  // step, and width 16 (gray) / 32 (RGB) reconstructs well enough for the classifier.
  d.width = p.input_channels == 1 ? 16 : 32;
  if (std::string(p.name) == "paper224") d.width = 64;
  return d;
}

DecoderImpl::DecoderImpl(const PresetSpec& p, const DecoderSpec& spec) {
  body = register_module("body", torch::nn::Sequential());
  for (const DecoderLayer& l : decoder_layers(p, spec)) {
    upsample.push_back(l.upsample);
    if (l.transposed) {
      body->push_back(torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(l.in, l.out, l.kernel)
                                                     .stride(l.stride)
                                                     .padding(l.pad)
                                                     .output_padding(l.output_pad)));
    } else {
      body->push_back(
          torch::nn::Conv2d(torch::nn::Conv2dOptions(l.in, l.out, l.kernel).stride(l.stride).padding(l.pad)));
    }
  }
}

torch::Tensor DecoderImpl::forward(torch::Tensor z) {
  const size_t n = body->size();
  for (size_t i = 0; i < n; ++i) {
    auto m = body->ptr(i);
    torch::Tensor y;
    if (upsample[i]) z = torch::upsample_nearest2d(z, {z.size(2) * 2, z.size(3) * 2});
    if (auto* t = m->as<torch::nn::ConvTranspose2dImpl>()) {
      y = t->forward(z);
      if (g_macs) *g_macs += t->weight.numel() * z.size(2) * z.size(3);
    } else {
      auto* c = m->as<torch::nn::Conv2dImpl>();
      y = c->forward(z);
      if (g_macs) *g_macs += c->weight.numel() * y.size(2) * y.size(3);
    }
    z = i + 1 < n ? torch::relu(y) : torch::sigmoid(y);
  }
  return z;
}

ClassifierSpec default_classifier(const PresetSpec& p) {
  ClassifierSpec c;
  if (p.input_channels == 1) {
    c.width = 16;
    c.blocks = 1;
  } else {
    c.width = 16;
    c.blocks = 3;
  }
  return c;
}

BasicBlockImpl::BasicBlockImpl(int in, int out, int stride) {
  c1 = register_module("c1",
                       torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)));
  b1 = register_module("b1", torch::nn::BatchNorm2d(out));
  c2 = register_module("c2", torch::nn::Conv2d(torch::nn::Conv2dOptions(out, out, 3).padding(1).bias(false)));
  b2 = register_module("b2", torch::nn::BatchNorm2d(out));
  if (stride != 1 || in != out) {
    proj = register_module("proj", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)));
    pb = register_module("pb", torch::nn::BatchNorm2d(out));
  }
}

torch::Tensor BasicBlockImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = torch::relu(b1(conv(c1, x)));
  h = b2(conv(c2, h));
  torch::Tensor s = proj ? pb(conv(proj, x)) : x;
  return torch::relu(h + s);
}

ResNetImpl::ResNetImpl(int in_channels, int classes, const ClassifierSpec& spec) {
  const int w = spec.width;
  stem = register_module("stem", torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, w, 3).padding(1).bias(false)));
  stem_bn = register_module("stem_bn", torch::nn::BatchNorm2d(w));
  stages = register_module("stages", torch::nn::Sequential());
  int in = w;
  for (int s = 0; s < 3; ++s) {
    const int out = w << s;
    for (int b = 0; b < spec.blocks; ++b) {
      stages->push_back(BasicBlock(in, out, (b == 0 && s > 0) ? 2 : 1));
      in = out;
    }
  }
  fc = register_module("fc", torch::nn::Linear(in, classes));
}

torch::Tensor ResNetImpl::features(const torch::Tensor& x) {
  torch::Tensor h = torch::relu(stem_bn(conv(stem, x)));
  for (size_t i = 0; i < stages->size(); ++i) h = stages->ptr<BasicBlockImpl>(i)->forward(h);
  return h;
}

torch::Tensor ResNetImpl::head(const torch::Tensor& f) {
  torch::Tensor pooled = f.mean({2, 3});
  if (g_macs) *g_macs += fc->weight.numel();
  return fc(pooled);
}

torch::Tensor Classifier::forward(const torch::Tensor& x) {
  if (resnet) return resnet->forward(x);
  return script->forward({x}).toTensor();
}

void Classifier::train(bool on) {
  if (resnet) resnet->train(on);
  if (script) script->train(on);
}

void Classifier::freeze() {
  if (resnet) {
    for (auto& p : resnet->parameters()) p.set_requires_grad(false);
  }
  if (script) {
    for (auto p : script->parameters()) p.set_requires_grad(false);
  }
}

void Classifier::to(const torch::Device& device) {
  if (resnet) resnet->to(device);
  if (script) script->to(device);
}

torch::Tensor preset_mean(const PresetSpec& p) {
  return torch::from_blob(const_cast<float*>(p.mean), {1, p.input_channels, 1, 1}, torch::kFloat32).clone();
}
torch::Tensor preset_std(const PresetSpec& p) {
  return torch::from_blob(const_cast<float*>(p.std), {1, p.input_channels, 1, 1}, torch::kFloat32).clone();
}

namespace {
void add_tensor(BundleWriter* w, const std::string& name, const torch::Tensor& t) {
  torch::Tensor c = t.detach().to(torch::kFloat32).contiguous().cpu();
  std::vector<uint32_t> dims;
  for (int64_t d : c.sizes()) dims.push_back(static_cast<uint32_t>(d));
  if (dims.empty()) dims.push_back(1);
  w->add_f32(name, dims, c.data_ptr<float>());
}

void load_tensor(const BundleView& b, const std::string& name, torch::Tensor t, const std::string& what) {
  BundleTensor s;
  if (!b.find(name.c_str(), &s)) throw std::runtime_error(what + ": missing tensor '" + name + "'");
  if (s.dtype != DType::kF32 || static_cast<int64_t>(s.elements()) != t.numel()) {
    throw std::runtime_error(what + ": tensor '" + name + "' has " + std::to_string(s.elements()) +
                             " values, the model needs " + std::to_string(t.numel()) +
                             " (a bundle for another preset or architecture?)");
  }
  torch::NoGradGuard ng;
  torch::Tensor src = torch::from_blob(const_cast<uint8_t*>(s.data), t.sizes(), torch::kFloat32);
  t.copy_(src);
}
}  // namespace

void add_module_state(BundleWriter* w, const std::string& prefix, torch::nn::Module& m) {
  for (const auto& p : m.named_parameters()) add_tensor(w, prefix + "." + p.key(), p.value());
  for (const auto& p : m.named_buffers()) {
    if (p.value().is_floating_point()) add_tensor(w, prefix + "." + p.key(), p.value());
  }
}

void load_module_state(const BundleView& b, const std::string& prefix, torch::nn::Module& m, const std::string& what) {
  for (auto& p : m.named_parameters()) load_tensor(b, prefix + "." + p.key(), p.value(), what);
  for (auto& p : m.named_buffers()) {
    if (p.value().is_floating_point()) load_tensor(b, prefix + "." + p.key(), p.value(), what);
  }
}

void copy_module_state(torch::nn::Module& from, torch::nn::Module& to) {
  torch::NoGradGuard ng;
  auto copy = [](const torch::OrderedDict<std::string, torch::Tensor>& src,
                 torch::OrderedDict<std::string, torch::Tensor> dst) {
    if (src.size() != dst.size()) throw std::runtime_error("copy_module_state: modules of different structure");
    for (auto& d : dst) {
      const torch::Tensor* s = src.find(d.key());
      if (!s || !s->sizes().equals(d.value().sizes())) {
        throw std::runtime_error("copy_module_state: no tensor of this shape for " + d.key());
      }
      d.value().copy_(*s);
    }
  };
  copy(from.named_parameters(), to.named_parameters());
  copy(from.named_buffers(), to.named_buffers());
}

void add_device_state(BundleWriter* w, DeviceNetImpl& net) {
  for (size_t i = 0; i < net.encoder.size(); ++i) {
    add_tensor(w, "encoder." + std::to_string(i) + ".weight", net.encoder[i]->weight);
    add_tensor(w, "encoder." + std::to_string(i) + ".bias", net.encoder[i]->bias);
  }
  for (size_t i = 0; i < net.sal.size(); ++i) {
    add_tensor(w, "saliency." + std::to_string(i) + ".weight", net.sal[i]->weight);
    add_tensor(w, "saliency." + std::to_string(i) + ".bias", net.sal[i]->bias);
  }
}

void load_device_state(const BundleView& b, DeviceNetImpl& net, const std::string& what) {
  for (size_t i = 0; i < net.encoder.size(); ++i) {
    load_tensor(b, "encoder." + std::to_string(i) + ".weight", net.encoder[i]->weight, what);
    load_tensor(b, "encoder." + std::to_string(i) + ".bias", net.encoder[i]->bias, what);
  }
  for (size_t i = 0; i < net.sal.size(); ++i) {
    load_tensor(b, "saliency." + std::to_string(i) + ".weight", net.sal[i]->weight, what);
    load_tensor(b, "saliency." + std::to_string(i) + ".bias", net.sal[i]->bias, what);
  }
}

namespace {
long long count_params(torch::nn::Module& m) {
  long long n = 0;
  for (const auto& t : m.parameters()) n += t.numel();
  return n;
}
}  // namespace

Cost decoder_cost(const PresetSpec& p, const DecoderSpec& d) {
  torch::NoGradGuard ng;
  Decoder dec(p, d);
  Cost c;
  c.params = count_params(*dec);
  g_macs = &c.macs;
  dec->forward(torch::zeros({1, p.codec.latent_channels, p.codec.latent_side, p.codec.latent_side}));
  g_macs = nullptr;
  return c;
}

Cost classifier_cost(const PresetSpec& p, const ClassifierSpec& spec, int classes) {
  torch::NoGradGuard ng;
  ResNet net(p.input_channels, classes, spec);
  net->eval();
  Cost c;
  c.params = count_params(*net);
  g_macs = &c.macs;
  net->forward(torch::zeros({1, p.input_channels, p.input_size, p.input_size}));
  g_macs = nullptr;
  return c;
}

}  // namespace limitnet::train
