// Fine-tuning a clean classifier on one codec's decoded pictures (judge_tuning.h).
#include "train/judge_tuning.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>
#include <sstream>
#include <stdexcept>

#include "baselines/baselines.h"
#include "codec/host/bundle_file.h"
#include "codec/host/bundle_writer.h"
#include "data/augment.h"
#include "data/dataset.h"
#include "data/selection.h"
#include "model/arch_file.h"
#include "model/judge_info.h"
#include "nets/nets.h"
#include "util/progress.h"

namespace limitnet::train {

namespace {

using Clock = std::chrono::steady_clock;

// The labelled training split in memory (N x H x W x C bytes).
struct Pictures {
  int side = 0, channels = 0;
  std::vector<uint8_t> pixels;
  std::vector<int64_t> labels;
  size_t image_bytes() const { return static_cast<size_t>(side) * side * channels; }
  const uint8_t* image(size_t i) const { return pixels.data() + i * image_bytes(); }
};

// How one sample reaches the judge: uncoded, or coded at `quality` and, for progjpeg,
// cut after a share `scan_draw` in [0, 1) of its scans.
struct Coding {
  int quality = 0;  // 0 = clean
  double scan_draw = 1.0;
  int scans = 0;  // > 0: exactly this many scans (held-out rows); wins over scan_draw
};

// The clean classifier of a bundle, with what tuning needs to know about it.
struct SourceBundle {
  LoadedBundle file;
  ArchSpec arch;
  ClassifierSpec spec;
  int classes = 0;
};

SourceBundle open_source(const std::string& path) {
  SourceBundle s;
  s.file = load_bundle(path);
  const BundleView& v = s.file.view;
  if (!(v.parts() & kBundlePartCloud)) throw std::runtime_error(path + ": has no cloud part (no classifier to tune)");
  char kind[64] = {0};
  if (v.config_string("classifier", kind, sizeof kind) && std::string(kind) != "resnet") {
    throw std::runtime_error(path + ": its classifier is '" + kind + "'; tune-judge tunes the built-in ResNet only");
  }
  if (!v.config_int("classifier.width", &s.spec.width) || !v.config_int("classifier.blocks", &s.spec.blocks) ||
      !v.config_int("num_classes", &s.classes)) {
    throw std::runtime_error(path + ": no classifier (classifier.width, classifier.blocks, num_classes missing)");
  }
  s.arch = bundle_arch(v, path);
  return s;
}

Pictures load_pictures(const JudgeTuneOptions& o, const SourceBundle& src) {
  data::OpenOptions oo;
  oo.threads = static_cast<unsigned>(std::max(1, o.threads));
  const int side = src.arch.input_size, channels = src.arch.input_channels;
  const auto ds = data::open_dataset(o.data, data::Split::Train, side, side, channels, o.limit, oo);
  if (ds->size() == 0) throw std::runtime_error(o.data + ": no training images");
  if (ds->num_classes() != src.classes) {
    throw std::runtime_error(o.data + ": has " + std::to_string(ds->num_classes()) + " classes, the classifier of " +
                             o.from + " " + std::to_string(src.classes));
  }
  Pictures p;
  p.side = side;
  p.channels = channels;
  p.pixels.resize(ds->size() * ds->image_bytes());
  p.labels.resize(ds->size());
  for (size_t i = 0; i < ds->size(); ++i) {
    int label = 0;
    ds->get(i, p.pixels.data() + i * ds->image_bytes(), &label);
    p.labels[i] = label;
  }
  return p;
}

// Codes picture i as `c` says into dst (image_bytes()), with the code `limitnet eval` runs.
void code_picture(const baselines::CutStreamCodec& codec, const Pictures& p, size_t i, const Coding& c, uint8_t* dst) {
  const size_t bytes = p.image_bytes();
  if (c.quality == 0) {
    std::memcpy(dst, p.image(i), bytes);
    return;
  }
  data::Image img(p.side, p.side, p.channels);
  std::memcpy(img.pixels.data(), p.image(i), bytes);
  const baselines::EncodedStream s = codec.encode(img, c.quality);
  size_t prefix = s.bytes.size();
  if (!s.unit_ends.empty()) {
    const size_t units = s.unit_ends.size();
    size_t k = c.scans > 0 ? static_cast<size_t>(c.scans) : 1 + static_cast<size_t>(c.scan_draw * units);
    prefix = s.unit_ends[std::min(k, units) - 1];
  }
  const std::optional<data::Image> out = codec.decode_prefix(s, prefix);
  if (!out || out->pixels.size() != bytes) {
    throw std::runtime_error(codec.name() + ": could not decode its own stream of training image " + std::to_string(i));
  }
  std::memcpy(dst, out->pixels.data(), bytes);
}

// Codes the pictures `indices` as `codings` say, on libtorch's threads, into out.
void code_all(const baselines::CutStreamCodec& codec, const Pictures& p, const std::vector<size_t>& indices,
              const std::vector<Coding>& codings, std::vector<uint8_t>* out) {
  const size_t ib = p.image_bytes();
  out->resize(indices.size() * ib);
  at::parallel_for(0, static_cast<int64_t>(indices.size()), 64, [&](int64_t b, int64_t e) {
    for (int64_t j = b; j < e; ++j) {
      const auto u = static_cast<size_t>(j);
      code_picture(codec, p, indices[u], codings[u], out->data() + u * ib);
    }
  });
}

// A uniform draw in [0, 1) from raw rng() output, the same with every standard library.
double unit_draw(std::mt19937& rng) { return static_cast<double>(rng() >> 8) / 16777216.0; }

std::vector<Coding> draw_codings(size_t n, const JudgeTuneOptions& o, std::mt19937& rng) {
  std::vector<Coding> out(n);
  for (Coding& c : out) {
    const bool clean = unit_draw(rng) < o.clean_share;
    const int q = o.qualities[rng() % o.qualities.size()];
    c.scan_draw = unit_draw(rng);
    c.quality = clean ? 0 : q;
  }
  return out;
}

// Normalised [B,C,S,S] float tensor of n pictures (HWC bytes).
torch::Tensor to_input(const uint8_t* pixels, size_t n, const Pictures& p, const torch::Tensor& mean,
                       const torch::Tensor& std) {
  torch::Tensor x = torch::from_blob(const_cast<uint8_t*>(pixels),
                                     {static_cast<int64_t>(n), p.side, p.side, p.channels}, torch::kUInt8)
                        .permute({0, 3, 1, 2})
                        .to(torch::kFloat32)
                        .div_(255.0f);
  return (x - mean) / std;
}

// Top-1 of `net` on pictures already coded (indices into p.labels).
double top1_of(ResNet& net, const Pictures& p, const std::vector<size_t>& indices, const std::vector<uint8_t>& coded,
               const torch::Tensor& mean, const torch::Tensor& std) {
  torch::NoGradGuard ng;
  net->eval();
  int64_t correct = 0;
  const size_t ib = p.image_bytes();
  for (size_t s = 0; s < indices.size(); s += 256) {
    const size_t e = std::min(indices.size(), s + 256);
    std::vector<int64_t> labels;
    for (size_t j = s; j < e; ++j) labels.push_back(p.labels[indices[j]]);
    const torch::Tensor pred = net->forward(to_input(coded.data() + s * ib, e - s, p, mean, std)).argmax(1);
    correct += pred.eq(torch::tensor(labels)).sum().item<int64_t>();
  }
  return static_cast<double>(correct) / static_cast<double>(std::max<size_t>(1, indices.size()));
}

// The held-out rows: clean, then every quality (progjpeg: every scan count at each quality).
std::vector<Coding> holdout_rows(const baselines::CutStreamCodec& codec, const Pictures& p, size_t first,
                                 const std::vector<int>& qualities) {
  std::vector<Coding> rows = {Coding{}};
  for (int q : qualities) {
    if (codec.name() != "progjpeg") {
      rows.push_back({q, 1.0, 0});
      continue;
    }
    data::Image img(p.side, p.side, p.channels);
    std::memcpy(img.pixels.data(), p.image(first), p.image_bytes());
    const size_t scans = codec.encode(img, q).unit_ends.size();
    for (size_t k = 1; k <= scans; ++k) rows.push_back({q, 1.0, static_cast<int>(k)});
  }
  return rows;
}

std::vector<double> holdout_top1(ResNet& net, const baselines::CutStreamCodec& codec, const Pictures& p,
                                 const std::vector<size_t>& val, const std::vector<Coding>& rows,
                                 const torch::Tensor& mean, const torch::Tensor& std) {
  std::vector<double> out;
  std::vector<uint8_t> coded;
  for (const Coding& row : rows) {
    code_all(codec, p, val, std::vector<Coding>(val.size(), row), &coded);
    out.push_back(top1_of(net, p, val, coded, mean, std));
  }
  return out;
}

// One epoch over the coded pictures (in `order`); returns the mean cross-entropy.
double train_epoch(ResNet& net, torch::optim::SGD& opt, const Pictures& p, const std::vector<size_t>& train,
                   const std::vector<uint8_t>& coded, const JudgeTuneOptions& o, int epoch, std::mt19937& rng,
                   const torch::Tensor& mean, const torch::Tensor& std) {
  const size_t n = train.size(), ib = p.image_bytes(), batch = static_cast<size_t>(o.batch);
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng() % i]);  // Fisher-Yates on raw rng()
  data::AugmentParams aug;
  aug.pad = p.side >= 32 ? 4 : 2;
  net->train();
  ProgressBar bar("tune-judge " + o.codec + " " + std::to_string(epoch + 1) + "/" + std::to_string(o.epochs), n,
                  o.progress);
  std::vector<uint8_t> buf(batch * ib);
  double loss_sum = 0;
  const size_t steps = (n + batch - 1) / batch;
  for (size_t s = 0; s < steps; ++s) {
    const size_t b0 = s * batch, b1 = std::min(n, b0 + batch);
    std::vector<int64_t> labels;
    for (size_t j = b0; j < b1; ++j) {
      std::memcpy(buf.data() + (j - b0) * ib, coded.data() + order[j] * ib, ib);
      labels.push_back(p.labels[train[order[j]]]);
    }
    data::augment_batch(buf.data(), b1 - b0, p.side, p.side, p.channels, aug, rng);
    const double t = (epoch + static_cast<double>(s) / static_cast<double>(steps)) / o.epochs;
    for (auto& g : opt.param_groups())
      static_cast<torch::optim::SGDOptions&>(g.options()).lr(o.lr * 0.5 * (1.0 + std::cos(M_PI * t)));
    opt.zero_grad();
    torch::Tensor loss = torch::nn::functional::cross_entropy(net->forward(to_input(buf.data(), b1 - b0, p, mean, std)),
                                                              torch::tensor(labels));
    loss.backward();
    opt.step();
    loss_sum += loss.item<double>() * static_cast<double>(b1 - b0);
    char status[48];
    std::snprintf(status, sizeof status, "loss %.4f", loss_sum / static_cast<double>(b1));
    bar.update(b1, status);
  }
  bar.finish();
  return loss_sum / static_cast<double>(n);
}

