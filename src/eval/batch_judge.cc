#include "eval/batch_judge.h"

#include <stdexcept>
#include <type_traits>

#include "sim/classifier.h"

namespace limitnet::eval {

const VerdictCache::Verdict* VerdictCache::find(size_t index, uint64_t sample_hash) const {
  const auto it = verdicts_.find(Key{index, sample_hash});
  if (it == verdicts_.end()) return nullptr;
  ++hits_;
  return &it->second;
}

void VerdictCache::store(size_t index, uint64_t sample_hash, Verdict verdict) {
  verdicts_[Key{index, sample_hash}] = verdict;
}

uint64_t VerdictCache::hash(const uint8_t* bytes, size_t size) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < size; ++i) h = (h ^ bytes[i]) * 1099511628211ull;
  return h;
}

namespace {
// The model's classifier for one kind of sample.
std::vector<float> classify(const CloudModel& model, const uint8_t* pictures, int n) {
  return model.classify_images(pictures, n);
}
std::vector<float> classify(const CloudModel& model, const float* latents, int n) { return model.classify(latents, n); }
}  // namespace

template <typename Sample>
BatchJudge<Sample>::BatchJudge(const CloudModel& model, const LabelledImages& images, size_t batch, VerdictCache* cache)
    : model_(model), images_(images), batch_(batch), cache_(cache) {
  if (batch == 0) throw std::invalid_argument("eval: batch must be at least 1");
  if (std::is_same<Sample, uint8_t>::value) {
    if (images.side != model.input_size() || images.channels != model.input_channels()) {
      throw std::invalid_argument("eval: pictures of " + std::to_string(images.side) + "x" +
                                  std::to_string(images.side) + "x" + std::to_string(images.channels) +
                                  " do not fit the classifier's input of " + std::to_string(model.input_size()) + "x" +
                                  std::to_string(model.input_size()) + "x" + std::to_string(model.input_channels()));
    }
    sample_size_ = images.image_bytes();
  } else {
    sample_size_ = static_cast<size_t>(model.latent_elements());
  }
  samples_.reserve(batch * sample_size_);
}

template <typename Sample>
void BatchJudge<Sample>::add(size_t index, const Sample* sample) {
  const int label = images_.labels.at(index);
  if (cache_) {
    const uint64_t h = VerdictCache::hash(reinterpret_cast<const uint8_t*>(sample), sample_size_ * sizeof(Sample));
    if (const VerdictCache::Verdict* v = cache_->find(index, h)) {
      hits_.top1 += v->top1;
      hits_.top5 += v->top5;
      return;
    }
    hashes_.push_back(h);
  }
  samples_.insert(samples_.end(), sample, sample + sample_size_);
  labels_.push_back(label);
  indices_.push_back(index);
  if (labels_.size() == batch_) flush();
}

template <typename Sample>
void BatchJudge<Sample>::flush() {
  if (labels_.empty()) return;
  const int classes = model_.num_classes();
  const std::vector<float> p = classify(model_, samples_.data(), static_cast<int>(labels_.size()));
  if (p.size() != labels_.size() * static_cast<size_t>(classes)) {
    throw std::logic_error("eval: classifier returned " + std::to_string(p.size()) + " scores for " +
                           std::to_string(labels_.size()) + " samples");
  }
  for (size_t i = 0; i < labels_.size(); ++i) {
    const float* row = p.data() + i * static_cast<size_t>(classes);
    const VerdictCache::Verdict v{sim::in_top_k(row, classes, labels_[i], 1),
                                  sim::in_top_k(row, classes, labels_[i], 5)};
    hits_.top1 += v.top1;
    hits_.top5 += v.top5;
    if (cache_) cache_->store(indices_[i], hashes_[i], v);
  }
  samples_.clear();
  labels_.clear();
  indices_.clear();
  hashes_.clear();
}

template <typename Sample>
TopkHits BatchJudge<Sample>::take() {
  flush();
  const TopkHits h = hits_;
  hits_ = TopkHits{};
  return h;
}

template class BatchJudge<uint8_t>;
template class BatchJudge<float>;

}  // namespace limitnet::eval
