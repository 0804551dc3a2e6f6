// The receiver service: ingest queue -> core thread (route, persist, decode) -> inference
// thread (debounced) -> results for HTTP and MQTT.
//
// Threads and ownership:
//  * Ingest threads (MQTT client, UDP socket) call submit(); it never blocks for long and
//    drops with reason "queue_full" when the core falls behind by max_queue uplinks.
//  * The core thread owns the PacketStore. Per batch: route every uplink (replay check,
//    model and CRC check, session choice), write the batch in ONE transaction, and only
//    after the commit apply the packets to the decoders. A failed write (disk full) drops
//    the batch with a logged reason; what was committed before is untouched.
//  * The inference thread recomputes an image's result once no packet has changed it for
//    `debounce_ms`, or at the latest `max_result_delay_ms` after the first unreported change.
//    It hands each result (without the picture) to the core thread, which persists it in
//    its next transaction; after a restart, results whose session version still matches
//    are shown at once.
//    Under overload the newest work goes first: due images are taken newest packet first,
//    each is inferred on its state at that moment (intermediate states it skipped are
//    counted as limitnet_inference_skipped_stale_total), and the queue of images waiting
//    for a result holds at most max_inference_queue: beyond it the images whose newest
//    packet is oldest leave it (limitnet_inference_dropped_total) until their next packet.
//  * Memory: sessions idle for memory.idle_ms, or superseded by a newer image of their
//    device, leave memory (sessions.h); the next packet that needs one reloads it from the
//    store, and the HTTP reads of an evicted image build it from the store on the fly.
//  * HTTP handlers read under a shared lock.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/inference.h"
#include "server/metrics.h"
#include "server/models.h"
#include "server/packet_store.h"
#include "server/sessions.h"
#include "server/uplink.h"

namespace limitnet::server {

struct ServiceOptions {
  std::vector<std::string> models;  // bundle paths (.lnm); at least one
  StoreOptions store;
  int64_t image_ttl_ms = 3600 * 1000;  // an image accepts packets until this long after its last one
  int64_t retention_ms = 0;            // delete images opened longer ago than this (0 = keep)
  int expiry_interval_ms = 10000;      // how often retention is applied
  int debounce_ms = 200;
  int max_result_delay_ms = 1000;
  int top_k = 5;
  size_t max_queue = 100000;  // uplinks waiting for the core thread
  size_t max_batch = 4096;    // uplinks per transaction
  int inference_threads = 2;  // libtorch threads of the cloud engine
  // Images waiting for inference; beyond it the oldest work is dropped (counted).
  size_t max_inference_queue = 10000;
  // What stays in memory: at most 50,000 devices and 20,000 images; a session idle for
  // 300 s leaves (it stays in the store). Evicted sessions are reloaded when needed.
  MemoryLimits memory{50000, 20000, 300 * 1000};
  // Devices whose frame counter (and pinned network id) is forgotten at start: the
  // operator's deliberate reset (`serve --reset-fcnt`), e.g. after a rejoin.
  std::vector<std::string> reset_fcnt;
};

// One page of a listing: at most `limit` entries, skipping `offset` of them, or (devices)
// starting after the device id `after` (a cursor that stays valid while devices are added).
struct Page {
  size_t limit = SIZE_MAX;
  size_t offset = 0;
  std::string after;
};
struct PageInfo {
  size_t total = 0;   // entries in the whole listing
  bool more = false;  // entries exist after this page
  std::string last;   // devices: id of the page's last device (the next page's `after`)
};

// Called by the inference thread after each new result (e.g. to publish it over MQTT).
using ResultCallback = std::function<void(const nlohmann::json& result)>;
using LogFn = std::function<void(const std::string& line)>;

class Service {
 public:
  // Loads models and replays the store. Throws std::runtime_error for bad options.
  Service(const ServiceOptions& options, LogFn log);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  void start();  // starts the core and inference threads
  void stop();   // drains the queue into the store, then stops the threads

  // Thread-safe. Takes ownership of the uplink; stamps `arrival` if unset.
  void submit(Uplink u);
  // Counts and logs an uplink the transport could not even parse.
  void drop(const std::string& source, const std::string& reason, const std::string& detail);

  void set_result_callback(ResultCallback cb);
  Metrics& metrics() { return metrics_; }
  const ModelRegistry& models() const { return models_; }
  void log(const std::string& line) const {
    if (log_) log_(line);
  }
  // Logs at most 50 such lines a second (bad input, connection failures); the number of
  // lines left out is reported in the next second.
  void log_limited(const std::string& line);

