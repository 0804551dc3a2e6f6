#include "sim/transmit.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <tuple>

#include "link/rng.h"

namespace limitnet::sim {

const char* policy_name(Policy p) {
  switch (p) {
    case Policy::kPriority:
      return "priority";
    case Policy::kIndexOrder:
      return "index";
    case Policy::kRandomOnce:
      return "random-once";
  }
  return "unknown";
}

Policy parse_policy(const std::string& name) {
  for (Policy p : {Policy::kPriority, Policy::kIndexOrder, Policy::kRandomOnce}) {
    if (name == policy_name(p)) return p;
  }
  throw std::invalid_argument("unknown transmission policy '" + name + "'; valid: priority, index, random-once");
}

const char* cross_image_policy_name(CrossImagePolicy p) { return p == CrossImagePolicy::kFifo ? "fifo" : "importance"; }

CrossImagePolicy parse_cross_image_policy(const std::string& name) {
  if (name == "fifo") return CrossImagePolicy::kFifo;
  if (name == "importance") return CrossImagePolicy::kImportance;
  throw std::invalid_argument("unknown scheduling policy '" + name + "'; valid: fifo, importance");
}

std::vector<std::size_t> send_order(const std::vector<SimPacket>& packets, Policy policy, std::uint64_t order_seed) {
  std::vector<std::size_t> order(packets.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  switch (policy) {
    case Policy::kPriority:
      std::stable_sort(order.begin(), order.end(),
                       [&](std::size_t a, std::size_t b) { return packets[a].importance < packets[b].importance; });
      break;
    case Policy::kIndexOrder:
      break;
    case Policy::kRandomOnce: {
      // Fisher-Yates with raw mt19937_64 words: identical on every platform.
      link::Rng rng(order_seed);
      for (std::size_t i = order.size(); i > 1; --i) {
        const std::size_t j = static_cast<std::size_t>(rng.next_u64() % i);
        std::swap(order[i - 1], order[j]);
      }
      break;
    }
  }
  return order;
}

namespace {

struct State {
  std::vector<std::size_t> order;
  std::vector<char> acked;      // the sender knows it arrived
  std::vector<char> done_pass;  // nothing more to do for it in this pass
  std::size_t cursor = 0;       // first position in order not done
  std::size_t pass = 0;
  bool stopped = false;           // deadline reached or nothing left
  bool unconfirmed_sent = false;  // this pass sent something without feedback
};

}  // namespace

TransmitResult transmit(link::Channel& channel, const std::vector<QueuedImage>& images,
                        const TransmitOptions& options) {
  TransmitResult result;
  result.images.resize(images.size());
  std::vector<State> state(images.size());
  const std::size_t limit = channel.max_payload_bytes();
  for (std::size_t j = 0; j < images.size(); ++j) {
    const QueuedImage& img = images[j];
    if (!(img.release_ms >= 0.0) || !std::isfinite(img.release_ms)) {
      throw std::invalid_argument("image " + std::to_string(j) + ": release time must be finite and >= 0 ms");
    }
    if (!(img.deadline_ms > img.release_ms)) {
      throw std::invalid_argument("image " + std::to_string(j) + ": deadline " + std::to_string(img.deadline_ms) +
                                  " ms is not after its release at " + std::to_string(img.release_ms) + " ms");
    }
    for (std::size_t k = 0; k < img.packets.size(); ++k) {
      const std::size_t size = img.packets[k].size_bytes;
      if (size == 0 || size > limit) {
        throw std::invalid_argument("image " + std::to_string(j) + " packet " + std::to_string(k) + ": " +
                                    std::to_string(size) + " bytes; the link carries 1.." + std::to_string(limit) +
                                    " bytes per packet (" + channel.describe() + ")");
      }
    }
    State& s = state[j];
    s.order = send_order(img.packets, img.policy, img.order_seed);
    s.acked.assign(img.packets.size(), 0);
    s.done_pass.assign(img.packets.size(), 0);
    s.stopped = img.packets.empty();
    ImageResult& r = result.images[j];
    r.arrival_ms.assign(img.packets.size(), kNever);
    r.attempts.assign(img.packets.size(), 0);
    r.send_order = s.order;
  }

  // Moves the cursor past finished packets; starts a new blind pass when allowed.
  auto advance = [&](std::size_t j) {
    State& s = state[j];
    const QueuedImage& img = images[j];
    while (!s.stopped) {
      while (s.cursor < s.order.size() && s.done_pass[s.order[s.cursor]]) ++s.cursor;
      if (s.cursor < s.order.size()) return;
      const bool repeat = img.policy != Policy::kRandomOnce && options.blind_repeat && std::isfinite(img.deadline_ms) &&
                          s.unconfirmed_sent;
      if (!repeat) {
        s.stopped = true;
        return;
      }
      for (std::size_t k = 0; k < s.order.size(); ++k) s.done_pass[k] = s.acked[k];
      s.cursor = 0;
      ++s.pass;
      s.unconfirmed_sent = false;
    }
  };
  for (std::size_t j = 0; j < images.size(); ++j) advance(j);

  double now = 0.0;
  while (true) {
    // Choose among released, unfinished images before their deadline.
    std::size_t best = images.size();
    double next_release = kNever;
    for (std::size_t j = 0; j < images.size(); ++j) {
      State& s = state[j];
      if (s.stopped) continue;
      const QueuedImage& img = images[j];
      if (now >= img.deadline_ms) {
        s.stopped = true;
        continue;
      }
      if (img.release_ms > now) {
        next_release = std::min(next_release, img.release_ms);
        continue;
      }
      if (best == images.size()) {
        best = j;
        continue;
      }
      const QueuedImage& b = images[best];
      const State& bs = state[best];
      bool better = false;
      if (options.cross == CrossImagePolicy::kFifo) {
        better = std::make_tuple(img.release_ms, img.camera, j) < std::make_tuple(b.release_ms, b.camera, best);
      } else {
        better = std::make_tuple(s.pass, s.cursor, img.release_ms, img.camera, j) <
                 std::make_tuple(bs.pass, bs.cursor, b.release_ms, b.camera, best);
      }
      if (better) best = j;
    }
    if (best == images.size()) {
      if (next_release == kNever) break;
      now = next_release;
      continue;
    }
    if (result.log.size() >= options.max_attempts) {
      throw std::runtime_error("transmit: more than " + std::to_string(options.max_attempts) +
                               " attempts; the link never delivers or the deadline is too far");
    }
    State& s = state[best];
    const QueuedImage& img = images[best];
    const std::size_t k = s.order[s.cursor];
    Attempt a;
    a.image = best;
    a.packet = k;
    a.tx = channel.attempt(img.packets[k].size_bytes, now);
    result.airtime_ms += a.tx.airtime_ms;
    result.end_ms = std::max(result.end_ms, a.tx.end_ms);
    ImageResult& r = result.images[best];
    ++r.attempts[k];
    const bool in_time = a.tx.start_ms < img.deadline_ms && a.tx.end_ms <= img.deadline_ms;
    a.counted = a.tx.delivered && in_time;
    if (a.counted && r.arrival_ms[k] == kNever) r.arrival_ms[k] = a.tx.end_ms;
    if (!in_time) {
      s.stopped = true;  // the deadline (or the cycle's duty budget) is over for this image
    } else if (img.policy == Policy::kRandomOnce) {
      s.done_pass[k] = 1;
    } else {
      switch (a.tx.feedback) {
        case link::Feedback::kAcked:
          s.acked[k] = 1;
          s.done_pass[k] = 1;
          break;
        case link::Feedback::kNotAcked:
          break;  // stays pending: it is the most important pending packet, resent next
        case link::Feedback::kNone:
          s.done_pass[k] = 1;
          s.unconfirmed_sent = true;
          break;
      }
    }
    result.log.push_back(a);
    advance(best);
    now = a.tx.sender_free_ms;
  }
  return result;
}

ImageResult transmit_one(link::Channel& channel, const std::vector<SimPacket>& packets, Policy policy,
                         double deadline_ms, std::uint64_t order_seed, TransmitResult* full) {
  QueuedImage img;
  img.packets = packets;
  img.policy = policy;
  img.deadline_ms = deadline_ms;
  img.order_seed = order_seed;
  TransmitResult r = transmit(channel, {img});
  ImageResult out = r.images[0];
  if (full) *full = std::move(r);
  return out;
}

}  // namespace limitnet::sim
