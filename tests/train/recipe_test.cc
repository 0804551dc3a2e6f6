// The whole recipe on tiny settings: train (classifier, phase 1, phase 2), export, resume,
// load the cloud part, evaluate accuracy against bytes; and the bad-input errors of bundles.
// Needs Fashion-MNIST from apt (dataset-fashion-mnist); skips without it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "cloud/cloud_model.h"
#include "codec/bundle/bundle.h"
#include "codec/codec_model.h"
#include "codec/host/bundle_file.h"
#include "codec/host/bundle_writer.h"
#include "codec/host/model_file.h"
#include "eval/accuracy_curve.h"
#include "model/int8_encoder.h"
#include "model/pipeline.h"
#include "model/random_model.h"
#include "nets/latent_rate.h"
#include "train/train.h"
#include "tiny_training.h"

namespace fs = std::filesystem;

namespace limitnet {
namespace {

using train_testing::have_fmnist;
using train_testing::tiny;

fs::path temp_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("limitnet_train_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// One trained tiny model shared by the tests of this file.
const fs::path& tiny_model() {
  static fs::path model;
  if (model.empty()) {
    const fs::path run = temp_dir("recipe");
    train::run_training(tiny(run));
    model = run / "model.lnm";
  }
  return model;
}

TEST(TrainRecipe, TrainsExportsAndEvaluates) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)";
  const fs::path& model = tiny_model();
  ASSERT_TRUE(fs::exists(model));
  ASSERT_TRUE(fs::exists(model.parent_path() / "log.jsonl"));
  const CloudModel cloud(model.string());
  EXPECT_EQ(cloud.preset(), "fmnist28");
  EXPECT_EQ(cloud.num_classes(), 10);
  auto test = data::open_dataset("fashion-mnist", data::Split::Test, 28, 28, 1, 48);
  eval::CurveOptions co;
  co.progress = false;
  const eval::CurveResult r = eval::evaluate_curve(cloud, *test, co);
  ASSERT_FALSE(r.curve.empty());
  EXPECT_LE(r.curve.front().bytes, 51.0);
  for (size_t i = 1; i < r.curve.size(); ++i) EXPECT_GE(r.curve[i].bytes, r.curve[i - 1].bytes);
  EXPECT_DOUBLE_EQ(r.curve.back().values_fraction, 1.0);
  EXPECT_GE(r.clean_top1, 0.0);
  EXPECT_NE(eval::curve_svg(r, "t").find("<svg"), std::string::npos);
  // Probabilities sum to one; reconstruction has the input's shape.
  std::vector<float> zero(static_cast<size_t>(cloud.latent_elements()), 0.0f);
  const std::vector<float> p = cloud.classify(zero.data(), 1);
  double sum = 0;
  for (float v : p) sum += v;
  EXPECT_NEAR(sum, 1.0, 1e-4);
  EXPECT_EQ(cloud.reconstruct(zero.data()).size(), 28u * 28u);
}

// The baselines' recipes (Starfish-like random dropping, fixed-rate) with the pyramid
// decoder, reusing the classifier of an existing bundle: the same classifier weights give
// the same clean accuracy, and the bundle records how it was trained.
TEST(TrainRecipe, BaselineDroppingModesReuseABundlesClassifier) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const fs::path& base = tiny_model();
  auto test = data::open_dataset("fashion-mnist", data::Split::Test, 28, 28, 1, 48);
  eval::CurveOptions co;
  co.progress = false;
  const double base_clean = eval::evaluate_curve(CloudModel(base.string()), *test, co).clean_top1;
  for (const std::string dropping : {"random", "none"}) {
    const fs::path run = temp_dir("dropping_" + dropping);
    train::TrainOptions o = tiny(run);
    o.dropping = dropping;
    o.teacher = "none";
    o.decoder = "pyramid";
    o.decoder_width = 16;
    o.classifier_from = base.string();
    train::run_training(o);
    const CloudModel cloud((run / "model.lnm").string());
    const LoadedBundle b = load_bundle((run / "model.lnm").string());
    char text[32] = {0};
    ASSERT_TRUE(b.view.config_string("train.dropping", text, sizeof text));
    EXPECT_EQ(std::string(text), dropping);
    ASSERT_TRUE(b.view.config_string("decoder", text, sizeof text));
    EXPECT_EQ(std::string(text), "pyramid");
    EXPECT_DOUBLE_EQ(eval::evaluate_curve(cloud, *test, co).clean_top1, base_clean);
  }
  train::TrainOptions bad = tiny(temp_dir("bad_dropping"));
  bad.dropping = "sometimes";
  try {
    train::run_training(bad);
    FAIL() << "an unknown dropping mode was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("valid: gradual, random, none"), std::string::npos) << e.what();
  }
}

TEST(TrainRecipe, ResumeAfterTheLastEpochDoesNoNewWork) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const fs::path run = temp_dir("resume");
  train::TrainOptions o = tiny(run);
  o.p2_epochs = 0;
  train::run_training(o);
  EXPECT_THROW(train::run_training(o), std::runtime_error);  // refuses to overwrite a run
  o.resume = true;
  o.p2_epochs = 1;  // one more stage epoch on resume
  train::run_training(o);
  std::ifstream log(run / "log.jsonl");
  int phase2 = 0, classifier = 0;
  for (std::string line; std::getline(log, line);) {
    phase2 += line.find("\"stage\":\"phase2\"") != std::string::npos;
    classifier += line.find("\"stage\":\"classifier\"") != std::string::npos;
  }
  EXPECT_EQ(phase2, 1);
  EXPECT_EQ(classifier, 1);  // not retrained on resume
}

TEST(TrainRecipe, BadBundlesGiveClearErrors) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const fs::path& model = tiny_model();
  const fs::path dir = temp_dir("bad");
  // A device-only bundle: no cloud part.
  const PresetSpec& p = *find_preset("fmnist28");
  BundleWriter dev = random_device_bundle(p, p.codec, 3);
  dev.write((dir / "device.lnm").string());
  try {
    CloudModel m((dir / "device.lnm").string());
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no cloud part"), std::string::npos) << e.what();
  }
  // Separate parts whose ids differ.
  try {
    CloudModel m((dir / "device.lnm").string(), model.string());
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("differ"), std::string::npos) << e.what();
  }
  // Matching separate parts load.
  {
    const LoadedBundle full = load_bundle(model.string());
    BundleWriter d(kBundlePartDevice), c(kBundlePartCloud);
    d.copy_from(full.view);
    d.write((dir / "d.lnm").string(), full.view.model_id());
    c.copy_from(full.view);
    c.write((dir / "c.lnm").string(), full.view.model_id());
    EXPECT_NO_THROW(CloudModel((dir / "d.lnm").string(), (dir / "c.lnm").string()));
  }
  // A cloud part for another preset.
  {
    const LoadedBundle full = load_bundle(model.string());
    char cfg[64];
    ASSERT_TRUE(full.view.config_string("preset", cfg, sizeof cfg));
    BundleWriter c(kBundlePartCloud);
    c.copy_from(full.view, {"config"});
    c.set_config("preset=cifar32\nnum_classes=10\ndecoder=upconv\ndecoder.width=16\nclassifier=resnet\n");
    c.write((dir / "c2.lnm").string(), full.view.model_id());
    EXPECT_THROW(CloudModel((dir / "d.lnm").string(), (dir / "c2.lnm").string()), std::runtime_error);
  }
  // Garbage file.
  std::ofstream((dir / "junk.lnm").string()) << "not a bundle";
  EXPECT_THROW(CloudModel((dir / "junk.lnm").string()), std::runtime_error);
}