// Training and held-out positions: with val_holdout, the images train --val-holdout holds out
// (data::held_out_selection), so a judge and a model can be chosen on the same images.
void split_indices(size_t n, size_t holdout, std::vector<size_t>* train, std::vector<size_t>* val) {
  std::vector<bool> held(n, false);
  if (holdout > 0) {
    try {
      held = data::held_out_selection(n, holdout);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("tune-judge: ") + e.what());
    }
  }
  for (size_t i = 0; i < n; ++i) (held[i] ? val : train)->push_back(i);
}

void write_judge(const JudgeTuneOptions& o, const SourceBundle& src, ResNet& net, size_t images) {
  std::vector<std::string> skip = section_names_with_prefix(src.file.view, "classifier.");
  skip.push_back(kJudgeSection);
  BundleWriter w(src.file.view.parts());
  w.copy_from(src.file.view, skip);
  add_module_state(&w, "classifier", *net);
  JudgeInfo info;
  info.codec = o.codec;
  info.qualities = o.qualities;
  info.epochs = o.epochs;
  info.lr = o.lr;
  info.clean_share = o.clean_share;
  info.seed = o.seed;
  info.images = images;
  info.tuned_from = o.from;
  add_judge_info(&w, info);
  w.write(o.output, src.file.view.model_id());  // the device part is the source's: same id
}

}  // namespace

