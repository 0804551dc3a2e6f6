// The libtorch networks: parameter counts of the paper preset, shapes, and agreement of the
// device network with the plain float reference (src/device) that the firmware follows.
#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "device/float_reference.h"
#include "model/arch_file.h"
#include "model/random_model.h"
#include "nets/gradual.h"
#include "nets/latent_rate.h"
#include "nets/nets.h"

namespace limitnet::train {
namespace {

long long params(torch::nn::Module& m) {
  long long n = 0;
  for (const auto& t : m.parameters()) n += t.numel();
  return n;
}

TEST(TrainNets, Paper224ParameterCountsMatchTheReference) {
  const PresetSpec& p = *find_preset("paper224");
  DeviceNet net(p);
  long long enc = 0, sal = 0;
  for (auto& c : net->encoder) enc += c->weight.numel() + c->bias.numel();
  for (auto& c : net->sal) sal += c->weight.numel() + c->bias.numel();
  EXPECT_EQ(enc, 10524);  // "about 10.5K"
  EXPECT_EQ(sal, 5553);   // "about 5.5K"
  EXPECT_EQ(enc, conv_stack_params(p.encoder, p.encoder_layers));
  torch::NoGradGuard ng;
  torch::Tensor z = net->encode(torch::zeros({1, 3, 224, 224}));
  EXPECT_EQ(z.sizes(), (std::vector<int64_t>{1, 12, 28, 28}));
  Decoder dec(p, default_decoder(p));
  EXPECT_EQ(dec->forward(z).sizes(), (std::vector<int64_t>{1, 3, 224, 224}));
}

// The pyramid decoder: the input's shape for every small preset, and (its design point)
// about the MACs of "upconv" at half its width, with more parameters.
TEST(TrainNets, PyramidDecoderShapesAndCost) {
  for (const char* name : {"fmnist28", "cifar32"}) {
    const PresetSpec& p = *find_preset(name);
    DecoderSpec pyramid{"pyramid", 64}, upconv{"upconv", 32};
    Decoder dec(p, pyramid);
    torch::NoGradGuard ng;
    const torch::Tensor y =
        dec->forward(torch::rand({2, p.codec.latent_channels, p.codec.latent_side, p.codec.latent_side}));
    EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, p.input_channels, p.input_size, p.input_size})) << name;
    EXPECT_GE(y.min().item<float>(), 0.0f);
    EXPECT_LE(y.max().item<float>(), 1.0f);
    const Cost a = decoder_cost(p, pyramid), b = decoder_cost(p, upconv);
    EXPECT_GT(a.params, b.params) << name;
    EXPECT_LT(static_cast<double>(a.macs), 1.5 * static_cast<double>(b.macs)) << name;
  }
  EXPECT_THROW(Decoder(*find_preset("fmnist28"), DecoderSpec{"hourglass", 16}), std::runtime_error);
}

TEST(TrainNets, Paper224TrainsAFewIterations) {
  torch::manual_seed(1);
  const PresetSpec& p = *find_preset("paper224");
  DeviceNet net(p);
  Decoder dec(p, default_decoder(p));
  std::vector<torch::Tensor> ps = net->parameters();
  for (auto& t : dec->parameters()) ps.push_back(t);
  torch::optim::Adam opt(ps, torch::optim::AdamOptions(1e-3));
  torch::Tensor x = torch::rand({2, 3, 224, 224});
  double first = 0, last = 0;
  for (int i = 0; i < 3; ++i) {
    opt.zero_grad();
    torch::Tensor z = net->encode(x);
    torch::Tensor mask = keep_mask(gradual_scores(received_importance(net->saliency(z).detach(), p.codec), p.codec),
                                   torch::full({2}, 0.5));
    torch::Tensor loss = torch::mse_loss(dec->forward(z * mask), x);
    loss.backward();
    opt.step();
    (i == 0 ? first : last) = loss.item<double>();
  }
  EXPECT_TRUE(std::isfinite(last));
  EXPECT_LT(last, first);
}