// Copies a bundle with one config key set to another value (same sections, same id).
fs::path with_config(const fs::path& src, const fs::path& dst, const std::string& key, const std::string& value) {
  const LoadedBundle b = load_bundle(src.string());
  BundleTensor t;
  EXPECT_TRUE(b.view.find("config", &t));
  std::string cfg(reinterpret_cast<const char*>(t.data), t.bytes), out;
  std::istringstream lines(cfg);
  for (std::string line; std::getline(lines, line);) {
    out += line.rfind(key + "=", 0) == 0 ? key + "=" + value : line;
    out += "\n";
  }
  BundleWriter w(b.view.parts());
  // Another preset name: a bundle written before the arch section, whose architecture is
  // the named preset's.
  w.copy_from(b.view,
              key == "preset" ? std::vector<std::string>{"config", "arch"} : std::vector<std::string>{"config"});
  w.set_config(out);
  w.write(dst.string(), b.view.model_id());
  return dst;
}

// The bytes of one tensor of a bundle (to compare weights across runs).
std::vector<uint8_t> tensor_bytes(const fs::path& bundle, const char* name) {
  const LoadedBundle b = load_bundle(bundle.string());
  BundleTensor t;
  EXPECT_TRUE(b.view.find(name, &t)) << name;
  return std::vector<uint8_t>(t.data, t.data + t.bytes);
}

// The last line of a run's log.jsonl with this stage (null if there is none).
nlohmann::json last_logged(const fs::path& run, const std::string& stage) {
  nlohmann::json found;
  std::ifstream log(run / "log.jsonl");
  for (std::string line; std::getline(log, line);) {
    nlohmann::json j = nlohmann::json::parse(line);
    if (j["stage"] == stage) found = std::move(j);
  }
  return found;
}

// Training with these options must stop with an error that contains `needle`.
void expect_refused(const train::TrainOptions& o, const std::string& needle, const std::string& what) {
  try {
    train::run_training(o);
    ADD_FAILURE() << what << " was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

// A further phase 2 of the tiny model: its weights and classifier (a bundle), no phase 1.
train::TrainOptions fine_tune_of(const fs::path& model, const fs::path& run, int p2_epochs) {
  train::TrainOptions o = tiny(run);
  o.classifier_from = model.string();
  o.init_from = model.string();
  o.p1_epochs = 0;
  o.p2_epochs = p2_epochs;
  return o;
}

TEST(TrainRecipe, ClassifierFromRefusesAClassifierThatDoesNotFit) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const fs::path& model = tiny_model();
  const fs::path dir = temp_dir("cls_from");
  int runs = 0;
  auto expect_error = [&](const fs::path& from, const std::string& needle) {
    train::TrainOptions o = tiny(dir / ("run" + std::to_string(runs++)));
    o.classifier_from = from.string();
    o.teacher = "none";
    expect_refused(o, needle, from.string() + " as a classifier");
  };
  expect_error(with_config(model, dir / "cifar.lnm", "preset", "cifar32"),
               "does not match the built-in preset 'cifar32' it names");
  expect_error(with_config(model, dir / "unknown.lnm", "preset", "no-such-preset"),
               "has no arch section and its preset 'no-such-preset' is not built in");
  expect_error(with_config(model, dir / "five.lnm", "num_classes", "5"), "has 5 classes, the data 10");
  expect_error(with_config(model, dir / "ts.lnm", "classifier", "torchscript"), "built-in ResNet classifier");
  const PresetSpec& p = *find_preset("fmnist28");
  random_device_bundle(p, p.codec, 3).write((dir / "device.lnm").string());
  expect_error(dir / "device.lnm", "has no cloud part");
  fs::create_directories(dir / "empty-run");
  expect_error(dir / "empty-run", "no classifier.pt");
  // A run directory whose classifier has another geometry than this run expects.
  {
    const fs::path run = dir / "wide";
    train::TrainOptions o = tiny(run);
    o.cls_width = 8;
    o.p1_epochs = o.p2_epochs = 0;
    train::run_training(o);
    expect_error(run, "not a classifier of this preset and geometry");
  }
  // The bundle itself is accepted and its classifier kept: clean top-1 is the same.
  train::TrainOptions ok = tiny(dir / "ok");
  ok.classifier_from = model.string();
  ok.teacher = "none";
  train::run_training(ok);
  auto test = data::open_dataset("fashion-mnist", data::Split::Test, 28, 28, 1, 48);
  eval::CurveOptions co;
  co.progress = false;
  EXPECT_DOUBLE_EQ(eval::evaluate_curve(CloudModel((dir / "ok" / "model.lnm").string()), *test, co).clean_top1,
                   eval::evaluate_curve(CloudModel(model.string()), *test, co).clean_top1);
}

TEST(TrainRecipe, InitFromContinuesAnEarlierRunWithDistillation) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const fs::path& model = tiny_model();
  const fs::path base = model.parent_path(), dir = temp_dir("init_from");
  train::TrainOptions o = tiny(dir / "more");
  o.classifier_from = base.string();
  o.init_from = base.string();
  o.p1_epochs = 0;
  o.p2_epochs = 1;
  o.p2_distill_temperature = 2.0;
  train::run_training(o);
  std::ifstream log(dir / "more" / "log.jsonl");
  bool init = false;
  double loss = -1;
  for (std::string line; std::getline(log, line);) {
    const nlohmann::json j = nlohmann::json::parse(line);
    if (j["stage"] == "init") init = j["from"] == base.string();
    if (j["stage"] == "phase2") loss = j["loss"].get<double>();
  }
  EXPECT_TRUE(init);
  EXPECT_TRUE(std::isfinite(loss));
  EXPECT_GE(loss, 0.0);  // a KL divergence
  // With no epochs at all the export carries exactly the earlier run's device weights.
  train::TrainOptions same = tiny(dir / "same");
  same.classifier_from = base.string();
  same.init_from = base.string();
  same.p1_epochs = same.p2_epochs = 0;
  train::run_training(same);
  const LoadedBundle a = load_bundle(model.string()), b = load_bundle((dir / "same" / "model.lnm").string());
  for (const char* name : {"encoder.0.weight", "saliency.0.weight"}) {
    BundleTensor ta, tb;
    ASSERT_TRUE(a.view.find(name, &ta) && b.view.find(name, &tb)) << name;
    ASSERT_EQ(ta.bytes, tb.bytes);
    EXPECT_EQ(std::memcmp(ta.data, tb.data, ta.bytes), 0) << name;
  }
  // Bad input: a directory without weights, and a decoder of another width.
  fs::create_directories(dir / "empty");
  train::TrainOptions bad = tiny(dir / "bad1");
  bad.init_from = (dir / "empty").string();
  expect_refused(bad, "no device.pt", "an empty --init-from directory");
  train::TrainOptions wide = tiny(dir / "bad2");
  wide.init_from = base.string();
  wide.decoder = "pyramid";
  wide.decoder_width = 48;
  expect_refused(wide, "not a decoder of this kind and width", "a decoder of another width");
}

