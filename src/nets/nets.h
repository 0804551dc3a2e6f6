// libtorch definitions of the LimitNet networks: the device part (encoder + saliency
// branch, exactly the preset's ConvSpec stacks so the float reference in src/device
// computes the same thing), the cloud decoder and the cloud classifier (a small ResNet).
// Internal to src/train and src/cloud: this is the only header that pulls in libtorch's
// module API, so keep it out of other translation units.
#pragma once
#include <string>
#include <vector>

#include <torch/script.h>
#include <torch/torch.h>

#include "codec/host/bundle_writer.h"
#include "codec/presets.h"

namespace limitnet::train {

// Device network. forward() returns {latent [B,L,K,K] (ReLU), saliency [B,1,K,K] in (0,1)}.
// Input: normalised images [B,C,S,S] ((pixel/255 - mean)/std).
struct DeviceNetImpl : torch::nn::Module {
  explicit DeviceNetImpl(const PresetSpec& preset);
  torch::Tensor encode(const torch::Tensor& x);
  torch::Tensor saliency(const torch::Tensor& latent);
  std::vector<torch::nn::Conv2d> encoder, sal;
};
TORCH_MODULE(DeviceNet);

// A latent channel whose final ReLU is off at every sent position of the images `x` gets no
// gradient, so no loss can switch it back on. This re-draws the last encoder convolution's
// filter of each such channel (the layer's default initialisation, from torch's generator)
// and sets its bias so that half of those pre-activations are positive; every other channel
// and layer is left as it was. `sent` ([1,L,K,K], or undefined = all) marks the positions a
// channel sends. Returns the revived channels, in order.
std::vector<int64_t> revive_dead_latent_channels(DeviceNetImpl& net, const torch::Tensor& x, const torch::Tensor& sent);

// Decoder geometry, stored in the bundle config as "decoder=<kind>" and "decoder.width=<W>".
//  kind "paper": the reference decoder of paper224 (5 transposed convs, width 64).
//  kind "upconv": conv3 L->W, then log2(S/K) x [nearest x2 upsampling, conv3 W->W],
//                 conv3 W->W/2, conv3 -> C; ReLU between, sigmoid at the end. Needs S/K a
//                 power of two. (Upsampling + convolution rather than transposed
//                 convolutions: libtorch's CPU backward of ConvTranspose2d measured 5-9x
//                 slower here, and it avoids checkerboard artefacts.)
//  kind "pyramid": conv3 L->W, conv3 W->W at the latent's size, then per x2 upsampling
//                 [nearest x2, conv3 W->W', conv3 W'->W'] with W' = max(16, W/2), and
//                 conv3 -> C. Same MACs as "upconv" at twice the width, far more
//                 parameters at low resolution.
struct DecoderSpec {
  std::string kind = "upconv";
  int width = 64;
};
DecoderSpec default_decoder(const PresetSpec& preset);

// Output: image in [0,1], [B,C,S,S] (not normalised).
struct DecoderImpl : torch::nn::Module {
  DecoderImpl(const PresetSpec& preset, const DecoderSpec& spec);
  torch::Tensor forward(torch::Tensor z);
  torch::nn::Sequential body{nullptr};
  std::vector<bool> upsample;  // per layer of body
};
TORCH_MODULE(Decoder);

// Classifier geometry: "classifier=resnet", "classifier.width=W", "classifier.blocks=N"
// (ResNet-(6N+2) of He et al. for small images, stages of width W, 2W, 4W).
struct ClassifierSpec {
  int width = 16;
  int blocks = 3;
};
ClassifierSpec default_classifier(const PresetSpec& preset);

struct BasicBlockImpl : torch::nn::Module {
  BasicBlockImpl(int in, int out, int stride);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Conv2d c1{nullptr}, c2{nullptr}, proj{nullptr};
  torch::nn::BatchNorm2d b1{nullptr}, b2{nullptr}, pb{nullptr};
};
TORCH_MODULE(BasicBlock);

// Input: normalised images; output: logits [B, classes].
struct ResNetImpl : torch::nn::Module {
  ResNetImpl(int in_channels, int classes, const ClassifierSpec& spec);
  torch::Tensor features(const torch::Tensor& x);  // last stage, before pooling (Grad-CAM)
  torch::Tensor head(const torch::Tensor& f);
  torch::Tensor forward(const torch::Tensor& x) { return head(features(x)); }
  torch::nn::Conv2d stem{nullptr};
  torch::nn::BatchNorm2d stem_bn{nullptr};
  torch::nn::Sequential stages{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(ResNet);

// The cloud classifier: the built-in ResNet or any TorchScript module mapping normalised
// images [B,C,S,S] (the preset's normalisation and size) to logits [B,classes]. A module
// that needs another size or normalisation (e.g. EfficientNet-B0 at 224x224 with ImageNet
// statistics) does its own resizing inside (see docs/TRAINING.md).
struct Classifier {
  ResNet resnet{nullptr};
  std::shared_ptr<torch::jit::Module> script;
  torch::Tensor forward(const torch::Tensor& x);
  void train(bool on);
  void freeze();  // no gradients into the classifier's own parameters
  void to(const torch::Device& device);
};

// Normalisation of the preset as [1,C,1,1] tensors.
torch::Tensor preset_mean(const PresetSpec& p);
torch::Tensor preset_std(const PresetSpec& p);

// Parameters and MACs per image of a module on a given input shape, measured by a hooks-free
// analytic count over Conv2d / ConvTranspose2d / Linear layers (biases excluded from MACs).
struct Cost {
  long long params = 0;
  long long macs = 0;
};
Cost decoder_cost(const PresetSpec& p, const DecoderSpec& d);
Cost classifier_cost(const PresetSpec& p, const ClassifierSpec& c, int classes);

// Every named parameter and buffer of `m` as f32 sections "<prefix>.<name>" (integer
// buffers such as BatchNorm's step counter are left out: inference does not need them).
void add_module_state(BundleWriter* w, const std::string& prefix, torch::nn::Module& m);
// Inverse: copies "<prefix>.<name>" sections into `m`. Throws std::runtime_error
// "<what>: ..." naming a missing section or a shape mismatch.
void load_module_state(const BundleView& b, const std::string& prefix, torch::nn::Module& m, const std::string& what);
// Copies every parameter and buffer of `from` into `to`, a module of the same structure
// (a frozen copy of a classifier, say). Throws std::runtime_error on a structure mismatch.
void copy_module_state(torch::nn::Module& from, torch::nn::Module& to);
// Device weights in the bundle naming the float reference reads ("encoder.N.weight", ...).
void add_device_state(BundleWriter* w, DeviceNetImpl& net);
void load_device_state(const BundleView& b, DeviceNetImpl& net, const std::string& what);

}  // namespace limitnet::train