// The presets and an architecture that is no preset (models/arch/gray96.json): the
// libtorch network built from the description and the float reference reading the
// bundle's arch section compute the same thing.
TEST(TrainNets, DeviceNetMatchesTheFloatReference) {
  const ArchSpec gray96 = read_arch_file(std::string(LIMITNET_SOURCE_DIR) + "/models/arch/gray96.json");
  for (const ArchSpec* arch : {find_preset("fmnist28"), find_preset("cifar32"), &gray96}) {
    const PresetSpec& p = *arch;
    const char* name = p.name;
    torch::manual_seed(3);
    DeviceNet net(p);
    BundleWriter w = random_device_bundle(p, p.codec, 1);
    add_device_state(&w, *net);  // replaces the random weights by the libtorch ones
    const std::vector<uint8_t> raw = w.serialize();
    std::vector<uint32_t> aligned((raw.size() + 3) / 4);
    std::memcpy(aligned.data(), raw.data(), raw.size());
    BundleView view;
    ASSERT_EQ(view.parse(reinterpret_cast<const uint8_t*>(aligned.data()), raw.size()), Status::kOk);
    ReferenceNetwork ref;
    ASSERT_EQ(ref.bind(view), Status::kOk);
    const int s = p.input_size, c = p.input_channels;
    std::vector<uint8_t> frame(static_cast<size_t>(s) * s * c);
    for (size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<uint8_t>((i * 37 + 11) % 256);
    std::vector<float> ws(ref.workspace_floats()), latent(p.codec.latent_elements()),
        sal(static_cast<size_t>(p.codec.latent_side * p.codec.latent_side));
    ASSERT_EQ(ref.run(frame.data(), ws.data(), latent.data(), sal.data()), Status::kOk);
    torch::NoGradGuard ng;
    torch::Tensor x =
        torch::from_blob(frame.data(), {1, s, s, c}, torch::kUInt8).permute({0, 3, 1, 2}).to(torch::kFloat32) / 255.0f;
    x = (x - preset_mean(p)) / preset_std(p);
    torch::Tensor z = net->encode(x).contiguous(), sm = net->saliency(z).contiguous();
    for (size_t i = 0; i < latent.size(); ++i)
      ASSERT_NEAR(latent[i], z.data_ptr<float>()[i], 1e-4) << name << " latent " << i;
    for (size_t i = 0; i < sal.size(); ++i)
      ASSERT_NEAR(sal[i], sm.data_ptr<float>()[i], 1e-4) << name << " saliency " << i;
    Decoder dec(p, default_decoder(p));
    EXPECT_EQ(dec->forward(z).sizes(), (std::vector<int64_t>{1, c, s, s})) << name;
  }
}

TEST(TrainNets, ModuleStateRoundTripsThroughABundle) {
  const PresetSpec& p = *find_preset("fmnist28");
  ResNet a(1, 10, default_classifier(p)), b(1, 10, default_classifier(p));
  BundleWriter w(kBundlePartCloud);
  w.set_config("preset=fmnist28\n");
  add_module_state(&w, "classifier", *a);
  const std::vector<uint8_t> raw = w.serialize(7);
  std::vector<uint32_t> aligned((raw.size() + 3) / 4);
  std::memcpy(aligned.data(), raw.data(), raw.size());
  BundleView view;
  ASSERT_EQ(view.parse(reinterpret_cast<const uint8_t*>(aligned.data()), raw.size()), Status::kOk);
  load_module_state(view, "classifier", *b, "test");
  torch::NoGradGuard ng;
  a->eval();
  b->eval();
  torch::Tensor x = torch::rand({2, 1, 28, 28});
  EXPECT_TRUE(torch::allclose(a->forward(x), b->forward(x)));
  // A classifier of another shape is refused with a message, not a crash.
  ClassifierSpec wide = default_classifier(p);
  wide.width = 32;
  ResNet c(1, 10, wide);
  EXPECT_THROW(load_module_state(view, "classifier", *c, "test"), std::runtime_error);
}

// A frozen distillation teacher is a deep copy: it answers like its source, and a later
// change to the source (phase 2 tuning it) leaves the copy as it was.
TEST(TrainNets, CopyModuleStateMakesAnIndependentCopy) {
  const PresetSpec& p = *find_preset("fmnist28");
  ResNet src(1, 10, default_classifier(p)), copy(1, 10, default_classifier(p));
  torch::NoGradGuard ng;
  for (auto& b : src->named_buffers()) {
    if (b.value().is_floating_point()) b.value().uniform_(0.5, 1.5);  // BatchNorm statistics too
  }
  copy_module_state(*src, *copy);
  src->eval();
  copy->eval();
  const torch::Tensor x = torch::rand({2, 1, 28, 28});
  const torch::Tensor before = src->forward(x);
  EXPECT_TRUE(torch::equal(before, copy->forward(x)));
  for (auto& w : src->parameters()) w.add_(0.1);
  EXPECT_FALSE(torch::equal(src->forward(x), copy->forward(x)));
  EXPECT_TRUE(torch::equal(before, copy->forward(x)));
  ClassifierSpec wide = default_classifier(p);
  wide.width = 32;
  ResNet other(1, 10, wide);
  EXPECT_THROW(copy_module_state(*src, *other), std::runtime_error);
}

// --revive-dead-channels: a channel switched off (its ReLU negative everywhere) is found,
// gets a new filter and a bias that switches it on at half its sent positions, and then
// carries a gradient again; every other channel and layer is untouched. Only sent positions
// count (a coarse channel's lattice here).
TEST(TrainNets, RevivesOnlyTheDeadLatentChannels) {
  const PresetSpec& p = *find_preset("cifar32");
  torch::manual_seed(3);
  DeviceNet net(p);
  torch::nn::Conv2d& last = net->encoder.back();
  const int64_t channels = last->options.out_channels(), k = p.codec.latent_side;
  {
    torch::NoGradGuard ng;
    last->weight[2].zero_();
    last->bias[2].fill_(-1.0f);  // off everywhere
  }
  torch::Tensor sent = torch::ones({1, channels, k, k});
  sent[0][2].zero_();
  sent[0][2].slice(0, 0, k, 2).slice(1, 0, k, 2).fill_(1.0f);  // channel 2 sends every other row and column
  const torch::Tensor x = torch::randn({16, p.input_channels, p.input_size, p.input_size});
  std::map<std::string, torch::Tensor> before;
  for (const auto& t : net->named_parameters()) before[t.key()] = t.value().detach().clone();

  EXPECT_EQ(revive_dead_latent_channels(*net, x, sent), (std::vector<int64_t>{2}));

  const torch::Tensor z = net->encode(x);
  const torch::Tensor on = z.select(1, 2).slice(1, 0, k, 2).slice(2, 0, k, 2) > 0;
  EXPECT_NEAR(on.to(torch::kFloat).mean().item<double>(), 0.5, 0.05);
  z.select(1, 2).sum().backward();
  EXPECT_GT(last->weight.grad()[2].abs().sum().item<float>(), 0.0f);
  const std::string last_name = "encoder" + std::to_string(net->encoder.size() - 1);
  for (const auto& t : net->named_parameters()) {
    const torch::Tensor& was = before.at(t.key());
    if (t.key().rfind(last_name + ".", 0) != 0) {
      EXPECT_TRUE(torch::equal(t.value(), was)) << t.key();
      continue;
    }
    EXPECT_FALSE(torch::equal(t.value()[2], was[2])) << t.key();
    for (int64_t c = 0; c < channels; ++c) {
      if (c != 2) EXPECT_TRUE(torch::equal(t.value()[c], was[c])) << t.key() << " channel " << c;
    }
  }
  EXPECT_TRUE(revive_dead_latent_channels(*net, x, sent).empty()) << "nothing is dead any more";
  EXPECT_TRUE(revive_dead_latent_channels(*net, x, torch::Tensor()).empty());
}

// --rate-free-bits: a channel that sends under the floor is charged at the same value, but
// its levels get no gradient from the rate (so the rate cannot switch it off); the entropy
// model still fits it. Channel 0 sends one cheap value, channel 1 many dear ones.
TEST(TrainNets, FreeBitsStopTheRatePullOnCheapChannels) {
  LatentEntropyModel entropy(2, 16);
  auto levels_for = [] {
    torch::Tensor l = torch::full({4, 2, 3, 3}, 0.4f);
    l.index_put_({torch::indexing::Slice(), 1}, 9.3f);
    return l.requires_grad_(true);
  };
  torch::Tensor mask = torch::ones({4, 2, 3, 3});
  mask.index_put_({torch::indexing::Slice(), 0, torch::indexing::Slice(1)}, 0.0f);  // channel 0: one value

  const torch::Tensor plain_levels = levels_for();
  const torch::Tensor plain = entropy->charged_bits(plain_levels, mask, 0.0).sum();
  EXPECT_NEAR(plain.item<double>(), entropy->channel_bits(plain_levels, mask).sum(1).mean().item<double>(), 1e-4);
  plain.backward();
  EXPECT_GT(plain_levels.grad()[0][0][0][0].abs().item<double>(), 0.0) << "no floor: channel 0 is pulled";

  entropy->zero_grad();
  const torch::Tensor levels = levels_for();
  const torch::Tensor per_channel = entropy->channel_bits(levels, mask).mean(0);
  const double floor = 8.0;
  ASSERT_LT(per_channel[0].item<double>(), floor);
  ASSERT_GT(per_channel[1].item<double>(), floor);
  const torch::Tensor charged = entropy->charged_bits(levels, mask, floor).sum();
  EXPECT_NEAR(charged.item<double>(), plain.item<double>(), 1e-4) << "the floor changes gradients, not the value";
  charged.backward();
  EXPECT_EQ(levels.grad().index({torch::indexing::Slice(), 0}).abs().sum().item<double>(), 0.0)
      << "channel 0 sends under the floor: no rate pull";
  EXPECT_GT(levels.grad().index({torch::indexing::Slice(), 1}).abs().sum().item<double>(), 0.0);
  const torch::Tensor logit_grad = entropy->logits.grad();
  EXPECT_GT(logit_grad[0].abs().sum().item<double>(), 0.0) << "the entropy model still fits channel 0";
  EXPECT_GT(logit_grad[1].abs().sum().item<double>(), 0.0);
}

}  // namespace
}  // namespace limitnet::train
