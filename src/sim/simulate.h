// Accuracy (and everything measurable without a classifier) against time, per method, for
// one scenario. Every image is sent on its own fresh channel from t = 0 (seeded by the run
// seed and the image index, the same seed for every method: common random numbers), and
// the receiver's state is read at each time of the scenario's grid.
//
// The cloud classifier is the caller's: a callback that receives, for a batch of images,
// what the cloud had at one time (Reconstruction) and returns top-1/top-5 correctness.
// Without a callback, no accuracy is reported (never made up).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/methods.h"
#include "sim/scenario.h"

namespace limitnet::sim {

struct Verdict {
  bool top1 = false;
  bool top5 = false;
};
// batch[i] belongs to the image labelled labels[i]; returns one verdict per entry. It is
// called only for images whose reconstruction changed since the previous grid time (the
// units the receiver can use, or whether it can decode at all; the others keep their
// verdict), so the cost follows the number of changes, not images x grid times. Kind
// kNothing asks for the cloud's guess without data.
using Classifier = std::function<std::vector<Verdict>(const std::vector<const Reconstruction*>& batch,
                                                      const std::vector<int>& labels)>;

// Images of the run: `count` images, image(i, &img, &label) fills one.
struct ImageSource {
  std::size_t count = 0;
  std::function<void(std::size_t, data::Image*, int*)> image;
};

struct TimePoint {
  double t_ms = 0.0;
  // Means over images at time t:
  double packets_delivered = 0;  // distinct packets arrived
  double bytes_delivered = 0;    // payload bytes of those packets
  double packets_sent = 0;       // attempts ended by t, retransmissions included
  double bytes_on_air = 0;       // their payload + the link's per-packet overhead, bytes
  double units_fraction = 0;     // latent values / scans / file received, [0, 1]
  double decodable = 0;          // share of images with something decodable, [0, 1]
  // With a classifier only (else negative):
  double top1 = -1;
  double top5 = -1;
};

struct MethodCurve {
  std::string method;
  std::string policy;
  std::string units;
  double mean_packets = 0;  // packets of a complete image
  double mean_bytes = 0;    // payload bytes of a complete image
  std::vector<TimePoint> points;
};

struct SimulationOptions {
  std::uint64_t seed = 1;
  std::size_t batch = 64;  // images per classifier call (rounded up to a multiple of cameras)
  // Cameras sharing one link: consecutive groups of `cameras` images (one per camera, all
  // captured at t = 0) go over one channel, scheduled by `cross` (transmit.h). 1 = every
  // image alone on its own channel.
  std::size_t cameras = 1;
  CrossImagePolicy cross = CrossImagePolicy::kImportance;
  // Called after each batch with the number of images done so far (of ImageSource::count),
  // e.g. to draw a progress bar. Optional.
  std::function<void(std::size_t images_done)> progress;
};

struct SimulationResult {
  std::string scenario;
  std::size_t images = 0;
  bool classified = false;
  std::vector<MethodCurve> curves;
  double seconds_encode = 0;    // wall time preparing packets (encoders)
  double seconds_transmit = 0;  // link simulation
  double seconds_receive = 0;   // decoding (and classification, when given)
};

// Borrowed methods; `classifier` may be empty.
SimulationResult simulate(const Scenario& scenario, const std::vector<const Method*>& methods,
                          const ImageSource& images, const SimulationOptions& options,
                          const Classifier& classifier = Classifier{});

// Seed of the channel for image `index` of a run seeded `seed` (with several cameras, the
// index of the group's first image).
std::uint64_t image_seed(std::uint64_t seed, std::size_t index);

}  // namespace limitnet::sim