// Every section of a bundle, by name.
std::map<std::string, std::vector<uint8_t>> bundle_sections(const fs::path& bundle) {
  const LoadedBundle b = load_bundle(bundle.string());
  std::map<std::string, std::vector<uint8_t>> sections;
  for (uint32_t i = 0; i < b.view.section_count(); ++i) {
    BundleTensor t;
    b.view.section(i, &t);
    sections[std::string(t.name, t.name_len)] = std::vector<uint8_t>(t.data, t.data + t.bytes);
  }
  return sections;
}

// --p2-cloud-only: a camera flashed with the deployed bundle keeps working with the update
// (same id, the same bytes for everything the device uses); only the cloud sections move.
TEST(TrainRecipe, CloudOnlyUpdateKeepsTheDeployedDevicePartAndItsId) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const fs::path& model = tiny_model();
  const fs::path dir = temp_dir("cloud_only");
  train::TrainOptions o = tiny(dir / "update");
  o.latent_bits = o.saliency_grid = 0;  // the deployed bundle's, not flags
  o.init_from = model.string();
  o.p2_cloud_only = true;
  o.p2_classifier_lr = 1e-3;
  train::run_training(o);
  const fs::path update = dir / "update" / "model.lnm";
  EXPECT_EQ(load_bundle(update.string()).view.model_id(), load_bundle(model.string()).view.model_id());
  const auto before = bundle_sections(model), after = bundle_sections(update);
  ASSERT_EQ(before.size(), after.size());
  int cloud_moved = 0;
  for (const auto& [name, bytes] : before) {
    ASSERT_EQ(after.count(name), 1u) << name;
    const bool cloud = name.rfind("decoder.", 0) == 0 || name.rfind("classifier.", 0) == 0;
    if (!cloud) EXPECT_EQ(after.at(name), bytes) << name << " moved";
    cloud_moved += cloud && after.at(name) != bytes;
  }
  EXPECT_GT(cloud_moved, 0) << "neither decoder nor classifier was tuned";
  // The cloud part's id tells the receiver which stored results the update outdates.
  const uint32_t deployed_cloud = cloud_part_id(load_bundle(model.string()).view);
  EXPECT_NE(deployed_cloud, 0u);
  EXPECT_NE(cloud_part_id(load_bundle(update.string()).view), deployed_cloud);
  EXPECT_TRUE(last_logged(dir / "update", "phase1").is_null()) << "phase 1 trains the encoder: it must not run";
  EXPECT_TRUE(last_logged(dir / "update", "phase2").is_object());

  // Bad input: anything that would change or train the device, and no deployed bundle.
  int runs = 0;
  auto refused_as = [&](const std::function<void(train::TrainOptions&)>& change, const std::string& needle,
                        const std::string& what) {
    train::TrainOptions bad = o;
    bad.run_dir = (dir / ("bad" + std::to_string(runs++))).string();
    change(bad);
    expect_refused(bad, needle, what);
  };
  auto refused = [&](void (*change)(train::TrainOptions&), const std::string& needle) {
    refused_as(change, needle, needle);
  };
  refused([](train::TrainOptions& b) { b.latent_bits = 5; }, "drop --latent-bits");
  refused([](train::TrainOptions& b) { b.decoder_width = 32; }, "drop --decoder-width");
  refused([](train::TrainOptions& b) { b.rate_lambda = 0.1; }, "drop --rate-lambda");
  refused([](train::TrainOptions& b) { b.classifier_from = b.init_from; }, "drop --classifier-from");
  refused([](train::TrainOptions& b) { b.arch = "models/arch/fmnist28c.json"; }, "drop --arch");
  refused([](train::TrainOptions& b) { b.saliency_grid = 2; }, "drop --saliency-grid");
  refused([](train::TrainOptions& b) { b.saliency_bits = 4; }, "drop --saliency-bits");
  refused([](train::TrainOptions& b) { b.gradual = 1.0; }, "drop -G");
  refused([](train::TrainOptions& b) { b.interlace_stride = 2; }, "drop --interlace-stride");
  refused([](train::TrainOptions& b) { b.interlace_bonus = 3.0; }, "drop --interlace-bonus");
  refused([](train::TrainOptions& b) { b.coarse_channels = 2; }, "drop --coarse-channels");
  refused([](train::TrainOptions& b) { b.decoder = "pyramid"; }, "drop --decoder");
  refused([](train::TrainOptions& b) { b.cls_width = 32; }, "drop --cls-width");
  refused([](train::TrainOptions& b) { b.cls_blocks = 2; }, "drop --cls-blocks");
  refused([](train::TrainOptions& b) { b.classifier_ts = "classifier.pt"; }, "drop --classifier-ts");
  refused([](train::TrainOptions& b) { b.p1_rate_lambda = 0.1; }, "drop --rate-lambda");
  refused([](train::TrainOptions& b) { b.learned_step = true; }, "drop --learned-step");
  refused([](train::TrainOptions& b) { b.tables = "learned"; }, "drop --tables");
  refused([](train::TrainOptions& b) { b.revive_dead_channels = true; }, "drop --revive-dead-channels");
  refused([](train::TrainOptions& b) { b.init_from = fs::path(b.init_from).parent_path().string(); },
          "--init-from must name its bundle");
  const PresetSpec& p = *find_preset("fmnist28");
  const std::string device_only = (dir / "device.lnm").string();
  random_device_bundle(p, p.codec, 3).write(device_only);
  refused_as([&](train::TrainOptions& b) { b.init_from = device_only; }, "has no cloud part",
             "a bundle without a cloud part");
  const std::string script = with_config(model, dir / "script.lnm", "classifier", "torchscript").string();
  refused_as([&](train::TrainOptions& b) { b.init_from = script; }, "tunes the built-in ResNet classifier",
             "a bundle with a TorchScript classifier");
  refused_as([](train::TrainOptions& b) { b.dropping = "random"; },
             "was trained with --dropping gradual; drop --dropping random", "another --dropping");
  const std::string five = with_config(model, dir / "five.lnm", "num_classes", "5").string();
  refused_as([&](train::TrainOptions& b) { b.init_from = five; }, "five.lnm: has 5 classes, --data 10",
             "data with another class count");
  const std::string renamed = with_config(model, dir / "renamed.lnm", "class.3", "gown").string();
  refused_as([&](train::TrainOptions& b) { b.init_from = renamed; }, "class 3 is 'gown', in --data it is 'Dress'",
             "data whose classes the bundle names otherwise");
}

