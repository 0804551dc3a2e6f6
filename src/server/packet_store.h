// Durable log of every accepted packet, in SQLite (WAL mode by default).
//
// The service writes a batch of packets (and the image sessions they open) in one
// transaction and only then hands them to the decoders, so a packet is "accepted" exactly
// when its transaction has committed. After a restart the sessions are rebuilt by replaying
// the log in order, which gives the same decoder state bit for bit.
//
// Inference results (latest top-k, status, timestamps; not the picture) ride along in the
// same transactions, in a `results` table keyed by image. They are derived data: a result
// carries the session version it was computed on, and after a restart it is shown at once
// only if the replayed session has that same version (otherwise it is recomputed).
//
// Durability: synchronous=FULL (default) survives power loss; NORMAL survives a process
// crash (kill -9) but may lose the last transactions on power loss. Not thread-safe: the
// service's core thread owns it.
//
// In WAL mode the store checkpoints (copies the WAL into the database file, with an fsync)
// on a background thread with its own connection, once a second, instead of letting SQLite
// do it inside whichever commit crosses 1000 pages: that fsync took seconds on a busy disk
// and stalled ingest. That connection reads the schema before each checkpoint: SQLite 3.40
// silently skips a checkpoint on a connection that never read the database (log = -1),
// which let the WAL grow without end. Passive checkpoints can fall behind a writer that
// never pauses, so the writer itself runs a TRUNCATE checkpoint before a batch whenever
// the WAL is larger than `wal_limit_bytes`: the WAL is bounded by that plus one batch.
//
// Device state (last accepted frame counter, the network server's device id pinned to the
// DevEUI) lives in its own table, written in the same transaction as the packets: it
// outlives retention (images deleted) and restarts, so replay protection does too.
//
// Reloading: the service keeps only recent sessions in memory. read_device() and
// read_image() bring an evicted device or image back (and serve the HTTP API's reads of
// evicted images) over a second, read-only connection, so they are thread-safe and never
// see an uncommitted batch. An in-memory database has no second connection: there they
// answer false and the service never evicts.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <functional>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace limitnet::server {

struct StoredImage {
  int64_t id = 0;  // global image number (the API's /images/{id})
  std::string device;
  uint8_t image_id = 0;  // the device's 8-bit rolling image counter
  uint32_t model_id = 0;
  int64_t opened_ms = 0;  // Unix ms of the first packet
};

struct StoredPacket {
  int64_t seq = 0;    // log order (assigned by the store)
  int64_t image = 0;  // StoredImage::id
  std::string device;
  uint32_t fcnt = 0;
  int64_t received_ms = 0;  // Unix ms
  std::string source;       // chirpstack, tts, udp
  std::vector<uint8_t> data;
  // The network server's own id of the device (TTS device_id), pinned to `device` in the
  // devices table by the first packet that carries one; "" = none. Not part of the log.
  std::string network_id;
};

// Replay-protection state of one device, as persisted (table `devices`).
struct StoredDevice {
  std::string device;
  bool has_fcnt = false;  // false after a deliberate reset: the next counter is accepted
  uint32_t last_fcnt = 0;
  std::string network_id;  // "" = not pinned
};

// The latest inference result of an image, as persisted (InferenceResult without the image).
struct StoredResult {
  int64_t image = 0;     // StoredImage::id
  uint64_t version = 0;  // ImageSession::version the result was computed on
  std::string status, engine, image_kind;
  std::string top_k_json;  // [{"index", "name", "probability"}, ...]
  uint32_t values_received = 0;
  uint32_t latent_elements = 0;
  int64_t computed_ms = 0;  // Unix ms
  std::string cloud;        // InferenceResult::cloud: the cloud part that computed it
  bool cloud_known = true;  // false for rows stored before the cloud part was kept
};

// What the service needs to route a device's next packets without its images in memory.
struct StoredImageRef {
  StoredImage image;
  int64_t last_ms = 0;  // received_ms of the image's latest packet
};
struct StoredDeviceState {
  StoredDevice device;
  std::vector<StoredImageRef> latest;  // the newest session of each image id
  uint64_t images = 0;                 // sessions of the device in the store
  int64_t newest = 0;                  // id of its newest session (0 = none)
};

// One row of the device listing.
struct StoredDeviceRow {
  StoredDevice device;
  uint64_t images = 0;
  int64_t newest = 0;        // newest image id (0 = none)
  int64_t last_seen_ms = 0;  // latest packet of the newest image
};

