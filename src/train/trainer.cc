// The training recipe (see train.h). One translation unit holds the loops so that
// libtorch's headers are compiled once.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <random>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

#include "util/progress.h"
#include "codec/bundle/bundle.h"
#include "codec/codec_model.h"
#include "codec/host/bundle_file.h"
#include "codec/host/bundle_writer.h"
#include "codec/host/model_file.h"
#include "data/augment.h"
#include "data/dataset.h"
#include "data/selection.h"
#include "model/arch_file.h"
#include "model/calibrate.h"
#include "model/model_tools.h"
#include "model/ptq.h"
#include "model/random_model.h"
#include "nets/device.h"
#include "nets/gradual.h"
#include "nets/latent_rate.h"
#include "nets/nets.h"
#include "train/teachers.h"
#include "train/train.h"

namespace fs = std::filesystem;

namespace limitnet::train {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The whole split in memory: images (N x H x W x C), labels, teacher maps (N x H x W).
struct Split {
  int w = 0, h = 0, c = 0, classes = 0;
  std::vector<std::string> class_names;
  std::vector<uint8_t> images, maps;
  std::vector<int64_t> labels;
  size_t size() const { return labels.size(); }
  size_t image_bytes() const { return static_cast<size_t>(w) * h * c; }
};

Split load_split(const data::Dataset& ds) {
  Split s;
  s.w = ds.width();
  s.h = ds.height();
  s.c = ds.channels();
  s.classes = ds.num_classes();
  s.class_names = ds.class_names();
  s.images.resize(ds.size() * ds.image_bytes());
  s.labels.resize(ds.size());
  for (size_t i = 0; i < ds.size(); ++i) {
    int label = 0;
    ds.get(i, s.images.data() + i * ds.image_bytes(), &label);
    s.labels[i] = label;
  }
  return s;
}

// A split with `s`'s geometry and classes and no images.
Split empty_like(const Split& s) {
  Split e;
  e.w = s.w;
  e.h = s.h;
  e.c = s.c;
  e.classes = s.classes;
  e.class_names = s.class_names;
  return e;
}

// Moves the `count` images that data::held_out_selection picks out of `train` into a
// validation split held out from training.
Split hold_out(Split& train, size_t count, std::vector<bool>* held_out) {
  try {
    *held_out = data::held_out_selection(train.size(), count);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string("train: ") + e.what());
  }
  const size_t bytes = train.image_bytes();
  Split kept = empty_like(train), val = empty_like(train);
  for (size_t i = 0; i < train.size(); ++i) {
    Split& to = (*held_out)[i] ? val : kept;
    to.images.insert(to.images.end(), train.images.begin() + static_cast<std::ptrdiff_t>(i * bytes),
                     train.images.begin() + static_cast<std::ptrdiff_t>((i + 1) * bytes));
    to.labels.push_back(train.labels[i]);
  }
  train = std::move(kept);
  return val;
}

// Teacher maps computed over the whole training dataset, less the held-out images.
std::vector<uint8_t> without_held_out(const std::vector<uint8_t>& maps, const std::vector<bool>& held_out) {
  if (held_out.empty()) return maps;
  const size_t plane = maps.size() / held_out.size();
  std::vector<uint8_t> kept;
  for (size_t i = 0; i < held_out.size(); ++i) {
    if (!held_out[i]) kept.insert(kept.end(), maps.begin() + i * plane, maps.begin() + (i + 1) * plane);
  }
  return kept;
}

struct Batch {
  torch::Tensor x;    // normalised [B,C,H,W]
  torch::Tensor y;    // labels [B]
  torch::Tensor map;  // teacher maps [B,1,H,W] in [0,1] (empty without maps)
};

// Assembles batches: copy, augment image and teacher map together (the map rides along as
// an extra channel so that crop and flip move both alike) on the CPU, move the bytes to the
// device, convert and normalise there.
class Batcher {
 public:
  Batcher(const Split& s, const PresetSpec& p, bool augment, const torch::Device& device)
      : s_(s), augment_(augment), device_(device) {
    mean_ = preset_mean(p).to(device);
    std_ = preset_std(p).to(device);
    params_.pad = s.w >= 32 ? 4 : 2;
    params_.hflip = s.c == 3 || true;
  }
  Batch get(const std::vector<size_t>& idx, size_t begin, size_t end, std::mt19937& rng) {
    const size_t n = end - begin, ib = s_.image_bytes(), plane = static_cast<size_t>(s_.w) * s_.h;
    const bool maps = !s_.maps.empty();
    const int cc = s_.c + (maps ? 1 : 0);
    buf_.resize(n * plane * cc);
    std::vector<int64_t> labels(n);
    for (size_t j = 0; j < n; ++j) {
      const size_t i = idx[begin + j];
      const uint8_t* img = s_.images.data() + i * ib;
      uint8_t* dst = buf_.data() + j * plane * cc;
      if (!maps) {
        std::memcpy(dst, img, ib);
      } else {
        const uint8_t* m = s_.maps.data() + i * plane;
        for (size_t p = 0; p < plane; ++p) {
          for (int c = 0; c < s_.c; ++c) dst[p * cc + c] = img[p * s_.c + c];
          dst[p * cc + s_.c] = m[p];
        }
      }
      labels[j] = s_.labels[i];
    }
    if (augment_) data::augment_batch(buf_.data(), n, s_.w, s_.h, cc, params_, rng);
    torch::Tensor all =
        to_device(torch::from_blob(buf_.data(), {static_cast<int64_t>(n), s_.h, s_.w, cc}, torch::kUInt8), device_)
            .permute({0, 3, 1, 2})
            .to(torch::kFloat32)
            .div_(255.0f);
    Batch b;
    b.x = (all.slice(1, 0, s_.c) - mean_) / std_;
    if (maps) b.map = all.slice(1, s_.c, s_.c + 1).contiguous();
    b.y = to_device(torch::from_blob(labels.data(), {static_cast<int64_t>(n)}, torch::kInt64), device_);
    return b;
  }

 private:
  const Split& s_;
  bool augment_;
  torch::Device device_;
  data::AugmentParams params_;
  torch::Tensor mean_, std_;
  std::vector<uint8_t> buf_;
};

// The batches of one epoch in order. On a GPU the next batch is assembled on a CPU thread
// while the device works on the current one; on the CPU one after the other, so no thread
// competes with libtorch's and the draws of `rng` stay in the same order either way.
class EpochBatches {
 public:
  EpochBatches(Batcher& batcher, const std::vector<size_t>& idx, size_t batch, std::mt19937& rng, bool prefetch)
      : batcher_(batcher), idx_(idx), batch_(batch), rng_(rng), prefetch_(prefetch) {}
  Batch get(size_t step) {
    Batch b = ahead_.valid() ? ahead_.get() : make(step);
    if (prefetch_ && (step + 1) * batch_ < idx_.size())
      ahead_ = std::async(std::launch::async, [this, step] { return make(step + 1); });
    return b;
  }

 private:
  Batch make(size_t step) {
    return batcher_.get(idx_, step * batch_, std::min(idx_.size(), (step + 1) * batch_), rng_);
  }
  Batcher& batcher_;
  const std::vector<size_t>& idx_;
  size_t batch_;
  std::mt19937& rng_;
  bool prefetch_;
  std::future<Batch> ahead_;
};

std::vector<size_t> shuffled(size_t n, std::mt19937& rng) {
  std::vector<size_t> idx(n);
  for (size_t i = 0; i < n; ++i) idx[i] = i;
  // Fisher-Yates on raw rng() so the order is the same with every standard library.
  for (size_t i = n; i > 1; --i) std::swap(idx[i - 1], idx[rng() % i]);
  return idx;
}

// Straight-through fake quantisation of the latent to `bits` with per-channel range
// [0, qmax] (what calibration finds for ReLU latents), so training sees the codec's error.
// The latent in symbol units before rounding: [0, 2^bits - 1].
torch::Tensor latent_levels(const torch::Tensor& z, const torch::Tensor& qmax, int bits) {
  const float top = static_cast<float>((1 << bits) - 1);
  return torch::clamp(z / qmax.reshape({1, -1, 1, 1}).clamp_min(1e-6f), 0.0, 1.0) * top;
}

torch::Tensor fake_quant(const torch::Tensor& z, const torch::Tensor& qmax, int bits) {
  const float top = static_cast<float>((1 << bits) - 1);
  torch::Tensor q = torch::round(latent_levels(z, qmax, bits)) / top * qmax.reshape({1, -1, 1, 1}).clamp_min(1e-6f);
  return z + (q - z).detach();
}

struct Context {
  TrainOptions o;
  torch::Device device{torch::kCPU};
  ArchSpec arch;                       // --preset's or --arch's
  const PresetSpec* preset = nullptr;  // &arch
  CodecConfig codec;
  DecoderSpec dec_spec;
  ClassifierSpec cls_spec;
  Split train, val;
  std::ofstream log;
  torch::Tensor mean, std;
  double pixels = 1;           // input pixels per image: the rate term is in bits per pixel
  torch::Tensor rate_weights;  // [L] on ctx.device: --rate-channel-weights, 1 past the list
  torch::Tensor sent;          // [1,L,K,K] on ctx.device with coarse channels (sent_mask), else undefined
  std::vector<bool> held_out;  // per training-dataset image: moved to validation (--val-holdout)
  std::shared_ptr<const LoadedBundle> deployed;  // --p2-cloud-only: the --init-from bundle, read once
};