// --p2-classifier-lr: phase 2 moves the classifier too, the bundle carries the moved one,
// and --resume continues from it; a frozen run leaves it bit-identical.
TEST(TrainRecipe, Phase2CanTuneTheClassifier) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const fs::path& model = tiny_model();
  const fs::path base = model.parent_path(), dir = temp_dir("tune_cls");
  auto classifier_bytes = [](const fs::path& bundle) { return tensor_bytes(bundle, "classifier.stem.weight"); };
  train::TrainOptions frozen = tiny(dir / "frozen");
  frozen.classifier_from = base.string();
  frozen.init_from = base.string();
  frozen.p1_epochs = 0;
  frozen.p2_keep_min = 0.2;
  frozen.p2_full_share = 0.5;
  train::run_training(frozen);
  EXPECT_EQ(classifier_bytes(dir / "frozen" / "model.lnm"), classifier_bytes(model));

  train::TrainOptions tuned = frozen;
  tuned.run_dir = (dir / "tuned").string();
  tuned.output.clear();
  tuned.p2_classifier_lr = 1e-3;
  train::run_training(tuned);
  const std::vector<uint8_t> after1 = classifier_bytes(dir / "tuned" / "model.lnm");
  EXPECT_NE(after1, classifier_bytes(model));
  ASSERT_TRUE(fs::exists(dir / "tuned" / "classifier.tuned.pt"));
  bool logged = false;
  std::ifstream log(dir / "tuned" / "log.jsonl");
  for (std::string line; std::getline(log, line);) {
    const nlohmann::json j = nlohmann::json::parse(line);
    if (j["stage"] == "classifier_tuned") logged = j["val_top1"].get<double>() >= 0.0;
  }
  EXPECT_TRUE(logged);
  // Resume with no new epoch: the export carries the tuned classifier, not the original.
  tuned.resume = true;
  train::run_training(tuned);
  EXPECT_EQ(classifier_bytes(dir / "tuned" / "model.lnm"), after1);
  // Resuming it without the option would export the untuned classifier: refused.
  train::TrainOptions untuned = tuned;
  untuned.p2_classifier_lr = 0;
  expect_refused(untuned, "resume with the same --p2-classifier-lr", "a tuned run resumed without --p2-classifier-lr");

  // Tuned and distilled: the targets come from a frozen copy, the bundle carries the tuned one.
  train::TrainOptions distilled = frozen;
  distilled.run_dir = (dir / "distilled").string();
  distilled.output.clear();
  distilled.p2_classifier_lr = 1e-3;
  distilled.p2_distill_temperature = 2.0;
  train::run_training(distilled);
  EXPECT_NE(classifier_bytes(dir / "distilled" / "model.lnm"), classifier_bytes(model));
  EXPECT_NE(classifier_bytes(dir / "distilled" / "model.lnm"), after1);
  const double kl = last_logged(dir / "distilled", "phase2").value("loss", -1.0);
  EXPECT_TRUE(std::isfinite(kl));
  EXPECT_GE(kl, 0.0);  // a KL divergence, not a cross-entropy with the labels

  train::TrainOptions script = tiny(dir / "bad_ts");
  script.classifier_ts = (dir / "any.pt").string();
  script.p2_classifier_lr = 1e-3;
  expect_refused(script, "not a TorchScript one", "--p2-classifier-lr with a TorchScript classifier");
}

// --p2-distill-from: the distillation teacher comes from its own classifier, not from a copy
// of the one phase 2 tunes. Naming the classifier the student starts from reproduces the
// copy's run bit for bit; another teacher trains another model; bad names are refused.
TEST(TrainRecipe, DistillFromTakesTheTeacherFromAnotherClassifier) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const fs::path& model = tiny_model();
  const fs::path base = model.parent_path(), dir = temp_dir("distill_from");
  auto classifier_bytes = [](const fs::path& bundle) { return tensor_bytes(bundle, "classifier.stem.weight"); };
  train::TrainOptions copy = tiny(dir / "copy");
  copy.classifier_from = base.string();
  copy.init_from = base.string();
  copy.p1_epochs = 0;
  copy.p2_classifier_lr = 1e-3;
  copy.p2_distill_temperature = 2.0;
  train::run_training(copy);

  train::TrainOptions same = copy;
  same.run_dir = (dir / "same").string();
  same.output.clear();
  same.p2_distill_from = base.string();
  train::run_training(same);
  EXPECT_EQ(classifier_bytes(dir / "same" / "model.lnm"), classifier_bytes(dir / "copy" / "model.lnm"));
  // Its clean top-1 is logged: here the student's starting classifier, so the same figure.
  const nlohmann::json teacher = last_logged(dir / "same", "distill_teacher");
  ASSERT_TRUE(teacher.is_object());
  EXPECT_EQ(teacher["val_top1"], last_logged(dir / "same", "classifier_done")["val_top1"]);

  // The tuned bundle of `copy` as teacher: another target, another classifier.
  train::TrainOptions other = copy;
  other.run_dir = (dir / "other").string();
  other.output.clear();
  other.p2_distill_from = (dir / "copy" / "model.lnm").string();
  train::run_training(other);
  EXPECT_NE(classifier_bytes(dir / "other" / "model.lnm"), classifier_bytes(dir / "copy" / "model.lnm"));

  train::TrainOptions nowhere = copy;
  nowhere.run_dir = (dir / "nowhere").string();
  nowhere.p2_distill_from = (dir / "no_such_run").string();
  expect_refused(nowhere, "no_such_run: no classifier.pt (--p2-distill-from", "a teacher that does not exist");
  train::TrainOptions undistilled = nowhere;
  undistilled.p2_distill_from = base.string();
  undistilled.p2_distill_temperature = 0;
  expect_refused(undistilled, "--p2-distill-from names the distillation teacher: it needs --p2-distill",
                 "a teacher without distillation");
}