void check_judge_options(const JudgeTuneOptions& o) {
  const auto& codecs = baselines::codec_names();
  if (std::find(codecs.begin(), codecs.end(), o.codec) == codecs.end()) {
    std::string valid;
    for (const std::string& c : codecs) valid += (valid.empty() ? "" : ", ") + c;
    throw std::invalid_argument("tune-judge: unknown codec '" + o.codec + "'; valid: " + valid);
  }
  if (o.epochs < 1) throw std::invalid_argument("tune-judge: --epochs must be at least 1");
  if (!(o.lr > 0) || !std::isfinite(o.lr)) throw std::invalid_argument("tune-judge: --lr must be a number > 0");
  if (!(o.weight_decay >= 0) || !std::isfinite(o.weight_decay))
    throw std::invalid_argument("tune-judge: weight decay must be a number >= 0");
  if (!(o.clean_share >= 0 && o.clean_share < 1))
    throw std::invalid_argument("tune-judge: --clean-share must be in [0, 1)");
  for (int q : o.qualities) {
    if (q < 1 || q > 100)
      throw std::invalid_argument("tune-judge: quality " + std::to_string(q) + " is outside 1..100");
  }
  if (o.batch < 1) throw std::invalid_argument("tune-judge: --batch must be at least 1");
  if (o.output.empty()) throw std::invalid_argument("tune-judge: an output bundle is required (-o)");
}

