#include "sim/simulate.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace limitnet::sim {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// One image of one method during a run.
struct Track {
  PreparedImage prep;
  std::vector<std::size_t> by_arrival;  // packet indices in arrival order (arrived only)
  std::vector<double> arrival;          // arrival times in the same order
  std::vector<double> attempt_end;      // every attempt's end, ascending
  std::vector<double> attempt_bytes;    // bytes on air of each attempt
  std::size_t fed = 0;                  // arrivals given to the receiver so far
  std::size_t attempts_done = 0;
  double bytes_delivered = 0, bytes_on_air = 0;
  int label = -1;
  Verdict verdict;
};

// The accumulated top-1/top-5 counts of one method per grid time.
struct Correct {
  std::vector<double> top1, top5;
};

std::vector<MethodCurve> empty_curves(const std::vector<const Method*>& methods, const std::vector<double>& grid) {
  std::vector<MethodCurve> curves(methods.size());
  for (std::size_t m = 0; m < methods.size(); ++m) {
    MethodCurve& curve = curves[m];
    curve.method = methods[m]->name();
    curve.policy = policy_name(methods[m]->policy());
    curve.units = methods[m]->units_name();
    curve.points.resize(grid.size());
    for (std::size_t g = 0; g < grid.size(); ++g) curve.points[g].t_ms = grid[g];
  }
  return curves;
}

// The method's packets of each image of the batch (images first..first+n-1).
std::vector<Track> prepare_tracks(const Method& method, const std::vector<data::Image>& images,
                                  const std::vector<int>& labels, std::size_t first, std::size_t n, MethodCurve* curve,
                                  double* seconds) {
  std::vector<Track> tracks(n);
  for (std::size_t b = 0; b < n; ++b) {
    Track& tr = tracks[b];
    tr.label = labels[b];
    auto t0 = Clock::now();
    tr.prep = method.prepare(images[b], static_cast<std::uint8_t>((first + b) & 0xFF));
    *seconds += since(t0);
    for (const SimPacket& p : tr.prep.packets) curve->mean_bytes += static_cast<double>(p.size_bytes);
    curve->mean_packets += static_cast<double>(tr.prep.packets.size());
  }
  return tracks;
}

// Records what one group's transmission delivered when, and every attempt's end and bytes.
void record_group(const TransmitResult& r, std::size_t g0, double overhead, std::vector<Track>* tracks) {
  for (std::size_t j = 0; j < r.images.size(); ++j) {
    Track& tr = (*tracks)[g0 + j];
    const ImageResult& ir = r.images[j];
    for (std::size_t k = 0; k < ir.arrival_ms.size(); ++k) {
      if (ir.arrival_ms[k] != kNever) tr.by_arrival.push_back(k);
    }
    std::sort(tr.by_arrival.begin(), tr.by_arrival.end(), [&](std::size_t a, std::size_t c) {
      return ir.arrival_ms[a] < ir.arrival_ms[c] || (ir.arrival_ms[a] == ir.arrival_ms[c] && a < c);
    });
    for (std::size_t k : tr.by_arrival) tr.arrival.push_back(ir.arrival_ms[k]);
  }
  for (const Attempt& a : r.log) {
    Track& tr = (*tracks)[g0 + a.image];
    tr.attempt_end.push_back(a.tx.end_ms);
    tr.attempt_bytes.push_back(static_cast<double>(a.tx.size_bytes) + overhead);
  }
}

// The link: each group of `cameras` images shares one fresh channel.
void transmit_tracks(const Scenario& scenario, const Method& method, const SimulationOptions& options,
                     std::size_t first, std::vector<Track>* tracks) {
  const std::size_t n = tracks->size(), cameras = options.cameras;
  const double overhead = static_cast<double>(scenario.link_overhead_bytes());
  for (std::size_t g0 = 0; g0 < n; g0 += cameras) {
    const std::size_t gn = std::min(cameras, n - g0);
    const std::uint64_t seed = image_seed(options.seed, first + g0);
    auto channel = scenario.make_channel(seed);
    std::vector<QueuedImage> group(gn);
    for (std::size_t j = 0; j < gn; ++j) {
      QueuedImage& q = group[j];
      q.packets = (*tracks)[g0 + j].prep.packets;
      q.camera = static_cast<int>(j);
      q.policy = method.policy();
      q.deadline_ms = scenario.deadline_ms;
      q.order_seed = image_seed(seed, j) ^ 0x5DEECE66Dull;
    }
    TransmitOptions topt;
    topt.cross = options.cross;
    record_group(transmit(*channel, group, topt), g0, overhead, tracks);
  }
}

// Feeds the receiver of `tr` everything that arrived by t and adds its state to `pt`;
// returns whether what the cloud could classify changed.
bool advance_track(Track& tr, double t, bool first_time, TimePoint* pt) {
  // A receiver's reconstruction is a function of the units it can use (values, complete
  // scans, the file), so only a change in those is sent to the classifier again: a chunk
  // that completes no scan, or a packet waiting for LimitNet's HEAD, changes nothing the
  // cloud could classify.
  const double units_before = tr.prep.receiver->units_fraction();
  const bool decodable_before = tr.prep.receiver->decodable();
  while (tr.fed < tr.arrival.size() && tr.arrival[tr.fed] <= t) {
    const std::size_t k = tr.by_arrival[tr.fed++];
    tr.prep.receiver->add(k);
    tr.bytes_delivered += static_cast<double>(tr.prep.packets[k].size_bytes);
  }
  while (tr.attempts_done < tr.attempt_end.size() && tr.attempt_end[tr.attempts_done] <= t) {
    tr.bytes_on_air += tr.attempt_bytes[tr.attempts_done++];
  }
  pt->packets_delivered += static_cast<double>(tr.fed);
  pt->bytes_delivered += tr.bytes_delivered;
  pt->packets_sent += static_cast<double>(tr.attempts_done);
  pt->bytes_on_air += tr.bytes_on_air;
  const double units = tr.prep.receiver->units_fraction();
  const bool decodable = tr.prep.receiver->decodable();
  pt->units_fraction += units;
  pt->decodable += decodable ? 1.0 : 0.0;
  return first_time || units != units_before || decodable != decodable_before;
}