// --p1-full-share 1: every phase-1 sample keeps the whole latent, which trains exactly what
// a run without dropping trains; the default share (0) trains something else.
TEST(TrainRecipe, Phase1FullShareKeepsTheWholeLatent) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const fs::path& model = tiny_model();
  const fs::path base = model.parent_path(), dir = temp_dir("p1_full");
  auto encoder_bytes = [](const fs::path& bundle) { return tensor_bytes(bundle, "encoder.0.weight"); };
  auto phase1_only = [&](const std::string& name) {
    train::TrainOptions o = tiny(dir / name);
    o.device = "cpu";  // two runs repeat bit for bit only on the CPU (cuDNN picks kernels by timing)
    o.classifier_from = base.string();
    o.p2_epochs = 0;
    return o;
  };
  train::TrainOptions whole = phase1_only("whole");
  whole.p1_full_share = 1.0;
  train::run_training(whole);
  train::TrainOptions none = phase1_only("none");
  none.dropping = "none";
  train::run_training(none);
  train::run_training(phase1_only("paper"));
  EXPECT_EQ(encoder_bytes(dir / "whole" / "model.lnm"), encoder_bytes(dir / "none" / "model.lnm"));
  EXPECT_NE(encoder_bytes(dir / "whole" / "model.lnm"), encoder_bytes(dir / "paper" / "model.lnm"));
  EXPECT_EQ(last_logged(dir / "whole", "data")["options"].value("p1_full_share", -1.0), 1.0);
}

// --val-every: validation changes nothing a run learns, so validating after every second epoch
// trains the very same bundle, byte for byte, as validating after each; the skipped epochs log
// no validation figures, the last epoch of each stage always does.
TEST(TrainRecipe, ValEveryTrainsTheSameWeights) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const fs::path dir = temp_dir("val_every");
  auto two_epochs = [&](const std::string& name, int val_every) {
    train::TrainOptions o = tiny(dir / name);
    o.device = "cpu";  // bit-for-bit comparisons only on the CPU
    o.cls_epochs = o.p1_epochs = o.p2_epochs = 2;
    o.p2_classifier_lr = 1e-3;
    o.rate_lambda = 0.1;
    o.val_every = val_every;
    train::run_training(o);
    return load_bundle((dir / name / "model.lnm").string()).view.model_id();
  };
  EXPECT_EQ(two_epochs("each", 1), two_epochs("second", 2));
  auto file_bytes = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  const std::vector<char> each = file_bytes(dir / "each" / "model.lnm");
  EXPECT_FALSE(each.empty());
  EXPECT_EQ(each, file_bytes(dir / "second" / "model.lnm")) << "the bundles differ";
  std::map<std::string, std::vector<bool>> validated;  // per stage, per epoch
  std::ifstream log(dir / "second" / "log.jsonl");
  for (std::string line; std::getline(log, line);) {
    const nlohmann::json j = nlohmann::json::parse(line);
    const std::string stage = j["stage"];
    if (stage == "classifier") validated[stage].push_back(j.contains("val_top1"));
    if (stage == "phase1" || stage == "phase2") validated[stage].push_back(j.contains("val"));
    if (stage == "classifier_tuned") validated[stage].push_back(j["epoch"] == 2);
  }
  const std::vector<bool> last_only = {false, true};
  EXPECT_EQ(validated["classifier"], last_only);
  EXPECT_EQ(validated["phase1"], last_only);
  EXPECT_EQ(validated["phase2"], last_only);
  EXPECT_EQ(validated["classifier_tuned"], std::vector<bool>{true});
  train::TrainOptions never = tiny(dir / "never");
  never.val_every = 0;
  expect_refused(never, "--val-every must be at least 1 (validate after every N-th epoch), got 0", "--val-every 0");
}

// --p2-keep-log: phase 2 draws its keep fractions log-uniform (the draws themselves are tested
// in TrainGradual.SampleKeepDrawsFromTheRequestedRange), so it trains another encoder than the
// uniform draw from the same start; it is logged, and refused without a minimum above 0.
TEST(TrainRecipe, Phase2KeepLogDrawsOtherPrefixes) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const fs::path& model = tiny_model();
  const fs::path base = model.parent_path(), dir = temp_dir("p2_keep_log");
  auto encoder_bytes = [](const fs::path& bundle) { return tensor_bytes(bundle, "encoder.0.weight"); };
  auto phase2_only = [&](const std::string& name, bool log_scale) {
    train::TrainOptions o = tiny(dir / name);
    o.device = "cpu";  // bit-for-bit comparisons only on the CPU
    o.classifier_from = base.string();
    o.init_from = base.string();
    o.p1_epochs = 0;
    o.p2_keep_min = 0.05;
    o.p2_keep_log = log_scale;
    return o;
  };
  train::run_training(phase2_only("uniform", false));
  train::run_training(phase2_only("log", true));
  EXPECT_NE(encoder_bytes(dir / "log" / "model.lnm"), encoder_bytes(dir / "uniform" / "model.lnm"));
  EXPECT_TRUE(last_logged(dir / "log", "data")["options"].value("p2_keep_log", false));
  train::TrainOptions no_min = phase2_only("no_min", true);
  no_min.p2_keep_min = 0;
  expect_refused(no_min, "--p2-keep-log draws log-uniform from --p2-keep-min: it needs --p2-keep-min > 0",
                 "log-uniform keep fractions from 0");
}

// A copy of a bundle whose last encoder layer has channel `c` switched off (bias -1000: its
// ReLU is zero on every image), as the rate term leaves a channel it has shut.
fs::path with_dead_channel(const fs::path& src, const fs::path& dst, int c) {
  const LoadedBundle b = load_bundle(src.string());
  BundleTensor t;
  std::string last;
  for (int i = 0; b.view.find(("encoder." + std::to_string(i) + ".bias").c_str(), &t); ++i)
    last = "encoder." + std::to_string(i) + ".bias";
  EXPECT_TRUE(b.view.find(last.c_str(), &t)) << last;
  std::vector<float> bias(t.bytes / sizeof(float));
  std::memcpy(bias.data(), t.data, t.bytes);
  bias[static_cast<size_t>(c)] = -1000.0f;
  BundleWriter w(b.view.parts());
  w.copy_from(b.view, {last});
  w.add_f32(last, {static_cast<uint32_t>(bias.size())}, bias.data());
  w.write(dst.string(), b.view.model_id());
  return dst;
}

