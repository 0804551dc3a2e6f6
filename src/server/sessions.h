// Per-device, per-image progressive decoding sessions.
//
// Identity: a session belongs to exactly one device (the id the transport authenticated:
// the network server's DevEUI, or the UDP key's DevEUI) and one of that device's 8-bit
// image ids. Lookups always go through the device, so no packet can reach another
// device's session. An image stays open for new packets until `image_ttl_ms` after its
// last packet; a packet with the same image id after that opens a new image (the 8-bit
// counter wraps).
//
// Frame counters: per device, a packet must carry a counter strictly greater than the last
// accepted one; anything else is a replay (or a duplicate delivery) and is dropped. A
// counter more than kMaxFcntGap ahead of the last one is dropped too ("fcnt_gap", LoRaWAN
// 1.0's MAX_FCNT_GAP): one forged frame with a huge counter cannot lock the device out.
// The last counter is persisted per device (PacketStore's devices table), so it outlives
// image retention and restarts; only reset_device() (`serve --reset-fcnt`) forgets it.
//
// Network ids: a TTS uplink names the device twice (device_id in the topic and body,
// dev_eui in the body); sessions are keyed by the DevEUI, and the first device_id seen with
// a DevEUI is pinned to it. An uplink naming that DevEUI with another device_id is dropped
// ("identity_mismatch"), so one device's topic cannot write into another's sessions.
//
// Every decision is a function of the persisted packet log (counters, received_ms), so
// replaying the log after a restart rebuilds exactly the same sessions.
//
// Memory: only recent sessions stay in memory (MemoryLimits). A device or image that
// leaves memory (eviction) is in the store; the next packet that needs it reloads it
// (SessionLoader: the device's counter, pinned id and newest image per image id; an
// image's packets in log order), which rebuilds the same state, so eviction changes no
// decision. An image is evictable when idle (no packet for `idle_ms`) or superseded (its
// device has opened a newer image); a device when idle. A NEW device or image that finds
// every slot taken by one that is not evictable is dropped ("memory_cap").
//
// Not thread-safe: the Service guards it.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "codec/dec/image_decoder.h"
#include "server/inference.h"
#include "server/models.h"
#include "server/packet_store.h"
#include "server/uplink.h"

namespace limitnet::server {

struct ImageSession {
  StoredImage info;  // id, device, image id, model, opened_ms
  const ModelEntry* model = nullptr;
  std::unique_ptr<ImageDecoder> decoder;
  int64_t last_ms = 0;       // received_ms of the latest packet
  uint32_t packets = 0;      // packets routed here (accepted + duplicate + rejected)
  uint32_t packets_new = 0;  // packets that added values or saliency
  uint32_t packets_duplicate = 0;
  uint32_t packets_rejected = 0;
  uint64_t bytes = 0;                             // bytes of every packet routed here
  std::vector<std::vector<uint8_t>> packet_data;  // in arrival order, for /images/{id}/packets
  std::vector<uint32_t> packet_fcnt;
  uint64_t version = 0;  // bumps whenever the decoder state changes
  // Latest inference; result_version == version when it is up to date.
  // After a restart, a result restored from the store has no picture (image empty); the
  // picture is recomputed when first asked for.
  std::shared_ptr<const InferenceResult> result;
  uint64_t result_version = 0;
  int64_t result_ms = 0;
  uint64_t result_serial = 0;  // bumps with every new result (forced recomputations too)
  // Arrival times of packets not yet covered by a result (packet-to-result latency).
  std::vector<std::chrono::steady_clock::time_point> waiting;
  std::chrono::steady_clock::time_point updated{};  // monotonic time of the last change
  int64_t pinned_until_ms = 0;                      // brought back on request: stays until then
};

// LoRaWAN 1.0 MAX_FCNT_GAP: the largest accepted step of a device's frame counter.
constexpr uint32_t kMaxFcntGap = 16384;

// The newest session of one image id, enough to route a packet while the session itself
// is out of memory.
struct ImageRef {
  int64_t id = 0;
  uint32_t model_id = 0;
  int64_t last_ms = 0;
};

struct DeviceSession {
  std::string id;
  std::string network_id;  // pinned TTS device_id ("" = none yet)
  bool has_fcnt = false;
  uint32_t last_fcnt = 0;
  int64_t last_seen_ms = 0;
  std::map<uint8_t, ImageRef> latest_image;  // image id -> newest session with that id
  int64_t newest_image = 0;                  // the device's newest session (0 = none)
  uint64_t image_count = 0;                  // its sessions in the store
  std::set<int64_t> resident;                // its sessions in memory
};

// Caps on what stays in memory (0 = no cap) and when a session counts as idle.
struct MemoryLimits {
  size_t max_devices = 0;
  size_t max_images = 0;
  int64_t idle_ms = 0;  // 0: never idle
};

// Brings evicted devices and images back from the store (thread-safe: PacketStore's reader).
class SessionLoader {
 public:
  virtual ~SessionLoader() = default;
  virtual bool load_device(const std::string& device, StoredDeviceState* out) = 0;
  // The image's packets in log order; false when the store no longer has it (retention).
  virtual bool load_image(int64_t id, StoredImage* image, std::vector<StoredPacket>* packets) = 0;
};

// What route() decided for one uplink.
struct Route {
  bool ok = false;
  std::string reason;  // drop reason when !ok: replay, unknown_model, checksum_mismatch, ...
  std::string detail;
  const ModelEntry* model = nullptr;
  int64_t image = 0;  // target session
  bool new_image = false;
  uint8_t image_id = 0;
};

class SessionManager {
 public:
  SessionManager(const ModelRegistry* models, int64_t image_ttl_ms) : models_(models), ttl_ms_(image_ttl_ms) {}

