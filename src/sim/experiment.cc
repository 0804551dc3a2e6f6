#include "sim/experiment.h"

#include <algorithm>
#include <chrono>
#include <sstream>
#include <stdexcept>

#include "baselines/baselines.h"
#include "codec/bundle/bundle.h"
#include "codec/config.h"
#include "codec/host/bundle_file.h"
#include "codec/host/model_file.h"
#include "codec/presets.h"
#include "data/dataset.h"
#include "model/judge_info.h"
#include "model/pipeline.h"
#include "sim/simulation_record.h"
#include "sim/time_plot.h"
#include "sim/untrained_model.h"

namespace limitnet::sim {
namespace {

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

std::string shape(int width, int height, int channels) {
  return std::to_string(width) + "x" + std::to_string(height) + "x" + std::to_string(channels);
}

// A model of the run: the device pipeline that makes the packets and, when the bundle has
// a cloud part (and the build a loader), the classifier of what arrives.
struct RunModel {
  std::unique_ptr<DevicePipeline> pipeline;
  std::string what;  // for the output
  CloudClassifier cloud;
  Classifier classifier;    // empty: no accuracy
  std::string no_accuracy;  // why there is no classifier
};

// The classes of the cloud part must be the dataset's.
RunModel load_run_model(const std::string& path, const std::string& cloud_path, const data::Dataset& test,
                        const ExperimentPlan& plan) {
  RunModel m;
  m.pipeline = std::make_unique<DevicePipeline>(path);
  m.what = path;
  const bool has_cloud = !cloud_path.empty() || (m.pipeline->bundle().parts() & kBundlePartCloud) != 0;
  if (!has_cloud) {
    m.no_accuracy = path + " has only a device part (no cloud classifier)";
    return m;
  }
  if (!plan.load_cloud) {
    m.no_accuracy = "this build has no libtorch, so no cloud classifier (install libtorch-dev and rebuild)";
    return m;
  }
  m.cloud = plan.load_cloud(path, cloud_path, plan.threads);
  const int classes = m.cloud.probabilities.num_classes;
  if (classes != test.num_classes()) {
    throw std::invalid_argument("model '" + path + "' classifies " + std::to_string(classes) + " classes but '" +
                                test.description() + "' has " + std::to_string(test.num_classes()) +
                                "; use a model trained on this dataset");
  }
  m.classifier = make_classifier(m.cloud.probabilities);
  m.what += " (" + m.cloud.description + ")";
  return m;
}

// An untrained model whose preset matches the dataset's images (fmnist28 for
// Fashion-MNIST, cifar32 for CIFAR), calibrated on 256 of its training images.
RunModel untrained_model(const std::string& data, const data::Dataset& native) {
  int n = 0;
  const PresetSpec* presets = all_presets(&n);
  const PresetSpec* preset = nullptr;
  std::string valid;
  for (int i = 0; i < n; ++i) {
    const PresetSpec& p = presets[i];
    valid += (valid.empty() ? "" : ", ") + std::string(p.name) + " (" +
             shape(p.input_size, p.input_size, p.input_channels) + ")";
    if (!preset && p.input_size == native.width() && p.input_size == native.height() &&
        p.input_channels == native.channels()) {
      preset = &p;
    }
  }
  if (!preset) {
    throw std::invalid_argument("no model preset takes the " +
                                shape(native.width(), native.height(), native.channels()) + " images of '" + data +
                                "'; pass a model with -m (presets: " + valid + ")");
  }
  auto train =
      data::open_dataset(data, data::Split::Train, preset->input_size, preset->input_size, preset->input_channels, 256);
  std::vector<uint8_t> buf(train->image_bytes());
  RunModel m;
  m.pipeline = untrained_pipeline(*preset, 1, static_cast<int>(train->size()), [&](int i) {
    train->get(static_cast<size_t>(i), buf.data(), nullptr);
    return buf.data();
  });
  m.what = "untrained " + std::string(preset->name) + " (random weights, seed 1) calibrated on " +
           std::to_string(train->size()) + " training images of " + data;
  m.no_accuracy = "no trained cloud classifier in this run";
  return m;
}

std::vector<Scenario> checked_scenarios(const ExperimentPlan& plan) {
  if (plan.table6 && plan.overrides.loss) {
    throw std::invalid_argument("--table6 sets the loss (10, 40, 70%); drop --loss");
  }
  const std::vector<std::string> which = plan.table6 ? std::vector<std::string>{"table6-10", "table6-40", "table6-70"}
                                                     : std::vector<std::string>{plan.scenario};
  std::vector<Scenario> scenarios;
  for (const std::string& name : which) {
    Scenario sc = make_scenario(name);
    apply_overrides(&sc, plan.overrides);
    scenarios.push_back(std::move(sc));
  }
  return scenarios;
}

std::vector<std::string> checked_method_names(const ExperimentPlan& plan) {
  std::vector<std::string> names = plan.methods;
  if (names.empty()) throw std::invalid_argument("empty --methods list; valid: " + joined(method_names()));
  const auto& valid = method_names();
  for (const std::string& n : names) {
    if (std::find(valid.begin(), valid.end(), n) == valid.end()) {
      throw std::invalid_argument("unknown method '" + n + "'; valid: " + joined(valid));
    }
  }
  const bool starfish_listed = std::find(names.begin(), names.end(), "starfish") != names.end();
  if (starfish_listed && plan.starfish_model.empty()) {
    throw std::invalid_argument(
        "method 'starfish' needs its own model: pass --starfish-model PATH (a bundle trained with random "
        "dropout and no saliency)");
  }
  if (!starfish_listed && !plan.starfish_model.empty()) names.push_back("starfish");
  return names;
}

// Another bundle's classifier for pictures, checked against the model's task; `flag`
// names the option for the messages.
CloudClassifier load_picture_judge(const ExperimentPlan& plan, const RunModel& model, const std::string& path,
                                   const std::string& flag) {
  if (!plan.load_cloud) throw std::invalid_argument(flag + " needs a build with libtorch");
  if (!model.classifier) {
    throw std::invalid_argument(flag + " needs -m with a cloud part (its latents are judged by it)");
  }
  CloudClassifier judge = plan.load_cloud(path, "", plan.threads);
  const int size = model.pipeline->input_size(), channels = model.pipeline->input_channels();
  const int classes = model.cloud.probabilities.num_classes;
  if (judge.probabilities.num_classes != classes || judge.input_size != size || judge.input_channels != channels) {
    throw std::invalid_argument(flag + " '" + path + "' classifies " +
                                shape(judge.input_size, judge.input_size, judge.input_channels) + " images into " +
                                std::to_string(judge.probabilities.num_classes) + " classes; -m needs " +
                                shape(size, size, channels) + " and " + std::to_string(classes));
  }
  return judge;
}

// The model's classifier with `judge` for decoded pictures; the judge lives as long as it.
void judge_pictures_by(const CloudClassifier& judge, const RunModel& model, Classifier* classifier,
                       std::shared_ptr<const void>* owner) {
  ProbabilityModel mixed = model.cloud.probabilities;
  mixed.classify_images = judge.probabilities.classify_images;
  *classifier = make_classifier(mixed);
  *owner = std::make_shared<std::pair<std::shared_ptr<const void>, std::shared_ptr<const void>>>(model.cloud.owner,
                                                                                                 judge.owner);
}

// The codecs' pictures judged by another bundle's classifier, LimitNet's latents by the
// model's own (see `limitnet eval --baseline-judge`).
void use_baseline_judge(const ExperimentPlan& plan, RunModel* model) {
  const CloudClassifier judge = load_picture_judge(plan, *model, plan.baseline_judge, "--baseline-judge");
  judge_pictures_by(judge, *model, &model->classifier, &model->cloud.owner);
}

// The codecs a tuned judge may be given for: the methods that are classical codecs, in
// method_names() order.
std::vector<std::string> picture_codecs() {
  const std::vector<std::string>& codecs = baselines::codec_names();
  std::vector<std::string> out;
  for (const std::string& m : method_names()) {
    if (std::find(codecs.begin(), codecs.end(), m) != codecs.end()) out.push_back(m);
  }
  return out;
}

// One codec's pictures judged by the judge tuned for it (--codec-judge).
struct CodecJudge {
  std::string codec, path;
  Classifier classifier;
  std::shared_ptr<const void> owner;
};

std::vector<CodecJudge> load_codec_judges(const ExperimentPlan& plan, const std::vector<std::string>& methods,
                                          const RunModel& model) {
  std::vector<CodecJudge> out;
  for (const CodecJudgeSpec& spec : parse_codec_judges(plan.codec_judges, picture_codecs(), methods, "--methods")) {
    require_codec_judge(load_bundle(spec.path).view, spec);
    const CloudClassifier judge = load_picture_judge(plan, model, spec.path, "--codec-judge");
    CodecJudge j{spec.codec, spec.path, {}, {}};
    judge_pictures_by(judge, model, &j.classifier, &j.owner);
    out.push_back(std::move(j));
  }
  return out;
}

// The models of the run, loaded and checked against the dataset and each other.
struct RunModels {
  std::unique_ptr<data::Dataset> native;  // the dataset as it is (one image)
  RunModel model, starfish;
  std::vector<CodecJudge> codec_judges;
};

RunModels load_models(const ExperimentPlan& plan) {
  RunModels r;
  r.native = data::open_dataset(plan.data, data::Split::Test, 0, 0, 0, 1);
  const data::Dataset& native = *r.native;
  r.model =
      plan.model.empty() ? untrained_model(plan.data, native) : load_run_model(plan.model, plan.cloud, native, plan);
  const int size = r.model.pipeline->input_size(), channels = r.model.pipeline->input_channels();
  if (!plan.resize && (native.width() != size || native.height() != size || native.channels() != channels)) {
    throw std::invalid_argument("dataset '" + plan.data + "' has " +
                                shape(native.width(), native.height(), native.channels()) +
                                " images but the model expects " + shape(size, size, channels) +
                                "; pass --resize to convert (area/bilinear resize, BT.601 gray), or "
                                "use a model made for this dataset (limitnet model presets)");
  }
  if (!plan.baseline_judge.empty()) use_baseline_judge(plan, &r.model);
  r.codec_judges = load_codec_judges(plan, checked_method_names(plan), r.model);
  if (!plan.starfish_model.empty()) {
    r.starfish = load_run_model(plan.starfish_model, "", native, plan);
    const DevicePipeline& s = *r.starfish.pipeline;
    if (s.input_size() != size || s.input_channels() != channels) {
      throw std::invalid_argument("--starfish-model '" + plan.starfish_model + "' takes " +
                                  shape(s.input_size(), s.input_size(), s.input_channels()) + " images, -m takes " +
                                  shape(size, size, channels) + "; both must see the same images");
    }
  }
  if (plan.needs_accuracy && !r.model.classifier && !r.starfish.classifier) {
    throw std::invalid_argument(
        "--plot draws top-1 against time and needs a cloud classifier: pass -m with a trained bundle "
        "that has a cloud part (" +
        r.model.no_accuracy + ")");
  }
  return r;
}

// The methods of one model, made from one context.
struct MethodSet {
  std::vector<std::unique_ptr<Method>> owned;
  std::vector<const Method*> methods;
  const Classifier* classifier = nullptr;
};

MethodSet make_methods(const std::vector<std::string>& names, const MethodContext& ctx, const Classifier& classifier) {
  MethodSet set;
  set.classifier = &classifier;
  for (const std::string& n : names) {
    set.owned.push_back(make_method(n, ctx));
    set.methods.push_back(set.owned.back().get());
  }
  return set;
}

// One scenario: each model's methods with that model's classifier, over the same channels
// (the same seed gives every method the same link per image), curves in `order`.
SimulationResult run_scenario(const Scenario& sc, const std::vector<const MethodSet*>& sets, const ImageSource& src,
                              SimulationOptions so, const std::vector<std::string>& order,
                              const std::function<void(std::size_t)>& progress) {
  SimulationResult merged;
  std::size_t done_before = 0;
  for (const MethodSet* set : sets) {
    if (set->methods.empty()) continue;
    so.progress = [&](std::size_t done) { progress(done_before + done); };
    SimulationResult r = simulate(sc, set->methods, src, so, *set->classifier);
    done_before += src.count;
    if (merged.curves.empty()) {
      merged = std::move(r);
      continue;
    }
    merged.classified = merged.classified || r.classified;
    merged.seconds_encode += r.seconds_encode;
    merged.seconds_transmit += r.seconds_transmit;
    merged.seconds_receive += r.seconds_receive;
    for (MethodCurve& c : r.curves) merged.curves.push_back(std::move(c));
  }
  std::stable_sort(merged.curves.begin(), merged.curves.end(), [&](const MethodCurve& a, const MethodCurve& b) {
    return std::find(order.begin(), order.end(), a.method) < std::find(order.begin(), order.end(), b.method);
  });
  return merged;
}

// Every scenario over the test images, the model's methods and the starfish model's.
std::vector<SimulationResult> run_scenarios(const ExperimentPlan& plan, const std::vector<Scenario>& scenarios,
                                            const std::vector<std::string>& names, const RunModels& models,
                                            const data::Dataset& test, const ExperimentProgress& progress) {
  const int size = models.model.pipeline->input_size(), channels = models.model.pipeline->input_channels();
  MethodContext ctx;
  ctx.pipeline = models.model.pipeline.get();
  ctx.max_payload = scenarios.front().payload_bytes;
  ctx.quality = plan.quality;
  ctx.cache = std::make_shared<EncodeCache>(256);  // one LimitNet encoding per image
  // A codec with its own judge (--codec-judge) runs as a set of its own, with that judge.
  auto judge_of = [&](const std::string& n) {
    return std::find_if(models.codec_judges.begin(), models.codec_judges.end(),
                        [&](const CodecJudge& j) { return j.codec == n; });
  };
  std::vector<std::string> main_names, starfish_names;
  for (const std::string& n : names) {
    if (judge_of(n) == models.codec_judges.end()) (n == "starfish" ? starfish_names : main_names).push_back(n);
  }
  std::vector<MethodSet> sets;
  sets.push_back(make_methods(main_names, ctx, models.model.classifier));
  for (const CodecJudge& j : models.codec_judges) sets.push_back(make_methods({j.codec}, ctx, j.classifier));
  MethodContext starfish_ctx = ctx;
  starfish_ctx.pipeline = models.starfish.pipeline.get();
  starfish_ctx.cache = nullptr;  // one method: nothing to share
  sets.push_back(make_methods(starfish_names, starfish_ctx, models.starfish.classifier));
  std::vector<const MethodSet*> set_list;
  for (const MethodSet& set : sets) {
    if (!set.methods.empty()) set_list.push_back(&set);
  }

  ImageSource src;
  src.count = test.size();
  src.image = [&](size_t i, data::Image* img, int* label) {
    if (img->width != size || img->height != size || img->channels != channels)
      *img = data::Image(size, size, channels);
    test.get(i, img->pixels.data(), label);
  };
  SimulationOptions so;
  so.seed = plan.seed;
  so.cameras = plan.cameras;
  so.cross = parse_cross_image_policy(plan.schedule);
  const std::size_t runs = set_list.size();
  const std::size_t total = src.count * runs * scenarios.size();
  if (progress) progress(0, total);
  std::vector<SimulationResult> results;
  for (const Scenario& sc : scenarios) {
    const std::size_t offset = results.size() * src.count * runs;
    results.push_back(run_scenario(sc, set_list, src, so, names, [&](std::size_t done) {
      if (progress) progress(offset + done, total);
    }));
  }
  return results;
}

void describe(const ExperimentPlan& plan, const RunModels& models, ExperimentResult* out) {
  out->model = models.model.what;
  out->model_classifies = static_cast<bool>(models.model.classifier);
  out->no_accuracy = models.model.no_accuracy;
  out->accuracy = out->model_classifies ? "top1/top5 per point (cloud part of the model)"
                                        : "not available: " + models.model.no_accuracy;
  if (!plan.baseline_judge.empty()) {
    out->accuracy = "top1/top5 per point (LimitNet: cloud part of the model; codec pictures: classifier of " +
                    plan.baseline_judge + ")";
  }
  if (!models.codec_judges.empty()) {
    std::string tuned;
    for (const CodecJudge& j : models.codec_judges) tuned += (tuned.empty() ? "" : ", ") + j.codec + ": " + j.path;
    out->accuracy += "; pictures judged by their codec-tuned judge (" + tuned + ")";
  }
  if (plan.starfish_model.empty()) return;
  out->starfish_model = models.starfish.what;
  out->starfish_classifies = static_cast<bool>(models.starfish.classifier);
  out->starfish_no_accuracy = models.starfish.no_accuracy;
  out->starfish_accuracy = out->starfish_classifies ? "top1/top5 per point (cloud part of the starfish model)"
                                                    : "not available: " + models.starfish.no_accuracy;
}

SimulationRecord run_record(const ExperimentPlan& plan, const ExperimentResult& r, std::size_t k) {
  SimulationRecord rec = record_of(r.results[k], r.scenarios[k], RecordDetail::kEverything);
  const SimulationResult& run = r.results[k];
  rec.model = r.model;
  rec.data = r.data;
  rec.seed = static_cast<double>(plan.seed);
  rec.quality = plan.quality;
  rec.cameras = static_cast<double>(plan.cameras);
  rec.cross_image_policy = plan.schedule;
  rec.accuracy = r.accuracy;
  rec.accuracy_note =
      "top1/top5: share of images whose label the cloud ranks first / in its first five, from what "
      "has arrived by t; an image with nothing decodable counts as wrong";
  rec.bytes_note =
      "bytes_delivered: payload bytes of distinct packets arrived (LimitNet headers, saliency map "
      "and CRC included); bytes_on_air: every attempt incl. retransmissions plus the link's "
      "per-packet overhead";
  rec.seconds = SimulationSeconds{run.seconds_encode, run.seconds_transmit, run.seconds_receive};
  rec.starfish_model = r.starfish_model;
  rec.starfish_accuracy = r.starfish_accuracy;
  return rec;
}

}  // namespace

std::vector<std::string> split_method_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  if (out.empty()) throw std::invalid_argument("empty --methods list; valid: " + joined(method_names()));
  return out;
}