// --revive-dead-channels: a channel that the --init-from bundle has switched off stays off
// without it (no gradient); with it, the run logs the channel, gives it a new filter that is
// on for about half the positions, and leaves the live channels' filters as they were.
// (Refused with --p2-cloud-only: CloudOnlyUpdateKeepsTheDeployedDevicePartAndItsId.)
TEST(TrainRecipe, ReviveDeadChannelsGivesADeadChannelANewFilter) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const fs::path& model = tiny_model();
  const fs::path dir = temp_dir("revive");
  const fs::path dead = with_dead_channel(model, dir / "dead.lnm", 1);
  auto export_only = [&](const std::string& name, bool revive) {
    train::TrainOptions o = tiny(dir / name);
    o.classifier_from = dead.string();
    o.init_from = dead.string();
    o.p1_epochs = o.p2_epochs = 0;
    o.revive_dead_channels = revive;
    train::run_training(o);
    return dir / name;
  };
  const fs::path kept = export_only("kept", false), revived = export_only("revived", true);
  EXPECT_TRUE(last_logged(kept, "revive").is_null());
  EXPECT_EQ(last_logged(revived, "revive")["channels"], nlohmann::json::array({1}));
  // The calibrated range: the dead channel's is the floor, the revived one sends again.
  const auto qmax = [](const fs::path& run) { return last_logged(run, "calibration")["quant_max"]; };
  EXPECT_LE(qmax(kept)[1].get<double>(), 1.001e-3);
  EXPECT_GT(qmax(revived)[1].get<double>(), 1e-2);
  for (int c : {0, 2, 3}) EXPECT_EQ(qmax(kept)[c], qmax(revived)[c]) << "channel " << c;
}

// --p1-task-weight: phase 1 adds the task loss through the frozen classifier, so its logged
// loss is reconstruction + saliency + that weight x a cross-entropy; without it, only the first
// two (the paper). A negative or NaN weight is refused by name.
TEST(TrainRecipe, Phase1TaskWeightAddsTheTaskLoss) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const fs::path& model = tiny_model();
  const fs::path dir = temp_dir("p1_task");
  auto task_part = [&](const std::string& name, double weight) {
    train::TrainOptions o = tiny(dir / name);
    o.classifier_from = model.parent_path().string();
    o.p2_epochs = 0;
    o.p1_task_weight = weight;
    train::run_training(o);
    const nlohmann::json p1 = last_logged(dir / name, "phase1");
    EXPECT_EQ(last_logged(dir / name, "data")["options"].value("p1_task_weight", -1.0), weight);
    return p1.value("loss", 0.0) - p1.value("recon_mse", 0.0) - o.saliency_weight * p1.value("saliency_bce", 0.0);
  };
  EXPECT_NEAR(task_part("paper", 0.0), 0.0, 1e-4);
  const double ce = task_part("task", 1.0);
  EXPECT_GT(ce, 0.1) << "a cross-entropy over 10 classes after one tiny epoch";
  EXPECT_LT(ce, 10.0);
  train::TrainOptions negative = tiny(dir / "bad");
  negative.p1_task_weight = -1;
  expect_refused(negative, "--p1-task-weight must be a number >= 0", "a negative --p1-task-weight");
  train::TrainOptions nan = tiny(dir / "bad2");
  nan.p1_task_weight = std::nan("");
  expect_refused(nan, "--p1-task-weight must be a number >= 0", "a NaN --p1-task-weight");
}

TEST(TrainRecipe, EmptyDatasetFolderIsAnError) {
  const fs::path dir = temp_dir("empty");
  fs::create_directories(dir / "train" / "a");
  fs::create_directories(dir / "test" / "a");
  train::TrainOptions o = tiny(dir / "run");
  o.data = dir.string();
  EXPECT_THROW(train::run_training(o), std::exception);
}

TEST(TrainRecipe, CostTableListsEveryPreset) {
  const std::string t = train::preset_cost_table();
  for (const char* name : {"paper224", "cifar32", "fmnist28"}) EXPECT_NE(t.find(name), std::string::npos);
}

}  // namespace
}  // namespace limitnet

namespace limitnet {
namespace {

// A TorchScript classifier made offline by Debian's python3-torch (the way a user brings,
// e.g., EfficientNet-B0 exported from Python). Skips when python3 cannot import torch.
TEST(TrainRecipe, TorchScriptClassifierPlugsIn) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const fs::path dir = temp_dir("ts");
  const fs::path script = dir / "make_ts.py", ts = dir / "classifier.pt";
  std::ofstream(script) << "import sys, torch\n"
                           "torch.manual_seed(0)\n"
                           "class Net(torch.nn.Module):\n"
                           "    def __init__(self):\n"
                           "        super().__init__()\n"
                           "        self.c = torch.nn.Conv2d(1, 8, 3, padding=1)\n"
                           "        self.f = torch.nn.Linear(8, 10)\n"
                           "    def forward(self, x):\n"
                           "        return self.f(torch.relu(self.c(x)).mean(dim=(2, 3)))\n"
                           "torch.jit.script(Net()).save(sys.argv[1])\n";
  // Debian's interpreter first: a pyenv or venv python on PATH usually lacks Debian's torch.
  const std::string cmd = "(/usr/bin/python3 " + script.string() + " " + ts.string() + " || python3 " +
                          script.string() + " " + ts.string() + ") >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0 || !fs::exists(ts)) {
    GTEST_SKIP() << "python3 with torch not available (apt-get install python3-torch)";
  }
  train::TrainOptions o = tiny(dir / "run");
  o.classifier_ts = ts.string();
  train::run_training(o);
  const CloudModel cloud((dir / "run" / "model.lnm").string());
  std::vector<float> zero(static_cast<size_t>(cloud.latent_elements()), 0.0f);
  const std::vector<float> p = cloud.classify(zero.data(), 1);
  ASSERT_EQ(p.size(), 10u);
  double sum = 0;
  for (float v : p) sum += v;
  EXPECT_NEAR(sum, 1.0, 1e-4);
  // Its bundle cannot seed --classifier-from, which reuses the built-in ResNet only.
  train::TrainOptions reuse = tiny(dir / "reuse");
  reuse.classifier_from = (dir / "run" / "model.lnm").string();
  try {
    train::run_training(reuse);
    FAIL() << "a TorchScript bundle was accepted by --classifier-from";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("built-in ResNet classifier"), std::string::npos) << e.what();
  }
  // A file that is not TorchScript is refused with its name.
  train::TrainOptions bad = tiny(dir / "run2");
  bad.classifier_ts = script.string();
  try {
    train::run_training(bad);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("make_ts.py"), std::string::npos) << e.what();
  }
}