struct StoreOptions {
  std::string path = "limitnet-server.db";  // ":memory:" for tests without persistence
  bool wal = true;                          // journal_mode=WAL (else DELETE)
  std::string synchronous = "full";         // full | normal | off
  // Upper bound of the database size in bytes (0 = none), via SQLite's max_page_count:
  // beyond it writes fail with SQLITE_FULL exactly as on a full disk. Bounds database plus
  // WAL: the database gets 3/4 of it, the WAL (wal_limit_bytes) at most 1/4.
  int64_t max_bytes = 0;
  // WAL size beyond which the writer runs a TRUNCATE checkpoint before its next batch.
  int64_t wal_limit_bytes = 16 << 20;
  int checkpoint_interval_ms = 1000;  // passive checkpoints on the background connection
};

class PacketStore {
 public:
  // Opens or creates the database. Throws std::runtime_error("<path>: <reason>").
  explicit PacketStore(const StoreOptions& options);
  ~PacketStore();
  PacketStore(const PacketStore&) = delete;
  PacketStore& operator=(const PacketStore&) = delete;

  // Writes new images, packets and results (nullptr: none; a result replaces the image's
  // previous one) in one transaction; assigns packets' seq. On failure (e.g. "database or
  // disk is full") rolls back, returns false and sets *error; then nothing of the batch is
  // stored.
  bool write_batch(const std::vector<StoredImage>& images, std::vector<StoredPacket>* packets,
                   const std::vector<StoredResult>* results, std::string* error);

  // Replays the log: every image, then every packet in seq order, then every result, then
  // every device's persisted state (which overrides what the packets implied).
  void load(const std::function<void(const StoredImage&)>& on_image,
            const std::function<void(const StoredPacket&)>& on_packet,
            const std::function<void(const StoredResult&)>& on_result = nullptr,
            const std::function<void(const StoredDevice&)>& on_device = nullptr);

  // Forgets a device's frame counter and pinned network id (an operator's deliberate
  // reset, e.g. after a device rejoined with its counter at 0). False when it fails.
  bool reset_device(const std::string& device, std::string* error);

  // Deletes images opened before `cutoff_ms`, their packets and results. Returns the images removed.
  std::vector<StoredImage> delete_images_opened_before(int64_t cutoff_ms, std::string* error);

  // --- read side for evicted sessions (thread-safe; false for an in-memory database) ----
  bool can_reload() const;
  // False when the store has neither a device row nor an image of `device`.
  bool read_device(const std::string& device, StoredDeviceState* out);
  // The image, its packets in log order and its result (*has_result); false when absent.
  bool read_image(int64_t id, StoredImage* image, std::vector<StoredPacket>* packets, StoredResult* result,
                  bool* has_result);
  // Ids of the device's images, oldest first.
  bool device_image_ids(const std::string& device, std::vector<int64_t>* ids);
  // Devices in id order after `after`, skipping `offset`, at most `limit`; *total: all
  // devices, *more: whether rows follow.
  bool list_devices(const std::string& after, size_t offset, size_t limit, std::vector<StoredDeviceRow>* rows,
                    size_t* total, bool* more);

  int64_t packet_count();
  const std::string& path() const { return options_.path; }
  // File sizes in bytes (0 when absent or in memory); thread-safe.
  int64_t db_bytes() const;
  int64_t wal_bytes() const;
  // Checkpoints that copied the WAL into the database (background and writer); thread-safe.
  uint64_t checkpoints() const { return checkpoints_.load(); }

 private:
  void exec(const char* sql);
  void add_result_cloud_column();
  sqlite3_stmt* prepare(const char* sql);
  void create_schema();
  void limit_size();
  void checkpoint_loop();
  void stop_checkpointer();
  void bound_wal();
  bool write_devices(const std::vector<StoredPacket>& packets);
  sqlite3* reader();  // under reader_mu_
  StoreOptions options_;
  std::mutex reader_mu_;
  sqlite3* reader_ = nullptr;
  int64_t wal_limit_ = 0;
  std::atomic<uint64_t> checkpoints_{0};
  std::mutex checkpoint_mu_;  // one checkpoint at a time (background or writer)
  std::thread checkpointer_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_image_ = nullptr;
  sqlite3_stmt* insert_packet_ = nullptr;
  sqlite3_stmt* upsert_result_ = nullptr;
  sqlite3_stmt* upsert_device_ = nullptr;
};

}  // namespace limitnet::server