JudgeTuneResult tune_judge(const JudgeTuneOptions& options) {
  const auto start = Clock::now();
  JudgeTuneOptions o = options;
  if (o.qualities.empty()) {
    o.qualities = o.codec == "progjpeg" ? std::vector<int>{baselines::kProgressiveJpegEvalQuality}
                                        : baselines::eval_sweep_qualities();
  }
  check_judge_options(o);
  torch::set_num_threads(std::max(1, o.threads));
  torch::manual_seed(o.seed);
  SourceBundle src = open_source(o.from);
  ResNet net(src.arch.input_channels, src.classes, src.spec);
  load_module_state(src.file.view, "classifier", *net, o.from);
  const Pictures pictures = load_pictures(o, src);
  std::vector<size_t> train, val;
  split_indices(pictures.labels.size(), o.val_holdout, &train, &val);
  const std::unique_ptr<baselines::CutStreamCodec> codec = baselines::make_codec(o.codec);
  const torch::Tensor mean = preset_mean(src.arch), std = preset_std(src.arch);
  JudgeTuneResult r;
  r.output = o.output;
  r.images = train.size();
  const std::vector<Coding> rows =
      val.empty() ? std::vector<Coding>{} : holdout_rows(*codec, pictures, val[0], o.qualities);
  const std::vector<double> before = holdout_top1(net, *codec, pictures, val, rows, mean, std);
  torch::optim::SGD opt(net->parameters(),
                        torch::optim::SGDOptions(o.lr).momentum(0.9).nesterov(true).weight_decay(o.weight_decay));
  std::vector<uint8_t> coded;
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    std::mt19937 rng(static_cast<uint32_t>(o.seed * 1000 + 700 + epoch));
    code_all(*codec, pictures, train, draw_codings(train.size(), o, rng), &coded);
    r.epoch_loss.push_back(train_epoch(net, opt, pictures, train, coded, o, epoch, rng, mean, std));
  }
  const std::vector<double> after = holdout_top1(net, *codec, pictures, val, rows, mean, std);
  for (size_t i = 0; i < rows.size(); ++i) r.holdout.push_back({rows[i].quality, rows[i].scans, before[i], after[i]});
  write_judge(o, src, net, train.size());
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return r;
}

std::string judge_tune_text(const JudgeTuneOptions& o, const JudgeTuneResult& r) {
  std::ostringstream out;
  char line[160];
  for (size_t e = 0; e < r.epoch_loss.size(); ++e) {
    std::snprintf(line, sizeof line, "epoch %zu: loss %.4f\n", e + 1, r.epoch_loss[e]);
    out << line;
  }
  if (!r.holdout.empty()) {
    out << "held-out top-1 (" << o.val_holdout << " training images), clean judge -> tuned judge:\n";
    for (const JudgeQualityTop1& h : r.holdout) {
      std::string what = h.quality == 0 ? "clean" : "q" + std::to_string(h.quality);
      if (h.scans > 0) what += " " + std::to_string(h.scans) + " scans";
      std::snprintf(line, sizeof line, "  %-16s %6.2f%% -> %6.2f%%\n", what.c_str(), 100 * h.before, 100 * h.after);
      out << line;
    }
  }
  std::snprintf(line, sizeof line, "wrote %s (%s judge, %zu training images, %.0f s)\n", r.output.c_str(),
                o.codec.c_str(), r.images, r.seconds);
  out << line;
  return out.str();
}

}  // namespace limitnet::train
