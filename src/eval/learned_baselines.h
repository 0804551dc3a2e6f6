// The learned baselines of `limitnet eval --baselines` come from other model bundles of
// the same task (trained with `limitnet train --dropping random|none`):
//
//  * starfish  (Starfish-like, --dropping random): the bundle's quantised latent packed in
//    flat index order (sim::index_order_packets: DATA-like packets with header, start
//    index, count, Huffman payload and CRC; no saliency map, since nothing is prioritised)
//    and received in a seeded random order, each packet once. Point k = the first k
//    packets of that order; bytes = their sizes. Each packet decodes on its own (it names
//    its index range), so there is no HEAD to wait for: that dependency belongs to
//    LimitNet's format, not to Starfish.
//  * fixedrate (--dropping none): the complete latent in the same index-order packets,
//    one point per bundle; bytes = all its packets.
//
// Bytes count every byte of those packets (framing, payload, CRC), as LimitNet's curve
// does. Latents go through the bundle's own decoder and classifier
// (CloudModel::classify); same_classifier() tells whether that classifier is the one that
// judges LimitNet.
#pragma once
#include <cstdint>
#include <string>

#include "cloud/cloud_model.h"
#include "eval/labelled_images.h"
#include "eval/method_curve.h"

namespace limitnet::eval {

struct LearnedBaselineOptions {
  size_t payload = 51;   // bytes per packet, as LimitNet's
  size_t batch = 128;    // latents per classifier call
  unsigned threads = 1;  // threads encoding images
  uint64_t seed = 1;     // starfish: image i's order is drawn from sim::image_seed(seed, i)
  bool progress = true;
};

// Throws std::runtime_error("<path>: ...") unless `other` takes the images `reference`
// takes (side, channels) and predicts the same classes (count and names).
void require_same_task(const CloudModel& reference, const CloudModel& other, const std::string& other_path);

// True when the two bundle files hold byte-identical classifier.* sections. Throws
// std::runtime_error naming an unreadable file.
bool same_classifier(const std::string& bundle_a, const std::string& bundle_b);

// The bundle's `train.dropping` setting ("random", "none", "gradual"), "" if not recorded.
std::string training_dropping(const CloudModel& model);

// Starfish-like curve of the bundle at `path` (loaded as `model`): one point per packet count.
MethodCurve evaluate_random_packet_order(const CloudModel& model, const std::string& path, const LabelledImages& images,
                                         const LearnedBaselineOptions& options);

// Fixed-rate point of one bundle: the complete latent.
MethodPoint evaluate_complete_latent(const CloudModel& model, const std::string& path, const LabelledImages& images,
                                     const LearnedBaselineOptions& options);

// What `bytes` counts for these two baselines (one line).
std::string learned_bytes_counted();

}  // namespace limitnet::eval