// --rate-lambda: the loss charges the sent values' bits under a learned entropy model; the
// log reports them, a larger lambda sends fewer bytes, and --val-holdout validates on
// training images; --init-from also takes a bundle. Bad values are refused by name.
TEST(TrainRecipe, RateAwareTrainingChargesTheSentBits) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const fs::path& model = tiny_model();
  const fs::path dir = temp_dir("rate");
  auto run = [&](const std::string& name, double lambda) {
    train::TrainOptions o = fine_tune_of(model, dir / name, 2);  // --init-from a bundle, not a run directory
    o.p2_lr = 5e-3;
    o.latent_bits = 6;
    // The tiny model's classifier is at chance, so with the task loss alone both lambdas empty
    // the latent within these few Adam steps and the bytes compared would be the entropy
    // model's rounding noise (seen on a GPU); reconstruction keeps it alive against the gentle one.
    o.p2_mse_weight = 10;
    o.rate_lambda = lambda;
    o.val_holdout = 32;
    train::run_training(o);
    std::ifstream log(dir / name / "log.jsonl");
    double bytes = -1;
    std::string val;
    for (std::string line; std::getline(log, line);) {
      const nlohmann::json j = nlohmann::json::parse(line);
      if (j["stage"] == "data") val = j["val"].get<std::string>();
      if (j["stage"] == "phase2") bytes = j["val_rate_bytes_full"].get<double>();
    }
    EXPECT_EQ(val, "32 training images held out (one in 4)");
    return bytes;
  };
  const double gentle = run("gentle", 0.01), strict = run("strict", 50.0);
  EXPECT_GT(gentle, 0.0);
  EXPECT_LT(strict, 0.5 * gentle) << "a larger --rate-lambda must send far fewer bytes";
  EXPECT_TRUE(fs::exists(dir / "strict" / "entropy.pt"));

  train::TrainOptions negative = tiny(dir / "bad1");
  negative.rate_lambda = -1;
  expect_refused(negative, "--rate-lambda must be a number >= 0", "a negative --rate-lambda");
  train::TrainOptions nan = tiny(dir / "bad2");
  nan.rate_lambda = std::nan("");
  expect_refused(nan, "--rate-lambda must be a number >= 0", "a NaN --rate-lambda");
  train::TrainOptions holdout = tiny(dir / "bad3");
  holdout.val_holdout = 128;
  expect_refused(holdout, "--val-holdout must be between 1 and", "a holdout as large as the training split");
  train::TrainOptions p1 = tiny(dir / "bad4");
  p1.p1_rate_lambda = -0.5;
  expect_refused(p1, "--p1-rate-lambda must be a number >= 0", "a negative --p1-rate-lambda");
  train::TrainOptions free_bits = tiny(dir / "bad5");
  free_bits.rate_free_bits = -1;
  expect_refused(free_bits, "--rate-free-bits must be a number >= 0", "a negative --rate-free-bits");
  free_bits.rate_free_bits = std::nan("");
  expect_refused(free_bits, "--rate-free-bits must be a number >= 0", "a NaN --rate-free-bits");
}

// --rate-channel-weights: weighing channel 0's bits more moves bytes out of channel 0 (the
// log's per-channel validation bytes show it); too many weights or a negative one are
// refused by name.
TEST(TrainRecipe, RateChannelWeightsMoveBytesOutOfTheWeighedChannel) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  // The shipped model: its latent is alive (a tiny run's is still all zeros, so no rate
  // gradient reaches its encoder).
  const fs::path model = fs::path(LIMITNET_SOURCE_DIR) / "models" / "fmnist28" / "model.lnm";
  const fs::path dir = temp_dir("weights");
  auto channel0_share = [&](const std::string& name, const std::vector<double>& weights) {
    train::TrainOptions o = fine_tune_of(model, dir / name, 2);
    o.preset.clear();  // the shipped model's architecture (models/fmnist28/MODEL.md)
    o.arch = (fs::path(LIMITNET_SOURCE_DIR) / "models" / "arch" / "fmnist28cw.json").string();
    o.interlace_stride = 2;
    o.coarse_channels = 6;
    o.decoder = "pyramid";
    o.decoder_width = 64;
    o.gradual = 1.0;
    o.p2_lr = 1e-3;
    o.rate_lambda = 5.0;
    o.rate_channel_weights = weights;
    train::run_training(o);
    std::ifstream log(dir / name / "log.jsonl");
    std::vector<double> bytes;
    double logged_total = 0;
    for (std::string line; std::getline(log, line);) {
      const nlohmann::json j = nlohmann::json::parse(line);
      if (j["stage"] == "phase2") {
        bytes = j["val_rate_bytes_channels"].get<std::vector<double>>();
        logged_total = j["val_rate_bytes_full"].get<double>();
      }
    }
    EXPECT_EQ(bytes.size(), 10u) << "fmnist28cw: one figure per latent channel";
    double total = 0;
    for (double b : bytes) total += b;
    EXPECT_NEAR(total, logged_total, 1e-6 * logged_total);
    return bytes.empty() || total <= 0 ? -1.0 : bytes[0] / total;
  };
  const double plain = channel0_share("plain", {}), weighed = channel0_share("weighed", {100.0});
  EXPECT_GT(plain, 0.0);
  EXPECT_LT(weighed, plain) << "channel 0's bits weigh 100 times: its share of the bytes must fall";

  train::TrainOptions many = tiny(dir / "bad1");
  many.rate_lambda = 0.1;
  many.rate_channel_weights.assign(9, 1.0);
  expect_refused(many, "--rate-channel-weights has 9 weights for a latent of 8 channels", "nine weights");
  train::TrainOptions negative = tiny(dir / "bad2");
  negative.rate_lambda = 0.1;
  negative.rate_channel_weights = {1.0, -2.0};
  expect_refused(negative, "--rate-channel-weights: every weight must be a number >= 0", "a negative weight");
  negative.rate_channel_weights = {std::nan("")};
  expect_refused(negative, "--rate-channel-weights: every weight must be a number >= 0", "a NaN weight");
  train::TrainOptions no_rate = tiny(dir / "bad3");
  no_rate.rate_channel_weights = {2.0};
  expect_refused(no_rate, "it needs --rate-lambda > 0", "weights without a rate term");
}