  // Eviction needs a loader; without one (an in-memory store) nothing is evicted and the
  // caps only refuse new devices and images.
  void set_memory(const MemoryLimits& limits, SessionLoader* loader);

  // Decides where `u` goes. It changes no decoder state, but may evict idle sessions and
  // reload the device and image `u` needs (the caller holds the writers' lock). Packets
  // routed earlier in the same batch but not yet applied are taken into account through
  // `pending` (begin_batch(); `now_ms` decides what is idle).
  Route route(const Uplink& u);
  void begin_batch(int64_t now_ms);
  // Images reloaded for this batch (their inference state is fresh: the caller restores
  // their stored result or marks them for inference).
  const std::vector<int64_t>& reloaded() const { return reloaded_; }

  // Applies a persisted packet (after its transaction committed, or during replay).
  // `image` may be new: `image_row` then describes it. Returns the decoder's status.
  Status apply(const StoredImage* new_image, const StoredPacket& p,
               std::chrono::steady_clock::time_point arrival = std::chrono::steady_clock::now());
  void restore_image(const StoredImage& im);
  // Persisted device state (after the packets were replayed): it is authoritative.
  void restore_device(const StoredDevice& d);
  // Forgets the device's frame counter and pinned network id (the store's row too: the
  // caller resets that). Returns false when the device is unknown.
  bool reset_device(const std::string& device);

  // Forgets sessions deleted from the store (retention); their ids are never reused.
  void erase(const std::vector<StoredImage>& images);

  // Evicts idle images and devices, and superseded images whose result is up to date
  // (between batches), but no image for which `queued` (waiting for inference) is true.
  // With `to_caps`, then the least recently used until within the caps (after the
  // start-up replay). Returns the images evicted.
  std::vector<int64_t> evict_idle(int64_t now_ms, const std::function<bool(int64_t)>& queued, bool to_caps = false);
  uint64_t evicted_images() const { return evicted_images_; }
  uint64_t evicted_devices() const { return evicted_devices_; }
  uint64_t reloaded_images() const { return reloaded_images_; }

  // Brings an evicted image (and its device) back into memory, e.g. for its picture, and
  // keeps it there for 30 s; false when the store has no such image or no slot is free.
  // Call after begin_batch().
  bool bring_back(int64_t id);

  // A session built from stored packets without keeping it (reads of evicted images).
  std::unique_ptr<ImageSession> build_image(const StoredImage& im, const std::vector<StoredPacket>& packets) const;

  // Age of the oldest packet that no result includes yet, in ms (0 when none): how far
  // inference is behind.
  double oldest_waiting_ms(std::chrono::steady_clock::time_point now) const;

  int64_t next_image_id() const { return next_image_id_; }
  const std::map<std::string, DeviceSession>& devices() const { return devices_; }
  const std::map<int64_t, ImageSession>& images() const { return images_; }
  ImageSession* image(int64_t id);
  const ImageSession* image(int64_t id) const;

 private:
  struct Pending {
    uint32_t fcnt = 0;
    std::string network_id;
    std::map<std::pair<uint8_t, uint32_t>, std::pair<int64_t, int64_t>>
        images;  // (image id, model) -> (session, last_ms)
  };
  ImageSession& open_image(const StoredImage& im);
  bool check_counter(const Uplink& u, Route* r) const;
  bool check_identity(const Uplink& u, Route* r) const;
  // Residency: a slot for the device / image `u` needs (loading it when evicted).
  bool admit_device(const std::string& device, Route* r);
  bool admit_image(int64_t id, Route* r, bool* gone);
  bool reserve_image(Route* r);
  bool image_slot();
  bool image_evictable(const ImageSession& s, int64_t now_ms) const;
  bool evict_one_image();
  bool evict_one_device();
  void evict_image(int64_t id);
  void evict_device(const std::string& device);
  void touch_image(ImageSession& s, int64_t last_ms);
  void touch_device(DeviceSession& d, int64_t last_seen_ms);
  DeviceSession& device_entry(const std::string& device);  // creates it (and its LRU entry)
  static Status apply_to_image(ImageSession& s, const StoredPacket& p, std::chrono::steady_clock::time_point arrival);

  const ModelRegistry* models_;
  MemoryLimits limits_;
  SessionLoader* loader_ = nullptr;
  int64_t now_ms_ = 0;
  std::set<std::string> batch_devices_;  // devices and images this batch uses: never evicted by it
  std::set<int64_t> batch_images_;
  size_t batch_new_devices_ = 0, batch_new_images_ = 0;  // slots reserved for ones still to open
  bool batch_images_full_ = false;                       // no image was evictable in this batch
  std::pair<int64_t, int64_t> image_scan_from_;          // image_lru_ before it: not evictable now
  std::vector<int64_t> reloaded_;
  std::set<std::pair<int64_t, int64_t>> image_lru_;       // (last_ms, id) of images in memory
  std::set<std::pair<int64_t, std::string>> device_lru_;  // (last_seen_ms, id) of devices in memory
  uint64_t evicted_images_ = 0, evicted_devices_ = 0, reloaded_images_ = 0;
  int64_t ttl_ms_;
  int64_t next_image_id_ = 1;
  std::map<std::string, DeviceSession> devices_;
  std::map<int64_t, ImageSession> images_;
  std::map<std::string, Pending> pending_;  // per device, within the current batch
};

}  // namespace limitnet::server
