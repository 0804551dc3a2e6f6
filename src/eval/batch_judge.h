// Batched scoring with a cloud model: what arrives for each test image (a decoded picture
// or a zero-filled latent) is queued, classified `batch` at a time (one libtorch call per
// batch, which is what makes a 10,000-image sweep affordable) and counted as top-1 / top-5
// hits against the image's label. Top-k rule: fewer than k classes beat the label's
// probability, ties going to the smaller class index (sim::in_top_k).
#pragma once
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "cloud/cloud_model.h"
#include "eval/labelled_images.h"

namespace limitnet::eval {

struct TopkHits {
  size_t top1 = 0, top5 = 0;  // images
  TopkHits& operator+=(const TopkHits& o) {
    top1 += o.top1;
    top5 += o.top5;
    return *this;
  }
};

// Verdicts already computed, keyed by test image and a 64-bit FNV-1a hash of the sample's
// bytes (picture or latent): a sample already judged costs no classifier call. jpeg-abbrev
// decodes to exactly jpeg's pixels at the same quality, all scans of progjpeg to jpeg's,
// and an image whose packets have all arrived keeps its latent at every longer prefix.
// The classifier is deterministic, so a hit gives the verdict a call would give.
class VerdictCache {
 public:
  struct Verdict {
    bool top1 = false, top5 = false;
  };
  const Verdict* find(size_t index, uint64_t sample_hash) const;
  void store(size_t index, uint64_t sample_hash, Verdict verdict);
  size_t hits() const { return hits_; }
  size_t size() const { return verdicts_.size(); }
  static uint64_t hash(const uint8_t* bytes, size_t size);

 private:
  struct Key {
    size_t index;
    uint64_t hash;
    bool operator==(const Key& o) const { return index == o.index && hash == o.hash; }
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return static_cast<size_t>(k.hash ^ (k.index * 0x9E3779B97F4A7C15ull)); }
  };
  std::unordered_map<Key, Verdict, KeyHash> verdicts_;
  mutable size_t hits_ = 0;
};

// Queues what arrived for test images and classifies it `batch` at a time:
//  * BatchJudge<uint8_t> (PictureJudge): pictures of the model's input shape (HWC bytes)
//    through the classifier alone (CloudModel::classify_images): how every classical
//    baseline is judged;
//  * BatchJudge<float> (LatentJudge): zero-filled latents (CHW) through the model's decoder
//    and classifier (CloudModel::classify): how LimitNet and the learned baselines are.
// With a VerdictCache, a sample whose bytes were already judged for the same test image is
// not classified again.
template <typename Sample>
class BatchJudge {
 public:
  // `model`, `images` and `cache` (optional) are borrowed and must outlive the judge.
  // batch >= 1. Throws std::invalid_argument when the images do not fit the model.
  BatchJudge(const CloudModel& model, const LabelledImages& images, size_t batch, VerdictCache* cache = nullptr);
  // Queues the sample received for test image `index`: image_bytes() bytes (pictures) or
  // latent_elements() floats (latents).
  void add(size_t index, const Sample* sample);
  // Classifies what is queued and returns the hits since the last take().
  TopkHits take();

 private:
  void flush();
  const CloudModel& model_;
  const LabelledImages& images_;
  size_t batch_;
  VerdictCache* cache_;
  size_t sample_size_;  // values per sample
  std::vector<Sample> samples_;
  std::vector<int> labels_;
  std::vector<size_t> indices_;
  std::vector<uint64_t> hashes_;
  TopkHits hits_;
};

using PictureJudge = BatchJudge<uint8_t>;
using LatentJudge = BatchJudge<float>;

}  // namespace limitnet::eval