// The receivers' state at every grid time, classified where it changed.
void receive_tracks(const std::vector<double>& grid, const Classifier& classifier, std::vector<Track>* tracks,
                    MethodCurve* curve, Correct* correct) {
  const std::size_t n = tracks->size();
  std::vector<const Reconstruction*> todo;
  std::vector<Reconstruction> recs(n);
  std::vector<int> labels;
  std::vector<std::size_t> who;
  for (std::size_t g = 0; g < grid.size(); ++g) {
    todo.clear();
    labels.clear();
    who.clear();
    for (std::size_t b = 0; b < n; ++b) {
      Track& tr = (*tracks)[b];
      const bool changed = advance_track(tr, grid[g], g == 0, &curve->points[g]);
      if (classifier && changed) {
        recs[b] = tr.prep.receiver->reconstruct();
        todo.push_back(&recs[b]);
        labels.push_back(tr.label);
        who.push_back(b);
      }
    }
    if (!classifier) continue;
    if (!todo.empty()) {
      const std::vector<Verdict> v = classifier(todo, labels);
      if (v.size() != todo.size()) {
        throw std::runtime_error("simulate: the classifier returned " + std::to_string(v.size()) + " verdicts for " +
                                 std::to_string(todo.size()) + " images");
      }
      for (std::size_t j = 0; j < v.size(); ++j) (*tracks)[who[j]].verdict = v[j];
    }
    for (std::size_t b = 0; b < n; ++b) {
      correct->top1[g] += (*tracks)[b].verdict.top1 ? 1.0 : 0.0;
      correct->top5[g] += (*tracks)[b].verdict.top5 ? 1.0 : 0.0;
    }
  }
}

// Sums to means over `count` images.
void average(double count, bool classified, const Correct& correct, MethodCurve* curve) {
  curve->mean_bytes /= count;
  curve->mean_packets /= count;
  for (std::size_t g = 0; g < curve->points.size(); ++g) {
    TimePoint& pt = curve->points[g];
    pt.packets_delivered /= count;
    pt.bytes_delivered /= count;
    pt.packets_sent /= count;
    pt.bytes_on_air /= count;
    pt.units_fraction /= count;
    pt.decodable /= count;
    if (classified) {
      pt.top1 = correct.top1[g] / count;
      pt.top5 = correct.top5[g] / count;
    }
  }
}

}  // namespace

std::uint64_t image_seed(std::uint64_t seed, std::size_t index) {
  std::uint64_t z = seed * 0x9E3779B97F4A7C15ull + index + 1;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

SimulationResult simulate(const Scenario& scenario, const std::vector<const Method*>& methods,
                          const ImageSource& images, const SimulationOptions& options, const Classifier& classifier) {
  scenario.validate();
  if (images.count == 0) throw std::invalid_argument("simulate: no images");
  if (methods.empty()) throw std::invalid_argument("simulate: no methods");
  SimulationResult result;
  result.scenario = scenario.name;
  result.images = images.count;
  result.classified = static_cast<bool>(classifier);
  const std::vector<double>& grid = scenario.time_grid_ms;
  if (options.cameras == 0) throw std::invalid_argument("simulate: cameras must be at least 1");
  const std::size_t cameras = options.cameras;
  const std::size_t batch = (std::max<std::size_t>(1, options.batch) + cameras - 1) / cameras * cameras;

  // Images outer, methods inner: each batch of images is loaded once and every method
  // sees it while it is at hand (the LimitNet methods can share one encoding, methods.h).
  std::vector<MethodCurve> curves = empty_curves(methods, grid);
  std::vector<Correct> correct(methods.size(),
                               Correct{std::vector<double>(grid.size(), 0.0), std::vector<double>(grid.size(), 0.0)});
  std::vector<data::Image> batch_images(batch);
  std::vector<int> batch_labels(batch, -1);
  for (std::size_t first = 0; first < images.count; first += batch) {
    const std::size_t n = std::min(batch, images.count - first);
    for (std::size_t b = 0; b < n; ++b) images.image(first + b, &batch_images[b], &batch_labels[b]);
    for (std::size_t m = 0; m < methods.size(); ++m) {
      std::vector<Track> tracks =
          prepare_tracks(*methods[m], batch_images, batch_labels, first, n, &curves[m], &result.seconds_encode);
      auto t0 = Clock::now();
      transmit_tracks(scenario, *methods[m], options, first, &tracks);
      result.seconds_transmit += since(t0);
      t0 = Clock::now();
      receive_tracks(grid, classifier, &tracks, &curves[m], &correct[m]);
      result.seconds_receive += since(t0);
    }
    if (options.progress) options.progress(first + n);
  }
  for (std::size_t m = 0; m < methods.size(); ++m) {
    average(static_cast<double>(images.count), result.classified, correct[m], &curves[m]);
  }
  result.curves = std::move(curves);
  return result;
}

}  // namespace limitnet::sim