void check_plan(const ExperimentPlan& plan) {
  const std::vector<Scenario> scenarios = checked_scenarios(plan);
  const std::vector<std::string> names = checked_method_names(plan);
  parse_cross_image_policy(plan.schedule);
  if (plan.cameras < 1 || plan.cameras > 64) throw std::invalid_argument("--cameras must be 1..64");
  for (const std::string& n : names) {
    if (n.rfind("limitnet", 0) == 0 || n == "starfish") {
      check_payload_size(scenarios.front().payload_bytes);
      break;
    }
  }
  if (plan.model.empty() && !plan.cloud.empty()) throw std::invalid_argument("--cloud needs the device part with -m");
}

ExperimentResult run_experiment(const ExperimentPlan& plan, const ExperimentProgress& progress) {
  check_plan(plan);
  const auto start = std::chrono::steady_clock::now();
  ExperimentResult out;
  out.scenarios = checked_scenarios(plan);
  out.methods = checked_method_names(plan);
  const RunModels models = load_models(plan);
  const int size = models.model.pipeline->input_size(), channels = models.model.pipeline->input_channels();
  auto test = data::open_dataset(plan.data, data::Split::Test, size, size, channels, plan.limit);
  out.data = test->description();
  out.results = run_scenarios(plan, out.scenarios, out.methods, models, *test, progress);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  describe(plan, models, &out);
  return out;
}

nlohmann::json experiment_json(const ExperimentPlan& plan, const ExperimentResult& result) {
  if (!plan.table6) return simulation_json(run_record(plan, result, 0));
  Table6Record t;
  for (std::size_t k = 0; k < result.results.size(); ++k) {
    t.runs.push_back(run_record(plan, result, k));
    t.loss.push_back(result.scenarios[k].loss);
  }
  return table6_json(t);
}

std::string experiment_svg(const ExperimentPlan& plan, const ExperimentResult& result) {
  if (plan.table6) {
    return accuracy_time_svg(result.results,
                             {"Table 6 link, 10% loss", "Table 6 link, 40% loss", "Table 6 link, 70% loss"});
  }
  return accuracy_time_svg(result.results, {result.scenarios.front().name + ", " +
                                            std::to_string(result.results.front().images) + " test images"});
}

}  // namespace limitnet::sim