// --learned-step: the per-channel step is trained (the rate term pulls it up, the task down)
// and the bundle quantises with exactly the learned ranges, [0, step x top], not the
// calibration images' percentiles.
TEST(TrainRecipe, LearnedStepIsTrainedAndKeptByTheBundle) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const fs::path& model = tiny_model();
  const fs::path dir = temp_dir("step");
  train::TrainOptions o = fine_tune_of(model, dir, 2);
  o.p2_lr = 5e-3;
  o.rate_lambda = 5.0;
  o.learned_step = true;
  train::run_training(o);
  auto ranges = [](const fs::path& bundle) {
    const LoadedBundle b = load_bundle(bundle.string());
    auto codec = std::make_unique<CodecModel>();
    EXPECT_EQ(load_codec_model(b.view, codec.get()), Status::kOk);
    return std::move(codec);
  };
  const auto before = ranges(model), after = ranges(dir / "model.lnm");
  torch::Tensor learned;
  torch::load(learned, (dir / "qmax.pt").string());
  ASSERT_EQ(learned.numel(), after->config.latent_channels);
  double coarser = 0;  // mean log change of the step; each Adam step moves it by about the LR
  for (int c = 0; c < after->config.latent_channels; ++c) {
    EXPECT_EQ(after->quant_min[c], 0.0f) << "channel " << c;
    EXPECT_FLOAT_EQ(after->quant_max[c], learned[c].item<float>()) << "channel " << c;
    coarser +=
        std::log(static_cast<double>(after->quant_max[c]) / before->quant_max[c]) / after->config.latent_channels;
  }
  EXPECT_GT(coarser, 1e-3) << "a strong rate term must make the steps coarser";
}

// --tables learned: the bundle's entropy tables are the rate term's learned distribution
// (entropy.pt), on the latent ranges training used (qmax.pt), not a fit to the calibration
// symbols; the log gives what each costs. Without a rate term there is no such model.
TEST(TrainRecipe, LearnedTablesComeFromTheEntropyModel) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const fs::path& model = tiny_model();
  const fs::path dir = temp_dir("tables");
  train::TrainOptions o = fine_tune_of(model, dir / "run", 1);
  o.rate_lambda = 1.0;
  o.rate_model_lr = 0.05;  // its own group, so the model leaves its prior in one short epoch
  o.tables = "learned";
  train::run_training(o);
  const LoadedBundle b = load_bundle((dir / "run" / "model.lnm").string());
  auto codec = std::make_unique<CodecModel>();
  ASSERT_EQ(load_codec_model(b.view, codec.get()), Status::kOk);
  const int l = codec->config.latent_channels, symbols = codec->config.symbols();
  torch::Tensor qmax;
  torch::load(qmax, (dir / "run" / "qmax.pt").string());
  train::LatentEntropyModel entropy(l, symbols);
  torch::load(entropy, (dir / "run" / "entropy.pt").string());
  const torch::Tensor pmf = torch::softmax(entropy->logits.detach(), 1);
  for (int c = 0; c < l; ++c) {
    EXPECT_EQ(codec->quant_min[c], 0.0f) << "channel " << c;
    EXPECT_FLOAT_EQ(codec->quant_max[c], qmax[c].item<float>()) << "channel " << c;
    for (int s = 0; s < symbols; ++s) {
      // Frequencies out of kRansTotal, each at least 1: the distribution up to rounding.
      const double freq = codec->rans[c].freq[s] / static_cast<double>(kRansTotal);
      EXPECT_NEAR(freq, pmf[c][s].item<double>(), 2.0 / kRansTotal + 0.01 * pmf[c][s].item<double>())
          << "channel " << c << ", symbol " << s;
    }
  }
  std::ifstream log(dir / "run" / "log.jsonl");
  nlohmann::json calibration;
  for (std::string line; std::getline(log, line);) {
    const nlohmann::json j = nlohmann::json::parse(line);
    if (j["stage"] == "calibration") calibration = j;
  }
  ASSERT_FALSE(calibration.is_null());
  EXPECT_EQ(calibration["tables"], "learned");
  // Any table costs the calibration symbols at least their empirical entropy.
  EXPECT_GE(calibration["table_bits_per_value"].get<double>(), calibration["entropy_bits_per_value"].get<double>());

  train::TrainOptions no_rate = tiny(dir / "bad1");
  no_rate.tables = "learned";
  expect_refused(no_rate, "--tables learned needs the entropy model a rate term trains", "--tables learned, no rate");
  train::TrainOptions resumed = o;  // its optimiser state has the entropy model's own group
  resumed.resume = true;
  resumed.p2_epochs = 2;
  resumed.rate_model_lr = 0;
  expect_refused(resumed, "trained with another --rate-model-lr", "a resume with another --rate-model-lr");
  train::TrainOptions unknown = tiny(dir / "bad3");
  unknown.tables = "huffman";
  expect_refused(unknown, "--tables must be calibration or learned, got 'huffman'", "--tables huffman");
  train::TrainOptions lr = tiny(dir / "bad2");
  lr.rate_model_lr = -0.01;
  expect_refused(lr, "--rate-model-lr must be a number >= 0", "a negative --rate-model-lr");
}

// --arch: an architecture that is no preset (models/arch/gray96.json, 96x96 gray) trains end
// to end from its JSON file, and the exported bundle encodes on the int8 device runtime with
// the same symbols as the float network on most values.
TEST(TrainRecipe, TrainsAnArchitectureFile) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const fs::path dir = temp_dir("arch");
  train::TrainOptions o = tiny(dir / "g96");
  o.arch = std::string(LIMITNET_SOURCE_DIR) + "/models/arch/gray96.json";
  o.saliency_grid = 0;  // the file's grid
  train::run_training(o);
  const std::string bundle = (dir / "g96" / "model.lnm").string();
  const DevicePipeline pipeline(bundle);
  EXPECT_EQ(pipeline.input_size(), 96);
  EXPECT_EQ(pipeline.codec().config.latent_side, 12);
  std::vector<uint8_t> frame(96 * 96);
  for (size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<uint8_t>((i * 7) % 251);
  const EncodedImage device = encode_int8(pipeline, bundle, frame.data(), 3, 51);
  const EncodedImage reference = pipeline.encode(frame.data(), 3, 51);
  ASSERT_EQ(device.symbols.size(), reference.symbols.size());
  size_t same = 0;
  for (size_t i = 0; i < device.symbols.size(); ++i) same += device.symbols[i] == reference.symbols[i];
  EXPECT_GT(same, device.symbols.size() * 8 / 10) << same << " of " << device.symbols.size();
  EXPECT_FALSE(device.packets.empty());
}

}  // namespace
}  // namespace limitnet