  // --- read side (thread-safe), JSON shaped as the HTTP API documents -----------------
  // Devices in id order; `info` (may be null) describes the page.
  nlohmann::json devices_json(const Page& page = Page{}, PageInfo* info = nullptr) const;
  // That device's images, newest first; null json when the device is unknown.
  nlohmann::json device_images_json(const std::string& device, const Page& page = Page{},
                                    PageInfo* info = nullptr) const;
  nlohmann::json image_json(int64_t id) const;
  // Received packets (base64) with frame counters; null when unknown.
  nlohmann::json image_packets_json(int64_t id) const;
  // Decoder state: symbols and mask (base64), values received, ready.
  nlohmann::json image_latent_json(int64_t id) const;
  // PNG of the latest result image; false when the image or a result is missing. A result
  // restored after a restart has no picture yet: it is recomputed first (up to 10 s).
  bool image_png(int64_t id, std::vector<uint8_t>* png, std::string* kind);
  // Runs inference now if the result is stale (or always, with `force`); waits up to
  // timeout_ms for the new result. False if the image is unknown.
  bool infer_now(int64_t id, int timeout_ms, bool force = false);
  // Counts a bad request (e.g. HTTP query) and logs it, rate-limited like drops.
  void bad_request(const std::string& what, const std::string& reason, const std::string& detail);
  // Uplinks waiting for the core thread, and applied packet count (for tests and benches).
  size_t queue_depth() const;
  uint64_t packets_applied() const { return applied_.load(); }
  // The store's file sizes and checkpoints (thread-safe), for /metrics and /healthz.
  const PacketStore& store() const { return *store_; }
  // Age of the oldest packet not yet included in a result, in ms (thread-safe).
  double inference_oldest_waiting_ms() const;
  // now - arrival of the newest packet the latest result covers, while images wait for
  // inference (0 when none waits): how far behind the results are (thread-safe).
  double inference_lag_ms() const;
  // Images waiting for inference (thread-safe).
  size_t inference_queue_depth() const;
  // Devices and images in memory (thread-safe).
  size_t devices_in_memory() const;
  size_t images_in_memory() const;

 private:
  void reset_devices(const std::vector<std::string>& devices);
  void core_loop();
  void process_batch(std::vector<Uplink>& batch, std::vector<StoredResult>& results);
  void restore_result(const StoredResult& r);
  // Whether a stored row is what inference would give now: computed on this session version
  // by the engine and cloud part now loaded for the image's model.
  bool stored_result_is_current(const StoredResult& r, const ImageSession& s) const;
  // Sets the session's result from a stored row (checked by the caller).
  static bool result_from_row(const StoredResult& r, ImageSession* s);
  class StoreLoader;
  void after_routing();
  void count_memory_events();
  void mark_dirty(const std::vector<std::pair<int64_t, std::chrono::steady_clock::time_point>>& changed);
  // An image out of memory, built from the store (nullptr when absent).
  std::unique_ptr<ImageSession> load_detached(int64_t id) const;
  // Asks the core thread to bring an evicted image back into memory; waits for it.
  bool bring_back(int64_t id, int timeout_ms);
  void bring_back_wanted();  // core thread
  // Calls check() under the shared lock every 5 ms until it answers non-zero (returned) or
  // timeout_ms pass (0).
  int poll_sessions(int timeout_ms, const std::function<int()>& check) const;
  nlohmann::json device_json_locked(const DeviceSession& d) const;
  // A device in memory (its evicted newest image read from the store); null otherwise.
  nlohmann::json resident_device_json(const std::string& device) const;
  template <typename Fn>
  nlohmann::json with_image(int64_t id, Fn fn) const;
  void flush_results();
  struct InferenceJob;
  void inference_loop();
  // The steps of one inference round: snapshot the images that are due (under the shared
  // lock), run the engines (no lock), store the results (under the unique lock) and hand
  // them to the core thread and the result callback.
  std::vector<InferenceJob> take_due_jobs();
  InferenceJob snapshot_job(int64_t id, const ImageSession& s) const;
  void run_jobs(std::vector<InferenceJob>* jobs);
  void store_results(const std::vector<InferenceJob>& jobs);
  // Returns the images whose result is now up to date; appends their JSON to `published`
  // (if not null).
  std::vector<int64_t> apply_results(const std::vector<InferenceJob>& jobs, int64_t done_ms,
                                     std::vector<nlohmann::json>* published);
  void expire();
  nlohmann::json image_json_locked(const ImageSession& s) const;

  ServiceOptions options_;
  LogFn log_;
  Metrics metrics_;
  ModelRegistry models_;
  std::unique_ptr<PacketStore> store_;
  std::unique_ptr<EngineSet> engines_;

  mutable std::shared_mutex sessions_mu_;  // guards sessions_ and results
  SessionManager sessions_;

  mutable std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Uplink> queue_;
  std::vector<int64_t> wanted_;  // evicted images the HTTP side wants back (bring_back())

  mutable std::mutex infer_mu_;
  std::condition_variable infer_cv_;
  std::vector<int64_t> forced_;  // images asked for by infer_now()
  // Images whose decoder changed since their last result -> arrival of their newest packet.
  std::map<int64_t, std::chrono::steady_clock::time_point> dirty_;
  std::chrono::steady_clock::time_point last_covered_{};  // newest arrival a result covered (under sessions_mu_)
  std::unique_ptr<StoreLoader> loader_;
  double job_ms_ = 1;                   // moving average of one inference's time (inference thread)
  std::set<int64_t> recently_expired_;  // images the last expiry deleted (core thread)
  uint64_t counted_evicted_images_ = 0, counted_evicted_devices_ = 0, counted_reloaded_ = 0;

  std::mutex results_mu_;
  std::vector<StoredResult> unsaved_results_;  // computed, not yet persisted (core thread writes them)

  std::mutex cb_mu_;
  ResultCallback result_cb_;

  std::atomic<bool> running_{false};
  std::atomic<uint64_t> applied_{0};
  std::thread core_, inference_;
};

}  // namespace limitnet::server
