// Transmission policies: which packet of which image goes on the link next, and what
// happens to lost ones (paper Section 3.5.1, Fig. 6; docs/SIMULATION.md).
//
//  * kPriority   (LimitNet): packets in order of importance (0 = most important); a packet
//                the sender knows to be lost is the most important pending one and so is
//                resent next. Until the deadline or the duty-cycle budget ends.
//  * kIndexOrder ("standard offloading"): the same, in packet index order.
//  * kRandomOnce (Starfish): a random permutation, each packet sent once, no retransmission.
//
// Loss feedback comes from the link (link::Feedback). Confirmed LoRaWAN uplinks and the
// abstract gamma link report each loss. Unconfirmed uplinks report nothing: the sender
// cannot tell a lost packet from a delivered one, so after one full pass it starts another
// pass in the same order ("blind repetition": the most important packets are repeated
// first) while the deadline allows. A packet whose ACK was lost (kNotAcked although
// delivered) is resent; the receiver keeps the first copy.
//
// Several cameras may share one link (paper Section 3.6 and its future work): each image
// has a release time (capture) and a deadline; the scheduler picks among the images that
// are released, unfinished and before their deadline:
//  * kFifo:        oldest image first, all of its packets before the next image's.
//  * kImportance:  the packet with the smallest position in its own image's send order, so
//                  every waiting image gets its saliency map and most important values
//                  before any image gets its less important ones; ties go to the older
//                  image, then the lower camera index. A lost packet keeps its position.
//
// Deadlines: no packet starts at or after its image's deadline, and a packet counts as
// arrived only if it ends by the deadline. The attempt that crosses the deadline has been
// handed to the channel (its airtime and duty cycle are spent) but does not count, and that
// image sends nothing more. The duty-cycle budget is the channel's: when it is spent, the
// channel moves the next packet to a later window, past a one-cycle deadline.
//
// Deterministic: the only randomness is the channel's (seeded by the caller) and the
// random order, drawn from order_seed with link::Rng.
// Units: times in ms, sizes in bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "link/link.h"

namespace limitnet::sim {

inline constexpr double kNever = std::numeric_limits<double>::infinity();

enum class Policy { kPriority, kIndexOrder, kRandomOnce };
// "priority", "index", "random-once".
const char* policy_name(Policy p);
// Throws std::invalid_argument listing the valid names.
Policy parse_policy(const std::string& name);

enum class CrossImagePolicy { kFifo, kImportance };
const char* cross_image_policy_name(CrossImagePolicy p);  // "fifo", "importance"
CrossImagePolicy parse_cross_image_policy(const std::string& name);

struct SimPacket {
  std::size_t size_bytes = 0;    // payload handed to the channel, bytes
  std::uint32_t importance = 0;  // 0 = most important; ties broken by packet index
};

// One image waiting to be sent.
struct QueuedImage {
  std::vector<SimPacket> packets;
  int camera = 0;
  double release_ms = 0.0;      // when the image may start (capture + encode), ms
  double deadline_ms = kNever;  // absolute, ms
  Policy policy = Policy::kPriority;
  std::uint64_t order_seed = 0;  // kRandomOnce only
};

struct Attempt {
  std::size_t image = 0;   // index into the queued images
  std::size_t packet = 0;  // index into that image's packets
  link::Transmission tx;
  bool counted = false;  // delivered and ended by the deadline
};

struct ImageResult {
  std::vector<double> arrival_ms;       // per packet: first arrival by the deadline, or kNever
  std::vector<std::uint32_t> attempts;  // per packet: times sent
  std::vector<std::size_t> send_order;  // the policy's order of packet indices
};

struct TransmitResult {
  std::vector<ImageResult> images;
  std::vector<Attempt> log;  // every attempt in time order
  double airtime_ms = 0.0;   // total time on air
  double end_ms = 0.0;       // when the sender stopped (end of its last attempt)
};

struct TransmitOptions {
  CrossImagePolicy cross = CrossImagePolicy::kImportance;
  // Without loss feedback, repeat passes until the deadline (only with a finite deadline;
  // with none, one pass). false: one pass only.
  bool blind_repeat = true;
  std::size_t max_attempts = 10'000'000;  // guard against a link that never delivers
};

// The send order of `policy` for these packets (indices into `packets`).
std::vector<std::size_t> send_order(const std::vector<SimPacket>& packets, Policy policy, std::uint64_t order_seed);

// Sends the images over `channel` (borrowed; one sender, one packet at a time).
// Throws std::invalid_argument for an empty packet, a packet above the channel's limit
// (message names both) or a release after the deadline.
TransmitResult transmit(link::Channel& channel, const std::vector<QueuedImage>& images,
                        const TransmitOptions& options = TransmitOptions{});

// One image from t = 0 with a deadline: the single-camera case.
ImageResult transmit_one(link::Channel& channel, const std::vector<SimPacket>& packets, Policy policy,
                         double deadline_ms, std::uint64_t order_seed = 0, TransmitResult* full = nullptr);

}  // namespace limitnet::sim