void log_line(Context& ctx, nlohmann::json j) {
  ctx.log << j.dump() << "\n";
  ctx.log.flush();
}

fs::path run_file(const Context& ctx, const std::string& name) { return fs::path(ctx.o.run_dir) / name; }

// state.json: which epochs of which stage are done.
nlohmann::json read_state(const Context& ctx) {
  std::ifstream in(run_file(ctx, "state.json"));
  if (!in) return nlohmann::json::object();
  return nlohmann::json::parse(in);
}
void write_state(const Context& ctx, const nlohmann::json& j) {
  const fs::path tmp = run_file(ctx, "state.json.tmp");
  std::ofstream(tmp) << j.dump(2) << "\n";
  fs::rename(tmp, run_file(ctx, "state.json"));
}

template <typename M>
void save_module(const M& m, const fs::path& path) {
  const fs::path tmp = path.string() + ".tmp";
  torch::save(m, tmp.string());
  fs::rename(tmp, path);
}

double lr_one_cycle(double peak, double t) {  // t in [0,1]
  const double warm = 0.15;
  if (t < warm) return peak * (0.1 + 0.9 * t / warm);
  return peak * 0.5 * (1.0 + std::cos(M_PI * (t - warm) / (1.0 - warm)));
}
double lr_cosine(double peak, double t) { return peak * (0.02 + 0.98 * 0.5 * (1.0 + std::cos(M_PI * t))); }

template <typename Options, typename Opt>
void set_lr(Opt& opt, double lr) {
  for (auto& g : opt.param_groups()) static_cast<Options&>(g.options()).lr(lr);
}

// Top-1 of the classifier on clean validation images.
double eval_classifier(Context& ctx, Classifier& cls) {
  torch::NoGradGuard ng;
  cls.train(false);
  Batcher b(ctx.val, *ctx.preset, false, ctx.device);
  std::mt19937 rng(0);
  std::vector<size_t> idx(ctx.val.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  int64_t correct = 0;
  for (size_t s = 0; s < idx.size(); s += 256) {
    const size_t e = std::min(idx.size(), s + 256);
    Batch batch = b.get(idx, s, e, rng);
    correct += cls.forward(batch.x).argmax(1).eq(batch.y).sum().item<int64_t>();
  }
  return static_cast<double>(correct) / static_cast<double>(idx.size());
}

// ---------------------------------------------------------------- classifier
// --val-every: validate after every N-th epoch of a stage and always after its last.
bool validates_after(const TrainOptions& o, int epoch, int epochs) {
  return (epoch + 1) % o.val_every == 0 || epoch + 1 == epochs;
}
constexpr const char* kNoValidation = "(not validated: --val-every)";

void train_classifier(Context& ctx, ResNet& net, nlohmann::json& state) {
  const TrainOptions& o = ctx.o;
  int start = state.value("classifier_epochs", 0);
  torch::optim::SGD opt(net->parameters(),
                        torch::optim::SGDOptions(o.cls_lr).momentum(0.9).nesterov(true).weight_decay(o.cls_wd));
  if (start > 0) {
    torch::load(net, run_file(ctx, "classifier.pt").string(), ctx.device);
    torch::load(opt, run_file(ctx, "classifier.opt.pt").string(), ctx.device);
  }
  Batcher batcher(ctx.train, *ctx.preset, true, ctx.device);
  Classifier cls{net, nullptr};
  const size_t n = ctx.train.size(), steps = (n + o.batch - 1) / o.batch;
  for (int epoch = start; epoch < o.cls_epochs; ++epoch) {
    std::mt19937 rng(static_cast<uint32_t>(o.seed * 1000 + 100 + epoch));
    torch::manual_seed(o.seed * 1000 + 100 + epoch);
    const std::vector<size_t> idx = shuffled(n, rng);
    EpochBatches batches(batcher, idx, static_cast<size_t>(o.batch), rng, ctx.device.is_cuda());
    net->train();
    ProgressBar bar("classifier " + std::to_string(epoch + 1) + "/" + std::to_string(o.cls_epochs), n, o.progress);
    double loss_sum = 0, data_s = 0;
    int64_t correct = 0;
    const auto t0 = Clock::now();
    for (size_t s = 0; s < steps; ++s) {
      set_lr<torch::optim::SGDOptions>(opt,
                                       lr_one_cycle(o.cls_lr, (epoch + static_cast<double>(s) / steps) / o.cls_epochs));
      const auto td = Clock::now();
      Batch b = batches.get(s);
      data_s += seconds_since(td);
      opt.zero_grad();
      torch::Tensor logits = amp_forward(o.amp, [&] { return net->forward(b.x); });
      torch::Tensor loss = torch::nn::functional::cross_entropy(logits, b.y);
      loss.backward();
      opt.step();
      loss_sum += loss.item<double>() * static_cast<double>(b.y.size(0));
      correct += logits.argmax(1).eq(b.y).sum().item<int64_t>();
      char status[64];
      std::snprintf(status, sizeof status, "loss %.3f", loss_sum / static_cast<double>(std::min(n, (s + 1) * o.batch)));
      bar.update(std::min(n, (s + 1) * o.batch), status);
    }
    const double secs = seconds_since(t0);
    const bool validate = validates_after(o, epoch, o.cls_epochs);
    const double val = validate ? eval_classifier(ctx, cls) : 0.0;
    bar.finish(validate ? "val top1 " + std::to_string(val).substr(0, 6) : std::string(kNoValidation));
    save_module(net, run_file(ctx, "classifier.pt"));
    save_module(opt, run_file(ctx, "classifier.opt.pt"));
    state["classifier_epochs"] = epoch + 1;
    write_state(ctx, state);
    nlohmann::json line = {{"stage", "classifier"},
                           {"epoch", epoch + 1},
                           {"loss", loss_sum / static_cast<double>(n)},
                           {"train_top1", static_cast<double>(correct) / static_cast<double>(n)},
                           {"seconds", secs},
                           {"data_seconds", data_s},
                           {"images_per_second", static_cast<double>(n) / secs}};
    if (validate) line["val_top1"] = val;
    log_line(ctx, line);
  }
}

// ---------------------------------------------------------------- Grad-CAM teacher
std::vector<uint8_t> gradcam_maps(Context& ctx, ResNet& net) {
  net->eval();
  const Split& s = ctx.train;
  const size_t plane = static_cast<size_t>(s.w) * s.h;
  std::vector<uint8_t> maps(s.size() * plane);
  Batcher batcher(s, *ctx.preset, false, ctx.device);
  std::vector<size_t> idx(s.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::mt19937 rng(0);
  ProgressBar bar("teacher gradcam", s.size(), ctx.o.progress);
  for (size_t b0 = 0; b0 < s.size(); b0 += 256) {
    const size_t b1 = std::min(s.size(), b0 + 256);
    Batch b = batcher.get(idx, b0, b1, rng);
    torch::Tensor f = net->features(b.x).detach().requires_grad_(true);
    torch::Tensor score = net->head(f).gather(1, b.y.unsqueeze(1)).sum();
    torch::Tensor g = torch::autograd::grad({score}, {f})[0];
    torch::Tensor cam = torch::relu((g.mean({2, 3}, true) * f).sum(1, true)).detach();
    cam = torch::nn::functional::interpolate(cam, torch::nn::functional::InterpolateFuncOptions()
                                                      .size(std::vector<int64_t>{s.h, s.w})
                                                      .mode(torch::kBilinear)
                                                      .align_corners(false));
    torch::Tensor flat = cam.reshape({cam.size(0), -1});
    torch::Tensor lo = std::get<0>(flat.min(1, true)), hi = std::get<0>(flat.max(1, true));
    torch::Tensor u8 =
        ((flat - lo) / (hi - lo).clamp_min(1e-6f) * 255.0f).round().to(torch::kUInt8).to(torch::kCPU).contiguous();
    std::memcpy(maps.data() + b0 * plane, u8.data_ptr<uint8_t>(), (b1 - b0) * plane);
    bar.update(b1);
  }
  bar.finish();
  return maps;
}

// ---------------------------------------------------------------- phases 1 and 2
struct AutoEncoder {
  DeviceNet device{nullptr};
  Decoder decoder{nullptr};
  torch::Tensor qmax;                   // per-channel latent range [0, qmax] of fake quantisation
  torch::Tensor log_step;               // --learned-step: log of the per-channel step, trained
  LatentEntropyModel entropy{nullptr};  // only with --rate-lambda > 0
  // The networks' parameters, and the entropy model's unless it has a group of its own.
  std::vector<torch::Tensor> parameters(bool with_entropy) const {
    std::vector<torch::Tensor> p = device->parameters();
    for (auto& t : decoder->parameters()) p.push_back(t);
    if (entropy && with_entropy) p.push_back(entropy->logits);
    if (log_step.defined()) p.push_back(log_step);
    return p;
  }
};

// --learned-step: the step becomes a trained parameter, started from the current range.
void make_step_learnable(AutoEncoder& ae, int bits) {
  const float top = static_cast<float>((1 << bits) - 1);
  ae.log_step = torch::log(ae.qmax.detach().clamp_min(1e-6f) / top).clone().set_requires_grad(true);
}

// The range [0, qmax] the latent is quantised to: the learned step x the top symbol with
// --learned-step (with its gradient), else the running maximum.
torch::Tensor quant_range(const AutoEncoder& ae, int bits) {
  return ae.log_step.defined() ? ae.log_step.exp() * static_cast<double>((1 << bits) - 1) : ae.qmax;
}

// Each latent channel's maximum over a batch [B,L,K,K] -> [L].
torch::Tensor latent_channel_max(const torch::Tensor& z) {
  return std::get<0>(z.transpose(0, 1).reshape({z.size(1), -1}).max(1));
}

struct DroppedLatent {
  torch::Tensor values;  // fake-quantised, zero where dropped: the decoder's input
  torch::Tensor mask;    // 1 where the value is sent
  torch::Tensor levels;  // the latent in symbol units before rounding (for the rate term)
};

// Latent -> (fake-quantised, gradually dropped) latent, keep fractions per sample.
DroppedLatent drop_latent(Context& ctx, AutoEncoder& ae, const torch::Tensor& z_all, const torch::Tensor& sal,
                          const torch::Tensor& keep, bool update_range) {
  // Coarse channels' values off their lattice are never sent: they are zero to the decoder,
  // the range and the rate alike (the saliency branch still sees the whole latent, as on the device).
  const torch::Tensor& sent = ctx.sent;
  const torch::Tensor z = sent.defined() ? z_all * sent : z_all;
  if (update_range && !ae.log_step.defined()) {
    torch::NoGradGuard ng;
    torch::Tensor bmax = latent_channel_max(z.detach());
    ae.qmax = ae.qmax.defined() ? 0.99 * ae.qmax + 0.01 * bmax : bmax.clone();
  }
  DroppedLatent d;
  torch::Tensor zq;
  if (ae.log_step.defined()) {
    // Learned-step quantisation (LSQ, Esser et al. 2020): the levels keep the step's gradient,
    // so the step is pulled by both the task and the rate; rounding is straight-through.
    d.levels = latent_levels(z, quant_range(ae, ctx.codec.latent_bits), ctx.codec.latent_bits);
    const torch::Tensor step = ae.log_step.exp().reshape({1, -1, 1, 1});
    zq = (d.levels + (torch::round(d.levels) - d.levels).detach()) * step;
  } else {
    d.levels = latent_levels(z, ae.qmax, ctx.codec.latent_bits);
    zq = fake_quant(z, ae.qmax, ctx.codec.latent_bits);
  }
  if (ctx.o.dropping == "none") {
    d.mask = sent.defined() ? sent.expand_as(z).contiguous() : torch::ones_like(z);
  } else if (ctx.o.dropping == "random") {
    d.mask = keep_mask(torch::rand_like(z), keep, sent);
  } else {
    torch::Tensor imp = received_importance(sal.detach(), ctx.codec);
    d.mask = keep_mask(gradual_scores(imp, ctx.codec), keep, sent);
  }
  d.values = ctx.o.dropping == "none" ? zq : zq * d.mask;
  return d;
}

// The first (up to) 512 training images, normalised, unaugmented: what the encoder's
// statistics are measured on before training.
torch::Tensor first_training_images(Context& ctx) {
  Batcher b(ctx.train, *ctx.preset, false, ctx.device);
  std::mt19937 rng(0);
  std::vector<size_t> idx(std::min<size_t>(512, ctx.train.size()));
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  return b.get(idx, 0, idx.size(), rng).x;
}

// --learned-step before the first step of a phase: from the loaded range (resume,
// --init-from), else from the untrained encoder's per-channel maximum on 512 training images.
void ensure_learned_step(Context& ctx, AutoEncoder& ae) {
  if (!ctx.o.learned_step || ae.log_step.defined()) return;
  if (!ae.qmax.defined()) {
    torch::NoGradGuard ng;
    const torch::Tensor z = ae.device->encode(first_training_images(ctx));
    ae.qmax = latent_channel_max(z).clamp_min(1e-3f);
  }
  make_step_learnable(ae, ctx.codec.latent_bits);
}

// --revive-dead-channels, before the first epoch: latent channels switched off for good
// (ReLU negative at every sent position of the first 512 training images) get a new filter
// that is on at half of them, and their range restarts from what they now send.
void revive_dead_channels(Context& ctx, AutoEncoder& ae) {
  const torch::Tensor x = first_training_images(ctx);
  const std::vector<int64_t> revived = revive_dead_latent_channels(*ae.device, x, ctx.sent);
  if (!revived.empty() && ae.qmax.defined()) {
    torch::NoGradGuard ng;
    torch::Tensor z = ae.device->encode(x);
    if (ctx.sent.defined()) z = z * ctx.sent;
    const torch::Tensor sent_max = latent_channel_max(z).clamp_min(1e-3f);
    for (int64_t c : revived) ae.qmax[c] = sent_max[c];
  }
  log_line(ctx, {{"stage", "revive"}, {"channels", revived}});
}

// The classifier as phase 2 left it, with --p2-classifier-lr (what --resume continues).
constexpr const char* kTunedClassifierFile = "classifier.tuned.pt";

struct PhaseEval {
  double mse_full = 0;
  double bytes_full = 0;              // mean entropy-model bytes of the whole latent (rate-aware runs)
  std::vector<double> channel_bytes;  // the same per latent channel
  std::vector<double> top1;           // at each keep fraction
};
const std::vector<double> kEvalKeep = {0.05, 0.1, 0.25, 1.0};

PhaseEval eval_phase(Context& ctx, AutoEncoder& ae, Classifier& cls) {
  torch::NoGradGuard ng;
  ae.device->eval();
  ae.decoder->eval();
  cls.train(false);
  Batcher b(ctx.val, *ctx.preset, false, ctx.device);
  std::mt19937 rng(0);
  std::vector<size_t> idx(ctx.val.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  PhaseEval r;
  r.top1.assign(kEvalKeep.size(), 0);
  for (size_t s = 0; s < idx.size(); s += 256) {
    const size_t e = std::min(idx.size(), s + 256);
    Batch batch = b.get(idx, s, e, rng);
    torch::Tensor z = ae.device->encode(batch.x), sal = ae.device->saliency(z);
    for (size_t k = 0; k < kEvalKeep.size(); ++k) {
      torch::Tensor keep = torch::full({z.size(0)}, kEvalKeep[k]);
      const DroppedLatent d = drop_latent(ctx, ae, z, sal, keep, false);
      torch::Tensor rec = ae.decoder->forward(d.values);
      torch::Tensor xn = (rec - ctx.mean) / ctx.std;
      r.top1[k] += static_cast<double>(cls.forward(xn).argmax(1).eq(batch.y).sum().item<int64_t>());
      if (kEvalKeep[k] == 1.0) r.mse_full += torch::mse_loss(xn, batch.x, at::Reduction::Sum).item<double>();
      if (kEvalKeep[k] == 1.0 && ae.entropy) {
        const torch::Tensor bits = ae.entropy->hard_bits(d.levels, d.mask).sum(0).cpu().to(torch::kFloat64);
        r.channel_bytes.resize(static_cast<size_t>(bits.size(0)), 0.0);
        for (size_t c = 0; c < r.channel_bytes.size(); ++c) r.channel_bytes[c] += bits[c].item<double>() / 8.0;
      }
    }
  }
  for (double& c : r.channel_bytes) {
    c /= static_cast<double>(ctx.val.size());
    r.bytes_full += c;
  }
  for (double& t : r.top1) t /= static_cast<double>(idx.size());
  r.mse_full /= static_cast<double>(ctx.val.size() * ctx.val.image_bytes());
  return r;
}

// Phase 2's loss (and phase 1's with --p1-task-weight): how well the classifier reads the
// reconstruction `xn`, against the labels or, with --p2-distill, against `teacher`'s softened
// output on the clean image.
torch::Tensor task_loss(const TrainOptions& o, Classifier& cls, Classifier& teacher, const torch::Tensor& xn,
                        const Batch& b) {
  torch::Tensor logits = amp_forward(o.amp, [&] { return cls.forward(xn); });
  if (o.p2_distill_temperature <= 0) return torch::nn::functional::cross_entropy(logits, b.y);
  const double t = o.p2_distill_temperature;
  torch::Tensor target;
  {
    torch::NoGradGuard ng;
    target = torch::softmax(amp_forward(o.amp, [&] { return teacher.forward(b.x); }) / t, 1);
  }
  namespace F = torch::nn::functional;
  return F::kl_div(torch::log_softmax(logits / t, 1), target, F::KLDivFuncOptions().reduction(torch::kBatchMean)) *
         (t * t);
}

// A phase epoch's validation figures for its progress line.
std::string phase_eval_status(const PhaseEval& ev) {
  char status[96];
  std::snprintf(status, sizeof status, "val top1 %.3f@5%% %.3f@25%% %.3f@100%%", ev.top1[0], ev.top1[2], ev.top1[3]);
  return status;
}

// A phase epoch's validation figures, into its log line (the rate figures only in rate-aware
// runs, so the paper recipe's log keeps its keys).
void add_phase_eval(nlohmann::json* line, const PhaseEval& ev, bool rate_aware) {
  nlohmann::json val = nlohmann::json::object();
  for (size_t k = 0; k < kEvalKeep.size(); ++k)
    val["top1_keep_" + std::to_string(static_cast<int>(kEvalKeep[k] * 100))] = ev.top1[k];
  (*line)["val"] = val;
  (*line)["val_mse_full"] = ev.mse_full;
  if (rate_aware) {
    (*line)["val_rate_bytes_full"] = ev.bytes_full;
    (*line)["val_rate_bytes_channels"] = ev.channel_bytes;
  }
}

// `teacher` gives phase 2's distillation targets on clean images: the classifier itself when
// it is frozen, a frozen copy of it when phase 2 tunes it.
void train_phase(Context& ctx, int phase, AutoEncoder& ae, Classifier& cls, Classifier& teacher,
                 nlohmann::json& state) {
  const TrainOptions& o = ctx.o;
  const std::string name = "phase" + std::to_string(phase);
  const int epochs = phase == 1 ? o.p1_epochs : o.p2_epochs;
  const double peak = phase == 1 ? o.p1_lr : o.p2_lr;
  const int start = state.value(name + "_epochs", 0);
  // --p2-cloud-only: the device network, its ranges and the rate model stay as deployed.
  const bool cloud_only = phase == 2 && o.p2_cloud_only;
  if (!cloud_only) ensure_learned_step(ctx, ae);
  const bool own_rate_group = ae.entropy && o.rate_model_lr > 0;
  torch::optim::Adam opt(cloud_only ? ae.decoder->parameters() : ae.parameters(!own_rate_group),
                         torch::optim::AdamOptions(peak));
  const bool tune_cls = phase == 2 && o.p2_classifier_lr > 0;
  std::vector<double> peaks = {peak};  // per parameter group, each on the same cosine schedule
  // Keep fractions: the paper's U(0, 1), except a share that keeps the whole latent
  // (--p1-full-share, --p2-full-share); phase 2 may draw only from the first packet on
  // (--p2-keep-min), and log-uniform (--p2-keep-log).
  const double keep_min = phase == 2 ? o.p2_keep_min : 0.0;
  const double full_share = phase == 2 ? o.p2_full_share : o.p1_full_share;
  cls.freeze();
  if (tune_cls) {
    peaks.push_back(o.p2_classifier_lr);
    for (auto& w : cls.resnet->parameters()) w.set_requires_grad(true);
    opt.add_param_group(torch::optim::OptimizerParamGroup(
        cls.resnet->parameters(), std::make_unique<torch::optim::AdamOptions>(o.p2_classifier_lr)));
  }
  if (own_rate_group) {
    // Its own learning rate: at the networks' (1e-4..1e-3) a short fine-tune leaves the
    // distribution near its geometric prior, and the rate term then prices the wrong bits.
    peaks.push_back(o.rate_model_lr);
    opt.add_param_group(torch::optim::OptimizerParamGroup(
        {ae.entropy->logits}, std::make_unique<torch::optim::AdamOptions>(o.rate_model_lr)));
  }
  if (start > 0) {
    // The optimiser state has one group more with --rate-model-lr > 0; say so, not libtorch.
    if (state.value(name + "_rate_group", false) != own_rate_group) {
      throw std::runtime_error(o.run_dir + ": its " + name +
                               " was trained with another --rate-model-lr (0 or not); resume with the same");
    }
    torch::load(opt, run_file(ctx, name + ".opt.pt").string(), ctx.device);
  }
  Batcher batcher(ctx.train, *ctx.preset, true, ctx.device);
  const bool distil = phase == 1 && !ctx.train.maps.empty() && o.saliency_weight > 0;
  const size_t n = ctx.train.size(), steps = (n + o.batch - 1) / o.batch;
  for (int epoch = start; epoch < epochs; ++epoch) {
    std::mt19937 rng(static_cast<uint32_t>(o.seed * 1000 + 100 * phase + epoch));
    torch::manual_seed(o.seed * 1000 + 100 * phase + epoch);
    const std::vector<size_t> idx = shuffled(n, rng);
    EpochBatches batches(batcher, idx, static_cast<size_t>(o.batch), rng, ctx.device.is_cuda());
    ae.device->train(!cloud_only);
    ae.decoder->train();
    cls.train(false);  // frozen: BatchNorm statistics stay as trained
    ProgressBar bar(name + " " + std::to_string(epoch + 1) + "/" + std::to_string(epochs), n, o.progress);
    double loss_sum = 0, rec_sum = 0, sal_sum = 0, bits_sum = 0, data_s = 0;
    const auto t0 = Clock::now();
    for (size_t s = 0; s < steps; ++s) {
      const double t = (epoch + static_cast<double>(s) / steps) / epochs;
      for (size_t g = 0; g < peaks.size(); ++g) {
        static_cast<torch::optim::AdamOptions&>(opt.param_groups()[g].options()).lr(lr_cosine(peaks[g], t));
      }
      const auto td = Clock::now();
      Batch b = batches.get(s);
      data_s += seconds_since(td);
      const int64_t bs = b.x.size(0);
      opt.zero_grad();
      torch::Tensor z, sal;
      {
        const torch::AutoGradMode device_grad(!cloud_only);  // a frozen encoder needs no gradient
        z = amp_forward(o.amp, [&] { return ae.device->encode(b.x); });
        sal = amp_forward(o.amp, [&] { return ae.device->saliency(z); });
      }
      torch::Tensor keep = sample_keep(bs, keep_min, full_share, phase == 2 && o.p2_keep_log);
      const DroppedLatent dropped = drop_latent(ctx, ae, z, sal, keep, !cloud_only);
      torch::Tensor rec = amp_forward(o.amp, [&] { return ae.decoder->forward(dropped.values); });
      torch::Tensor xn = (rec - ctx.mean) / ctx.std;
      torch::Tensor loss, rec_loss = torch::mse_loss(xn, b.x), sal_loss = torch::zeros({});
      if (phase == 1) {
        loss = rec_loss;
        if (distil) {
          const int k = ctx.codec.latent_side;
          torch::Tensor target = torch::adaptive_avg_pool2d(b.map, {k, k});
          sal_loss = torch::binary_cross_entropy(sal.clamp(1e-6, 1 - 1e-6), target);
          loss = loss + o.saliency_weight * sal_loss;
        }
        if (o.p1_task_weight > 0) loss = loss + o.p1_task_weight * task_loss(o, cls, teacher, xn, b);
      } else {
        loss = task_loss(o, cls, teacher, xn, b);
        if (o.p2_mse_weight > 0) loss = loss + o.p2_mse_weight * rec_loss;
      }
      torch::Tensor bits = torch::zeros({});
      if (ae.entropy) {
        const torch::Tensor charged = ae.entropy->charged_bits(dropped.levels, dropped.mask, o.rate_free_bits);
        bits = charged.sum().detach();  // the bits sent: free bits and channel weights move only the gradient
        const torch::Tensor weighted = (charged * ctx.rate_weights).sum();
        loss = loss + (phase == 1 ? o.p1_rate_lambda : o.rate_lambda) * weighted / ctx.pixels;
      }
      loss.backward();
      opt.step();
      loss_sum += loss.item<double>() * static_cast<double>(bs);
      rec_sum += rec_loss.item<double>() * static_cast<double>(bs);
      sal_sum += sal_loss.item<double>() * static_cast<double>(bs);
      bits_sum += bits.item<double>() * static_cast<double>(bs);
      const size_t done = std::min(n, (s + 1) * o.batch);
      char status[80];
      if (ae.entropy) {
        std::snprintf(status, sizeof status, "loss %.4f, %.1f B sent", loss_sum / static_cast<double>(done),
                      bits_sum / 8.0 / static_cast<double>(done));
      } else {
        std::snprintf(status, sizeof status, "loss %.4f", loss_sum / static_cast<double>(done));
      }
      bar.update(done, status);
    }
    const double secs = seconds_since(t0);
    const bool validate = validates_after(o, epoch, epochs);
    const PhaseEval ev = validate ? eval_phase(ctx, ae, cls) : PhaseEval{};
    bar.finish(validate ? phase_eval_status(ev) : kNoValidation);
    save_module(ae.device, run_file(ctx, "device.pt"));
    save_module(ae.decoder, run_file(ctx, "decoder.pt"));
    torch::save(quant_range(ae, ctx.codec.latent_bits).detach().clone(), run_file(ctx, "qmax.pt").string());
    if (ae.entropy) save_module(ae.entropy, run_file(ctx, "entropy.pt"));
    if (tune_cls) save_module(cls.resnet, run_file(ctx, kTunedClassifierFile));
    save_module(opt, run_file(ctx, name + ".opt.pt"));
    state[name + "_epochs"] = epoch + 1;
    if (own_rate_group) state[name + "_rate_group"] = true;
    write_state(ctx, state);
    nlohmann::json line = {{"stage", name},
                           {"epoch", epoch + 1},
                           {"loss", loss_sum / static_cast<double>(n)},
                           {"recon_mse", rec_sum / static_cast<double>(n)},
                           {"saliency_bce", sal_sum / static_cast<double>(n)},
                           {"seconds", secs},
                           {"data_seconds", data_s},
                           {"images_per_second", static_cast<double>(n) / secs}};
    if (ae.entropy) line["rate_bytes_sent"] = bits_sum / 8.0 / static_cast<double>(n);
    if (validate) add_phase_eval(&line, ev, static_cast<bool>(ae.entropy));
    log_line(ctx, line);
    if (tune_cls && validate)
      log_line(ctx, {{"stage", "classifier_tuned"}, {"epoch", epoch + 1}, {"val_top1", eval_classifier(ctx, cls)}});
  }
}

// ---------------------------------------------------------------- export
std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void add_cloud_state(BundleWriter* w, AutoEncoder& ae, Classifier& cls, const std::vector<uint8_t>& script_bytes) {
  add_module_state(w, "decoder", *ae.decoder);
  if (cls.resnet) {
    add_module_state(w, "classifier", *cls.resnet);
  } else {
    w->add("classifier.torchscript", DType::kU8, {static_cast<uint32_t>(script_bytes.size())}, script_bytes.data());
  }
}

void write_bundle(Context& ctx, const BundleWriter& w) {
  const std::string out = ctx.o.output.empty() ? run_file(ctx, "model.lnm").string() : ctx.o.output;
  w.write(out);
  const std::string id = model_id_text(w.device_content_id());
  log_line(ctx, {{"stage", "export"}, {"path", out}, {"model_id", id}});
  std::fprintf(stderr, "wrote %s (model %s)\n", out.c_str(), id.c_str());
}

// --p2-cloud-only: the deployed bundle with its cloud sections replaced. Everything else
// (config, arch, device networks, ranges, tables, int8) is copied byte for byte, so the id
// cannot move; checked all the same, since cameras rely on it.
void export_cloud_update(Context& ctx, AutoEncoder& ae, Classifier& cls) {
  const BundleView& deployed = ctx.deployed->view;
  BundleWriter w(kBundlePartDevice | kBundlePartCloud);
  w.copy_from(deployed, cloud_section_names(deployed));
  add_cloud_state(&w, ae, cls, {});
  if (w.device_content_id() != deployed.model_id()) {
    throw std::logic_error(ctx.o.init_from + ": the cloud update's model id differs from the deployed bundle's");
  }
  write_bundle(ctx, w);
}

void export_bundle(Context& ctx, AutoEncoder& ae, Classifier& cls, const std::vector<uint8_t>& script_bytes) {
  const TrainOptions& o = ctx.o;
  if (o.p2_cloud_only) return export_cloud_update(ctx, ae, cls);
  const PresetSpec& p = *ctx.preset;
  BundleWriter w(kBundlePartDevice | kBundlePartCloud);
  std::string cfg = preset_config_text(p, ctx.codec);
  cfg += "decoder=" + ctx.dec_spec.kind + "\ndecoder.width=" + std::to_string(ctx.dec_spec.width) + "\n";
  if (cls.resnet) {
    cfg += "classifier=resnet\nclassifier.width=" + std::to_string(ctx.cls_spec.width) +
           "\nclassifier.blocks=" + std::to_string(ctx.cls_spec.blocks) + "\n";
  } else {
    cfg += "classifier=torchscript\n";
  }
  cfg += "num_classes=" + std::to_string(ctx.train.classes) + "\n";
  for (size_t i = 0; i < ctx.train.class_names.size(); ++i)
    cfg += "class." + std::to_string(i) + "=" + ctx.train.class_names[i] + "\n";
  cfg +=
      "train.seed=" + std::to_string(o.seed) + "\ntrain.teacher=" + o.teacher + "\ntrain.dropping=" + o.dropping + "\n";
  w.set_config(cfg);
  ArchSpec arch = p;
  arch.codec = ctx.codec;
  w.set_arch(arch);
  const uint32_t c = static_cast<uint32_t>(p.input_channels);
  w.add_f32("input.mean", {c}, p.mean);
  w.add_f32("input.std", {c}, p.std);
  add_device_state(&w, *ae.device);
  // Placeholders, replaced by calibration below.
  const uint32_t l = static_cast<uint32_t>(ctx.codec.latent_channels), sy = static_cast<uint32_t>(ctx.codec.symbols());
  std::vector<float> lo(l, 0.0f), hi(l, 1.0f);
  std::vector<uint32_t> flat(static_cast<size_t>(l) * sy, 1);
  std::vector<uint8_t> lengths(flat.size());
  std::vector<uint16_t> freqs(flat.size());
  entropy_tables_from_histogram(ctx.codec, flat.data(), lengths.data(), freqs.data());
  w.add_f32("quant.min", {l}, lo.data());
  w.add_f32("quant.max", {l}, hi.data());
  w.add("entropy.huffman_lengths", DType::kU8, {l, sy}, lengths.data());
  w.add("entropy.rans_freqs", DType::kU16, {l, sy}, freqs.data());
  {
    const std::vector<uint8_t> raw = w.serialize();
    const LoadedBundle uncalibrated = parse_bundle_bytes(raw.data(), raw.size(), "exported model");
    const BundleView& view = uncalibrated.view;
    // Calibration frames: an even spread over the (unaugmented) training split.
    const size_t count = std::min(ctx.train.size(), std::max<size_t>(1, o.calibration_images));
    const size_t step = ctx.train.size() / count;
    // --learned-step or --tables learned: the ranges training used, not the observed ones.
    const bool learned_tables = o.tables == "learned";
    std::vector<float> training_max;
    if (ae.log_step.defined() || learned_tables) {
      const torch::Tensor m =
          quant_range(ae, ctx.codec.latent_bits).detach().to(torch::kCPU).to(torch::kFloat32).contiguous();
      training_max.assign(m.data_ptr<float>(), m.data_ptr<float>() + m.numel());
    }
    std::vector<double> learned_pmf;  // --tables learned: the rate term's distribution per channel
    if (learned_tables) {
      const torch::Tensor pmf =
          torch::softmax(ae.entropy->logits.detach(), 1).to(torch::kCPU).to(torch::kFloat64).contiguous();
      learned_pmf.assign(pmf.data_ptr<double>(), pmf.data_ptr<double>() + pmf.numel());
    }
    const CalibrationReport rep = calibrate_bundle(
        view, static_cast<int>(count),
        [&](int i) { return ctx.train.images.data() + static_cast<size_t>(i) * step * ctx.train.image_bytes(); }, &w,
        training_max.empty() ? nullptr : &training_max, learned_tables ? &learned_pmf : nullptr);
    nlohmann::json calibration = {{"stage", "calibration"},
                                  {"frames", rep.frames},
                                  {"quant_max", rep.quant_max},
                                  {"entropy_bits_per_value", rep.entropy_bits_per_value},
                                  {"zero_fraction", rep.zero_fraction}};
    if (ae.entropy) {  // rate-aware runs only, so the paper recipe's log keeps its keys
      calibration["tables"] = o.tables;
      calibration["table_bits_per_value"] = rep.table_bits_per_value;
    }
    log_line(ctx, calibration);
    // Post-training quantisation into the int8 device runtime, on the same frames and with
    // the calibrated latent ranges (docs/DEVICE.md). int8.* is not part of the model id.
    const std::vector<uint8_t> calibrated = w.serialize();
    const LoadedBundle cal = parse_bundle_bytes(calibrated.data(), calibrated.size(), "calibrated model");
    const PtqReport ptq = add_int8_sections(
        cal.view, static_cast<int>(count),
        [&](int i) { return ctx.train.images.data() + static_cast<size_t>(i) * step * ctx.train.image_bytes(); }, &w);
    log_line(ctx, {{"stage", "ptq"},
                   {"frames", ptq.frames},
                   {"int8_bytes", ptq.int8_bytes},
                   {"symbols_equal", ptq.symbols_equal},
                   {"symbol_mean_abs_diff", ptq.symbol_mean_abs_diff},
                   {"grid_equal", ptq.grid_equal}});
  }
  add_cloud_state(&w, ae, cls, script_bytes);
  write_bundle(ctx, w);
}

bool same_input(const PresetSpec& a, const PresetSpec& b) {
  if (a.input_channels != b.input_channels || a.input_size != b.input_size) return false;
  for (int c = 0; c < a.input_channels; ++c) {
    if (a.mean[c] != b.mean[c] || a.std[c] != b.std[c]) return false;
  }
  return true;
}

}  // namespace

// The built-in classifier of an earlier model bundle (a shipped model's classifier is
// reused without its run directory). Its geometry comes from the bundle's configuration,
// into `spec`; `flag` names the option that gave `path`, for the errors.
void load_bundle_classifier(const Context& ctx, const std::string& path, const char* flag, Classifier& cls,
                            ClassifierSpec& spec) {
  const LoadedBundle b = load_bundle(path);
  if (!(b.view.parts() & kBundlePartCloud)) throw std::runtime_error(path + ": has no cloud part (classifier)");
  char text[64] = {0};
  // A classifier reads images, so any architecture with the same input (size, channels,
  // normalisation) can reuse it, whatever its encoder.
  const ArchSpec from = bundle_arch(b.view, path);
  if (!same_input(from, *ctx.preset)) {
    throw std::runtime_error(path + ": classifier is for architecture '" + std::string(from.name) +
                             "', whose input differs from '" + ctx.preset->name + "'");
  }
  if (!b.view.config_string("classifier", text, sizeof text) || std::string(text) != "resnet") {
    throw std::runtime_error(path + ": " + flag + " needs a bundle with the built-in ResNet classifier");
  }
  int classes = 0;
  if (!b.view.config_int("classifier.width", &spec.width) || !b.view.config_int("classifier.blocks", &spec.blocks) ||
      !b.view.config_int("num_classes", &classes)) {
    throw std::runtime_error(path + ": classifier geometry missing from the configuration");
  }
  if (classes != ctx.train.classes) {
    throw std::runtime_error(path + ": classifier has " + std::to_string(classes) + " classes, the data " +
                             std::to_string(ctx.train.classes));
  }
  cls.resnet = ResNet(ctx.preset->input_channels, classes, spec);
  cls.to(ctx.device);
  load_module_state(b.view, "classifier", *cls.resnet, path);
}

// torch::load replaces tensors whatever their shape, so the shapes are compared afterwards:
// a file of another geometry is an error naming `what`, not a crash later on.
template <typename Module>
void load_checked(Module& net, const fs::path& file, const std::string& what, const torch::Device& device) {
  std::vector<std::vector<int64_t>> shapes;
  for (const auto& t : net->named_parameters()) shapes.push_back(t.value().sizes().vec());
  const std::string mismatch = file.string() + ": not " + what;
  try {
    torch::load(net, file.string(), device);
  } catch (const c10::Error& e) {
    throw std::runtime_error(mismatch + ": " + std::string(e.what_without_backtrace()).substr(0, 160));
  }
  size_t i = 0;
  for (const auto& t : net->named_parameters()) {
    if (i >= shapes.size() || t.value().sizes().vec() != shapes[i++])
      throw std::runtime_error(mismatch + ": " + t.key() + " differs");
  }
  if (i != shapes.size()) throw std::runtime_error(mismatch);
}

// --classifier-from (or `flag`) with an earlier run directory: its classifier.pt, which must
// have the geometry this run expects (the preset's, or --cls-width / --cls-blocks).
void load_run_classifier(const std::string& dir, const char* flag, ResNet& net, const torch::Device& device) {
  const fs::path file = fs::path(dir) / "classifier.pt";
  if (!fs::is_regular_file(file)) {
    throw std::runtime_error(dir + ": no classifier.pt (" + flag +
                             " takes a run directory with a trained classifier, or a model bundle .lnm)");
  }
  load_checked(net, file, "a classifier of this preset and geometry (--cls-width, --cls-blocks)", device);
}

// The built-in classifier that `flag` names by `path`: a bundle's (its geometry into `spec`)
// or a run directory's classifier.pt (of geometry `spec`).
void load_classifier_from(const Context& ctx, const std::string& path, const char* flag, Classifier& cls,
                          ClassifierSpec& spec) {
  if (fs::is_regular_file(path)) return load_bundle_classifier(ctx, path, flag, cls, spec);
  cls.resnet = ResNet(ctx.preset->input_channels, ctx.train.classes, spec);
  cls.to(ctx.device);
  load_run_classifier(path, flag, cls.resnet, ctx.device);
}

// The encoder, saliency branch, decoder and latent ranges of a run directory: this run's
// own on --resume, or an earlier run's with --init-from (e.g. a longer phase 2 with another
// target), shapes checked against this run's preset and decoder.
void load_run_autoencoder(const std::string& dir, AutoEncoder& ae, const torch::Device& device) {
  for (const char* f : {"device.pt", "decoder.pt", "qmax.pt"}) {
    if (!fs::is_regular_file(fs::path(dir) / f)) {
      throw std::runtime_error(dir + ": no " + f +
                               " (not the run directory of a training that finished phase-1 epochs)");
    }
  }
  load_checked(ae.device, fs::path(dir) / "device.pt", "a device network of this preset", device);
  load_checked(ae.decoder, fs::path(dir) / "decoder.pt",
               "a decoder of this kind and width (--decoder, --decoder-width)", device);
  torch::load(ae.qmax, (fs::path(dir) / "qmax.pt").string(), device);
  const fs::path entropy = fs::path(dir) / "entropy.pt";
  if (ae.entropy && fs::is_regular_file(entropy))
    load_checked(ae.entropy, entropy, "an entropy model of this latent", device);
}

// --init-from with a model bundle: its device network, decoder and calibrated latent ranges.
void load_bundle_autoencoder(const std::string& path, AutoEncoder& ae, const torch::Device& device) {
  const LoadedBundle b = load_bundle(path);
  load_device_state(b.view, *ae.device, path);
  load_module_state(b.view, "decoder", *ae.decoder, path);
  auto codec = std::make_unique<CodecModel>();
  if (load_codec_model(b.view, codec.get()) != Status::kOk ||
      codec->config.latent_channels != ae.device->encoder.back()->options.out_channels()) {
    throw std::runtime_error(path + ": no quant.max section for this latent");
  }
  ae.qmax =
      torch::tensor(std::vector<float>(codec->quant_max, codec->quant_max + codec->config.latent_channels)).to(device);
  ae.device->to(device);
  ae.decoder->to(device);
}

// --device and --amp, checked before the run directory is touched. A GPU run says so on
// stderr; a CPU run prints what it printed before devices existed.
torch::Device choose_device(const TrainOptions& o) {
  const torch::Device device = parse_device(o.device);
  check_amp(o.amp, device);
  if (device.is_cuda()) {
    std::fprintf(stderr, "device: %s%s\n", device.str().c_str(), o.amp ? " (bfloat16 autocast)" : "");
  }
  return device;
}

// --rate-channel-weights as a [L] tensor (1 past the list); refuses more weights than
// channels and weights that are negative or not numbers.
static torch::Tensor rate_channel_weights(const std::vector<double>& weights, int channels) {
  if (weights.size() > static_cast<size_t>(channels)) {
    throw std::runtime_error("train: --rate-channel-weights has " + std::to_string(weights.size()) +
                             " weights for a latent of " + std::to_string(channels) + " channels");
  }
  std::vector<float> w(static_cast<size_t>(channels), 1.0f);
  for (size_t c = 0; c < weights.size(); ++c) {
    if (!(weights[c] >= 0) || !std::isfinite(weights[c])) {
      throw std::runtime_error("train: --rate-channel-weights: every weight must be a number >= 0");
    }
    w[c] = static_cast<float>(weights[c]);
  }
  return torch::tensor(w);
}

// Architecture, codec, decoder and classifier shapes from --preset/--arch and the flags.
void configure_from_flags(Context& ctx) {
  const TrainOptions& o = ctx.o;
  ctx.arch = select_arch(o.preset, o.arch);
  ctx.preset = &ctx.arch;
  const PresetSpec& p = *ctx.preset;
  ctx.codec = p.codec;
  if (o.latent_bits) ctx.codec.latent_bits = o.latent_bits;
  if (o.saliency_grid) ctx.codec.saliency_grid = o.saliency_grid;
  if (o.saliency_bits) ctx.codec.saliency_bits = o.saliency_bits;
  if (o.gradual >= 0) ctx.codec.gradual_milli = static_cast<int>(o.gradual * 1000.0 + 0.5);
  set_interlace(o.interlace_stride, o.interlace_bonus, o.coarse_channels, &ctx.codec);
  if (ctx.codec.validate() != Status::kOk)
    throw std::runtime_error("train: invalid codec settings for architecture " + std::string(p.name));
  ctx.dec_spec = default_decoder(p);
  if (!o.decoder.empty()) ctx.dec_spec.kind = o.decoder;
  if (o.decoder_width) ctx.dec_spec.width = o.decoder_width;
  ctx.cls_spec = default_classifier(p);
  if (o.cls_width) ctx.cls_spec.width = o.cls_width;
  if (o.cls_blocks) ctx.cls_spec.blocks = o.cls_blocks;
}

// --p2-cloud-only: flags that would change what the device does, or that train it, are
// refused by name rather than ignored; then no phase 1, and the deployed bundle's classifier.
void apply_cloud_only_options(TrainOptions& o) {
  if (o.init_from.empty() || !fs::is_regular_file(o.init_from)) {
    throw std::runtime_error("train: --p2-cloud-only tunes a deployed model: --init-from must name its bundle (.lnm)");
  }
  const std::pair<bool, const char*> device_flags[] = {
      {!o.arch.empty(), "--arch"},
      {o.latent_bits != 0, "--latent-bits"},
      {o.saliency_grid != 0, "--saliency-grid"},
      {o.saliency_bits != 0, "--saliency-bits"},
      {o.gradual >= 0, "-G"},
      {o.interlace_stride != 0, "--interlace-stride"},
      {o.coarse_channels != 0, "--coarse-channels"},
      {o.interlace_bonus != TrainOptions().interlace_bonus, "--interlace-bonus"},
      {!o.decoder.empty(), "--decoder"},
      {o.decoder_width != 0, "--decoder-width"},
      {o.cls_width != 0, "--cls-width"},
      {o.cls_blocks != 0, "--cls-blocks"},
      {!o.classifier_ts.empty(), "--classifier-ts"},
      {!o.classifier_from.empty(), "--classifier-from"},
      {o.rate_lambda > 0 || o.p1_rate_lambda > 0, "--rate-lambda"},
      {o.learned_step, "--learned-step"},
      {o.tables != "calibration", "--tables"},
      {o.revive_dead_channels, "--revive-dead-channels"},
  };
  for (const auto& [given, flag] : device_flags) {
    if (given) {
      throw std::runtime_error(std::string("train: --p2-cloud-only keeps the deployed bundle's architecture, codec, "
                                           "decoder and classifier shapes and its latent: drop ") +
                               flag);
    }
  }
  o.p1_epochs = 0;  // phase 1 trains the encoder
  o.classifier_from = o.init_from;
}

// --p2-cloud-only: everything that shapes the run comes from the deployed bundle.
void configure_from_deployed(Context& ctx) {
  ctx.deployed = std::make_shared<const LoadedBundle>(load_bundle(ctx.o.init_from));
  const LoadedBundle& b = *ctx.deployed;
  if (!(b.view.parts() & kBundlePartCloud)) {
    throw std::runtime_error(ctx.o.init_from + ": has no cloud part (decoder, classifier) to tune");
  }
  ctx.arch = bundle_arch(b.view, ctx.o.init_from);
  ctx.preset = &ctx.arch;
  ctx.codec = ctx.arch.codec;
  char kind[32] = {0};
  if (!b.view.config_string("decoder", kind, sizeof kind) || !b.view.config_int("decoder.width", &ctx.dec_spec.width)) {
    throw std::runtime_error(ctx.o.init_from + ": decoder kind or width missing from the configuration");
  }
  ctx.dec_spec.kind = kind;
  char text[32] = {0};
  if (!b.view.config_string("classifier", text, sizeof text) || std::string(text) != "resnet") {
    throw std::runtime_error(ctx.o.init_from +
                             ": --p2-cloud-only tunes the built-in ResNet classifier; this bundle has another");
  }
  // A random-dropping (Starfish-like) bundle is tuned the way it was trained.
  if (b.view.config_string("train.dropping", text, sizeof text) && ctx.o.dropping != text) {
    if (ctx.o.dropping != TrainOptions().dropping) {
      throw std::runtime_error(ctx.o.init_from + ": was trained with --dropping " + text + "; drop --dropping " +
                               ctx.o.dropping);
    }
    ctx.o.dropping = text;
  }
}

// --p2-cloud-only keeps the deployed config, class names included: the data must name the
// same classes in the same order, or the update would label images wrongly.
void check_same_classes(const Context& ctx) {
  const BundleView& b = ctx.deployed->view;
  int classes = 0;
  b.config_int("num_classes", &classes);
  if (classes != ctx.train.classes) {
    throw std::runtime_error(ctx.o.init_from + ": has " + std::to_string(classes) + " classes, --data " +
                             std::to_string(ctx.train.classes));
  }
  for (int i = 0; i < classes; ++i) {
    char name[256] = {0};
    b.config_string(("class." + std::to_string(i)).c_str(), name, sizeof name);
    if (ctx.train.class_names.size() > static_cast<size_t>(i) && ctx.train.class_names[i] != name) {
      throw std::runtime_error(ctx.o.init_from + ": class " + std::to_string(i) + " is '" + name +
                               "', in --data it is '" + ctx.train.class_names[i] + "'");
    }
  }
}

// Phase 2's distillation teacher. --p2-distill-from: a classifier of its own (e.g. the clean
// one, while phase 2 tunes a finished bundle's tuned classifier): a bundle's of any width and
// depth, a run directory's of this run's. Otherwise, while the classifier is tuned, a frozen
// copy of it as it is now; else the classifier itself.
Classifier make_distill_teacher(Context& ctx, Classifier& cls) {
  const TrainOptions& o = ctx.o;
  if (o.p2_distill_temperature <= 0 || (o.p2_classifier_lr <= 0 && o.p2_distill_from.empty())) return cls;
  Classifier teacher;
  if (o.p2_distill_from.empty()) {
    teacher.resnet = ResNet(ctx.preset->input_channels, ctx.train.classes, ctx.cls_spec);
    teacher.to(ctx.device);
    copy_module_state(*cls.resnet, *teacher.resnet);
  } else {
    ClassifierSpec spec = ctx.cls_spec;  // the student's geometry stays this run's
    load_classifier_from(ctx, o.p2_distill_from, "--p2-distill-from", teacher, spec);
  }
  teacher.freeze();
  teacher.train(false);
  if (!o.p2_distill_from.empty()) {
    const double top1 = eval_classifier(ctx, teacher);
    log_line(ctx, {{"stage", "distill_teacher"}, {"val_top1", top1}});
    std::fprintf(stderr, "distillation teacher (%s): val top1 %.4f\n", o.p2_distill_from.c_str(), top1);
  }
  return teacher;
}

void run_training(const TrainOptions& opts) {
  Context ctx;
  ctx.o = opts;
  const TrainOptions& o = ctx.o;
  if (o.run_dir.empty()) throw std::runtime_error("train: a run directory is required (--run)");
  if (o.p2_cloud_only) {
    apply_cloud_only_options(ctx.o);
    configure_from_deployed(ctx);
  } else {
    configure_from_flags(ctx);
  }
  const PresetSpec& p = *ctx.preset;
  if (o.dropping != "gradual" && o.dropping != "random" && o.dropping != "none") {
    throw std::runtime_error("train: unknown --dropping '" + o.dropping + "' (valid: gradual, random, none)");
  }
  if (o.batch < 1) throw std::runtime_error("train: batch size must be >= 1");
  const std::pair<double, const char*> non_negative[] = {{o.rate_lambda, "--rate-lambda"},
                                                         {o.p1_task_weight, "--p1-task-weight"},
                                                         {o.p1_rate_lambda, "--p1-rate-lambda"},
                                                         {o.rate_free_bits, "--rate-free-bits"},
                                                         {o.rate_model_lr, "--rate-model-lr"}};
  for (const auto& [value, flag] : non_negative) {
    if (!(value >= 0) || !std::isfinite(value)) {
      throw std::runtime_error(std::string("train: ") + flag + " must be a number >= 0");
    }
  }
  ctx.rate_weights = rate_channel_weights(o.rate_channel_weights, ctx.codec.latent_channels);
  if (!o.rate_channel_weights.empty() && !(o.rate_lambda > 0 || o.p1_rate_lambda > 0)) {
    throw std::runtime_error("train: --rate-channel-weights weighs the rate term: it needs --rate-lambda > 0");
  }
  if (o.tables != "calibration" && o.tables != "learned") {
    throw std::runtime_error("train: --tables must be calibration or learned, got '" + o.tables + "'");
  }
  if (o.tables == "learned" && !(o.rate_lambda > 0 || o.p1_rate_lambda > 0)) {
    throw std::runtime_error("train: --tables learned needs the entropy model a rate term trains (--rate-lambda > 0)");
  }
  if (!o.p2_distill_from.empty() && !(o.p2_distill_temperature > 0)) {
    throw std::runtime_error("train: --p2-distill-from names the distillation teacher: it needs --p2-distill T > 0");
  }
  if (o.val_every < 1) {
    throw std::runtime_error("train: --val-every must be at least 1 (validate after every N-th epoch), got " +
                             std::to_string(o.val_every));
  }
  if (o.p2_keep_log && !(o.p2_keep_min > 0)) {
    throw std::runtime_error("train: --p2-keep-log draws log-uniform from --p2-keep-min: it needs --p2-keep-min > 0");
  }
  if (o.p2_classifier_lr > 0 && !o.classifier_ts.empty()) {
    throw std::runtime_error("train: --p2-classifier-lr tunes the built-in classifier, not a TorchScript one");
  }
  ctx.device = choose_device(o);
  const CudnnBenchmark benchmark(ctx.device.is_cuda());  // fixed shapes: cuDNN may pick its fastest kernels
  ctx.rate_weights = ctx.rate_weights.to(ctx.device);    // once, not per step
  if (ctx.codec.coarse_channels > 0) ctx.sent = sent_mask(ctx.codec, ctx.device);

  torch::set_num_threads(std::max(1, o.threads));
  torch::manual_seed(o.seed);
  fs::create_directories(o.run_dir);
  nlohmann::json state = o.resume ? read_state(ctx) : nlohmann::json::object();
  if (!o.resume && fs::exists(run_file(ctx, "state.json"))) {
    throw std::runtime_error(o.run_dir + ": holds an earlier run (state.json); use --resume or another directory");
  }
  ctx.log.open(run_file(ctx, "log.jsonl"), std::ios::app);
  if (!ctx.log) throw std::runtime_error(o.run_dir + "/log.jsonl: cannot write");
  const auto start = Clock::now();

  // Data.
  const auto td = Clock::now();
  data::OpenOptions oo;
  oo.threads = static_cast<unsigned>(std::max(1, o.threads));
  auto train_ds =
      data::open_dataset(o.data, data::Split::Train, p.input_size, p.input_size, p.input_channels, o.train_limit, oo);
  if (train_ds->size() == 0) throw std::runtime_error(o.data + ": no images");
  ctx.train = load_split(*train_ds);
  std::string val_description;
  if (o.val_holdout > 0) {
    ctx.val = hold_out(ctx.train, o.val_holdout, &ctx.held_out);
    val_description = std::to_string(o.val_holdout) + " training images held out (one in " +
                      std::to_string(train_ds->size() / o.val_holdout) + ")";
  } else {
    auto val_ds =
        data::open_dataset(o.data, data::Split::Test, p.input_size, p.input_size, p.input_channels, o.val_limit, oo);
    if (val_ds->size() == 0) throw std::runtime_error(o.data + ": no test images");
    ctx.val = load_split(*val_ds);
    val_description = val_ds->description();
  }
  if (o.p2_cloud_only) check_same_classes(ctx);
  ctx.pixels = static_cast<double>(p.input_size) * p.input_size;
  ctx.mean = preset_mean(p).to(ctx.device);
  ctx.std = preset_std(p).to(ctx.device);
  log_line(ctx, {{"stage", "data"},
                 {"train", train_ds->description()},
                 {"val", val_description},
                 {"seconds", seconds_since(td)},
                 {"options",
                  {{"preset", p.name},
                   {"arch", o.arch},
                   {"device", ctx.device.str()},
                   {"amp", o.amp},
                   {"seed", o.seed},
                   {"batch", o.batch},
                   {"cls_epochs", o.cls_epochs},
                   {"cls_lr", o.cls_lr},
                   {"p1_epochs", o.p1_epochs},
                   {"p1_lr", o.p1_lr},
                   {"p1_task_weight", o.p1_task_weight},
                   {"p2_epochs", o.p2_epochs},
                   {"p2_lr", o.p2_lr},
                   {"p2_mse", o.p2_mse_weight},
                   {"p2_distill", o.p2_distill_temperature},
                   {"p2_distill_from", o.p2_distill_from},
                   {"p1_full_share", o.p1_full_share},
                   {"p2_keep_min", o.p2_keep_min},
                   {"p2_full_share", o.p2_full_share},
                   {"p2_keep_log", o.p2_keep_log},
                   {"val_every", o.val_every},
                   {"p2_classifier_lr", o.p2_classifier_lr},
                   {"p2_cloud_only", o.p2_cloud_only},
                   {"rate_lambda", o.rate_lambda},
                   {"p1_rate_lambda", o.p1_rate_lambda},
                   {"rate_free_bits", o.rate_free_bits},
                   {"rate_channel_weights", o.rate_channel_weights},
                   {"learned_step", o.learned_step},
                   {"revive_dead_channels", o.revive_dead_channels},
                   {"tables", o.tables},
                   {"rate_model_lr", o.rate_model_lr},
                   {"val_holdout", o.val_holdout},
                   {"init_from", o.init_from},
                   {"teacher", o.teacher},
                   {"dropping", o.dropping},
                   {"decoder", ctx.dec_spec.kind},
                   {"decoder_width", ctx.dec_spec.width},
                   {"latent_bits", ctx.codec.latent_bits},
                   {"saliency_grid", ctx.codec.saliency_grid},
                   {"saliency_bits", ctx.codec.saliency_bits},
                   {"gradual_milli", ctx.codec.gradual_milli},
                   {"interlace_stride", ctx.codec.interlace_stride},
                   {"interlace_milli", ctx.codec.interlace_milli},
                   {"coarse_channels", ctx.codec.coarse_channels}}}});

  // Classifier.
  Classifier cls;
  std::vector<uint8_t> script_bytes;
  if (!o.classifier_ts.empty()) {
    script_bytes = read_bytes(o.classifier_ts);
    try {
      cls.script = std::make_shared<torch::jit::Module>(torch::jit::load(o.classifier_ts));
    } catch (const std::exception& e) {
      throw std::runtime_error(o.classifier_ts +
                               ": not a loadable TorchScript module: " + std::string(e.what()).substr(0, 200));
    }
    cls.to(ctx.device);
  } else {
    if (!o.classifier_from.empty()) {
      load_classifier_from(ctx, o.classifier_from, "--classifier-from", cls, ctx.cls_spec);
    } else {
      cls.resnet = ResNet(p.input_channels, ctx.train.classes, ctx.cls_spec);
      cls.to(ctx.device);
      train_classifier(ctx, cls.resnet, state);
    }
  }
  const double clean = eval_classifier(ctx, cls);
  log_line(ctx, {{"stage", "classifier_done"}, {"val_top1", clean}});
  Classifier distill_teacher = make_distill_teacher(ctx, cls);
  if (state.value("phase2_epochs", 0) > 0 && fs::exists(run_file(ctx, kTunedClassifierFile))) {
    // The classifier the finished phase-2 epochs were trained with, not the one they started from.
    if (o.p2_classifier_lr <= 0) {
      throw std::runtime_error(o.run_dir +
                               ": its phase 2 tuned the classifier; resume with the same --p2-classifier-lr");
    }
    load_checked(cls.resnet, run_file(ctx, kTunedClassifierFile), "this run's tuned classifier", ctx.device);
  }
  std::fprintf(stderr, "classifier: val top1 %.4f on %zu images\n", clean, ctx.val.size());

  // Teacher maps for phase 1.
  const TeacherSpec teacher = parse_teacher(o.teacher);
  if (state.value("phase1_epochs", 0) < o.p1_epochs && teacher.kind != TeacherKind::kNone) {
    const auto tt = Clock::now();
    if (teacher.kind == TeacherKind::kGradCam) {
      if (!cls.resnet) throw std::runtime_error("train: the gradcam teacher needs the built-in classifier");
      ctx.train.maps = gradcam_maps(ctx, cls.resnet);
    } else {
      ctx.train.maps = without_held_out(
          compute_teacher_maps(teacher, *train_ds, static_cast<unsigned>(std::max(1, o.threads))), ctx.held_out);
    }
    log_line(ctx, {{"stage", "teacher"}, {"teacher", o.teacher}, {"seconds", seconds_since(tt)}});
  }

  AutoEncoder ae;
  ae.device = DeviceNet(p);
  ae.decoder = Decoder(p, ctx.dec_spec);
  ae.device->to(ctx.device);
  ae.decoder->to(ctx.device);
  if (o.rate_lambda > 0 || o.p1_rate_lambda > 0) {
    ae.entropy = LatentEntropyModel(ctx.codec.latent_channels, ctx.codec.symbols());
    ae.entropy->to(ctx.device);
  }
  const bool resumed = state.value("phase1_epochs", 0) > 0 || state.value("phase2_epochs", 0) > 0;
  if (resumed) {
    load_run_autoencoder(o.run_dir, ae, ctx.device);
  } else if (!o.init_from.empty() && fs::is_regular_file(o.init_from)) {
    load_bundle_autoencoder(o.init_from, ae, ctx.device);
    log_line(ctx, {{"stage", "init"}, {"from", o.init_from}});
  } else if (!o.init_from.empty()) {
    load_run_autoencoder(o.init_from, ae, ctx.device);
    log_line(ctx, {{"stage", "init"}, {"from", o.init_from}});
  }
  if (o.revive_dead_channels && !resumed) revive_dead_channels(ctx, ae);
  train_phase(ctx, 1, ae, cls, distill_teacher, state);
  train_phase(ctx, 2, ae, cls, distill_teacher, state);
  export_bundle(ctx, ae, cls, script_bytes);
  log_line(ctx, {{"stage", "done"}, {"wall_seconds", seconds_since(start)}});
}

std::string preset_cost_table() {
  std::string t =
      "| preset | input | latent | encoder params / MACs | saliency params / MACs | decoder params / MACs | classifier "
      "params / MACs |\n"
      "|---|---|---|---|---|---|---|\n";
  int count = 0;
  const PresetSpec* all = all_presets(&count);
  for (int i = 0; i < count; ++i) {
    const PresetSpec& p = all[i];
    int side = 0, sside = 0;
    const long long em = conv_stack_macs(p.encoder, p.encoder_layers, p.input_size, &side);
    const long long sm = conv_stack_macs(p.saliency, p.saliency_layers, side, &sside);
    const Cost d = decoder_cost(p, default_decoder(p));
    const Cost c = classifier_cost(p, default_classifier(p), p.input_channels == 1 ? 10 : 10);
    auto fmt = [](long long params, long long macs) {
      char b[64];
      std::snprintf(b, sizeof b, "%.1fK / %.2fM", static_cast<double>(params) / 1e3, static_cast<double>(macs) / 1e6);
      return std::string(b);
    };
    t += "| " + std::string(p.name) + " | " + std::to_string(p.input_size) + "x" + std::to_string(p.input_size) + "x" +
         std::to_string(p.input_channels) + " | " + std::to_string(p.codec.latent_channels) + "x" +
         std::to_string(side) + "x" + std::to_string(side) + " | " +
         fmt(conv_stack_params(p.encoder, p.encoder_layers), em) + " | " +
         fmt(conv_stack_params(p.saliency, p.saliency_layers), sm) + " | " + fmt(d.params, d.macs) + " | " +
         fmt(c.params, c.macs) + " |\n";
  }
  return t;
}

}  // namespace limitnet::train
