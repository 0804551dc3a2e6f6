#include "server/packet_store.h"

#include <sqlite3.h>

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace limitnet::server {

namespace {
int64_t file_bytes(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

bool in_memory(const std::string& path) { return path == ":memory:" || path.empty(); }

std::string column_text(sqlite3_stmt* st, int i) {
  const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
  return t ? std::string(t) : std::string();
}

// Columns: id, device, image_id, model_id, opened_ms (from `first`).
StoredImage image_row(sqlite3_stmt* st, int first = 0) {
  StoredImage im;
  im.id = sqlite3_column_int64(st, first);
  im.device = column_text(st, first + 1);
  im.image_id = static_cast<uint8_t>(sqlite3_column_int(st, first + 2));
  im.model_id = static_cast<uint32_t>(sqlite3_column_int64(st, first + 3));
  im.opened_ms = sqlite3_column_int64(st, first + 4);
  return im;
}

// Columns: seq, image, device, fcnt, received_ms, source, data.
StoredPacket packet_row(sqlite3_stmt* st) {
  StoredPacket p;
  p.seq = sqlite3_column_int64(st, 0);
  p.image = sqlite3_column_int64(st, 1);
  p.device = column_text(st, 2);
  p.fcnt = static_cast<uint32_t>(sqlite3_column_int64(st, 3));
  p.received_ms = sqlite3_column_int64(st, 4);
  p.source = column_text(st, 5);
  const auto* blob = static_cast<const uint8_t*>(sqlite3_column_blob(st, 6));
  if (blob) p.data.assign(blob, blob + sqlite3_column_bytes(st, 6));
  return p;
}

// Columns: image, version, status, engine, image_kind, top_k, values_received,
// latent_elements, computed_ms, cloud.
StoredResult result_row(sqlite3_stmt* st) {
  StoredResult r;
  r.image = sqlite3_column_int64(st, 0);
  r.version = static_cast<uint64_t>(sqlite3_column_int64(st, 1));
  r.status = column_text(st, 2);
  r.engine = column_text(st, 3);
  r.image_kind = column_text(st, 4);
  r.top_k_json = column_text(st, 5);
  r.values_received = static_cast<uint32_t>(sqlite3_column_int64(st, 6));
  r.latent_elements = static_cast<uint32_t>(sqlite3_column_int64(st, 7));
  r.computed_ms = sqlite3_column_int64(st, 8);
  r.cloud_known = sqlite3_column_type(st, 9) != SQLITE_NULL;  // NULL: stored before the column existed
  r.cloud = column_text(st, 9);
  return r;
}

constexpr const char* kPacketColumns = "seq, image, device, fcnt, received_ms, source, data";
constexpr const char* kResultColumns =
    "image, version, status, engine, image_kind, top_k, values_received, latent_elements, computed_ms, cloud";

// A statement on the reader connection, finalized on scope exit.
struct Query {
  sqlite3_stmt* st = nullptr;
  Query(sqlite3* db, const std::string& sql) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("store reader: ") + sqlite3_errmsg(db) + " (in: " + sql + ")");
  }
  ~Query() { sqlite3_finalize(st); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
};
}  // namespace

PacketStore::PacketStore(const StoreOptions& options) : options_(options), wal_limit_(options.wal_limit_bytes) {
  if (sqlite3_open_v2(options.path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error(options.path + ": cannot open database: " + msg);
  }
  try {
    // Wait instead of failing if a reader (e.g. the sqlite3 shell) holds a lock briefly.
    sqlite3_busy_timeout(db_, 2000);
    if (options.wal && !in_memory(options.path)) exec("PRAGMA journal_mode=WAL");
    if (options.synchronous == "full") {
      exec("PRAGMA synchronous=FULL");
    } else if (options.synchronous == "normal") {
      exec("PRAGMA synchronous=NORMAL");
    } else if (options.synchronous == "off") {
      exec("PRAGMA synchronous=OFF");
    } else {
      throw std::runtime_error("synchronous must be full, normal or off, not '" + options.synchronous + "'");
    }
    create_schema();
    limit_size();
    if (options.wal && !in_memory(options.path)) {
      exec("PRAGMA wal_autocheckpoint=0");  // checkpoint_loop() does it off the ingest path
      // A WAL that was reset after a checkpoint is cut back to this size on disk.
      exec(("PRAGMA journal_size_limit=" + std::to_string(wal_limit_)).c_str());
      checkpointer_ = std::thread([this] { checkpoint_loop(); });
    }
    insert_image_ = prepare("INSERT INTO images(id, device, image_id, model_id, opened_ms) VALUES(?,?,?,?,?)");
    insert_packet_ = prepare("INSERT INTO packets(image, device, fcnt, received_ms, source, data) VALUES(?,?,?,?,?,?)");
    upsert_result_ = prepare(
        "INSERT OR REPLACE INTO results(image, version, status, engine, image_kind, top_k, "
        "values_received, latent_elements, computed_ms, cloud) VALUES(?,?,?,?,?,?,?,?,?,?)");
    // The first network id seen stays pinned; the counter always follows the newest packet.
    upsert_device_ = prepare(
        "INSERT INTO devices(device, last_fcnt, network_id) VALUES(?1, ?2, NULLIF(?3, '')) "
        "ON CONFLICT(device) DO UPDATE SET last_fcnt = ?2, network_id = COALESCE(network_id, NULLIF(?3, ''))");
  } catch (...) {
    stop_checkpointer();
    sqlite3_finalize(insert_image_);
    sqlite3_finalize(insert_packet_);
    sqlite3_finalize(upsert_result_);
    sqlite3_finalize(upsert_device_);
    sqlite3_close(db_);
    throw;
  }
}

void PacketStore::create_schema() {
  exec(
      "CREATE TABLE IF NOT EXISTS images(id INTEGER PRIMARY KEY, device TEXT NOT NULL, image_id INTEGER NOT NULL, "
      "model_id INTEGER NOT NULL, opened_ms INTEGER NOT NULL)");
  exec(
      "CREATE TABLE IF NOT EXISTS packets(seq INTEGER PRIMARY KEY AUTOINCREMENT, image INTEGER NOT NULL, "
      "device TEXT NOT NULL, fcnt INTEGER NOT NULL, received_ms INTEGER NOT NULL, source TEXT NOT NULL, "
      "data BLOB NOT NULL)");
  exec(
      "CREATE TABLE IF NOT EXISTS results(image INTEGER PRIMARY KEY, version INTEGER NOT NULL, status TEXT NOT NULL, "
      "engine TEXT NOT NULL, image_kind TEXT NOT NULL, top_k TEXT NOT NULL, values_received INTEGER NOT NULL, "
      "latent_elements INTEGER NOT NULL, computed_ms INTEGER NOT NULL, cloud TEXT)");
  add_result_cloud_column();
  // last_fcnt NULL: reset by the operator, the next counter is accepted.
  exec(
      "CREATE TABLE IF NOT EXISTS devices(device TEXT PRIMARY KEY, last_fcnt INTEGER, network_id TEXT) "
      "WITHOUT ROWID");
  exec("CREATE INDEX IF NOT EXISTS packets_by_image ON packets(image)");
  exec("CREATE INDEX IF NOT EXISTS images_by_opened ON images(opened_ms)");
  exec("CREATE INDEX IF NOT EXISTS images_by_device ON images(device, image_id)");  // reloading a device
}

// Stores written before results kept their cloud part lack the column; their
// rows read as cloud_known = false.
void PacketStore::add_result_cloud_column() {
  sqlite3_stmt* st = prepare("SELECT 1 FROM pragma_table_info('results') WHERE name = 'cloud'");
  const bool present = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  if (!present) exec("ALTER TABLE results ADD COLUMN cloud TEXT");
}

void PacketStore::limit_size() {
  if (options_.max_bytes <= 0) return;
  // A quarter for the WAL, the rest for the database file (max_page_count).
  wal_limit_ = std::min(wal_limit_, options_.max_bytes / 4);
  int page_size = 4096;
  sqlite3_stmt* st = prepare("PRAGMA page_size");
  if (sqlite3_step(st) == SQLITE_ROW) page_size = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  const int64_t pages = std::max<int64_t>(1, (options_.max_bytes - wal_limit_) / page_size);
  exec(("PRAGMA max_page_count=" + std::to_string(pages)).c_str());
}

void PacketStore::checkpoint_loop() {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(options_.path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return;  // without it the writer's TRUNCATE checkpoints still bound the WAL
  }
  sqlite3_busy_timeout(db, 1000);
  auto checkpoint = [&] {
    std::lock_guard<std::mutex> lock(checkpoint_mu_);
    // Reading opens the connection's WAL; without it SQLite 3.40 skips the checkpoint.
    sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
    int log = -1, copied = -1;
    // PASSIVE: copies what it can without blocking the writer.
    if (sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied) == SQLITE_OK && copied > 0)
      ++checkpoints_;
  };
  const auto interval = std::chrono::milliseconds(std::max(10, options_.checkpoint_interval_ms));
  std::unique_lock<std::mutex> lock(stop_mu_);
  while (!stop_cv_.wait_for(lock, interval, [this] { return stopping_; })) {
    lock.unlock();
    checkpoint();
    lock.lock();
  }
  lock.unlock();
  checkpoint();
  sqlite3_close(db);
}

void PacketStore::bound_wal() {
  if (!options_.wal || in_memory(options_.path) || wal_bytes() <= wal_limit_) return;
  // The writer's own connection: no lock to wait for but the background checkpoint's.
  int log = -1, copied = -1;
  // SQLite answers SQLITE_BUSY at once, without its busy handler, while another connection
  // checkpoints: wait for the background one to finish instead.
  std::lock_guard<std::mutex> lock(checkpoint_mu_);
  if (sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &copied) == SQLITE_OK) ++checkpoints_;
}

int64_t PacketStore::db_bytes() const { return in_memory(options_.path) ? 0 : file_bytes(options_.path); }

int64_t PacketStore::wal_bytes() const { return in_memory(options_.path) ? 0 : file_bytes(options_.path + "-wal"); }

void PacketStore::stop_checkpointer() {
  if (!checkpointer_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  checkpointer_.join();
}

PacketStore::~PacketStore() {
  stop_checkpointer();
  sqlite3_close(reader_);
  sqlite3_finalize(insert_image_);
  sqlite3_finalize(insert_packet_);
  sqlite3_finalize(upsert_result_);
  sqlite3_finalize(upsert_device_);
  sqlite3_close(db_);
}

void PacketStore::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw std::runtime_error(options_.path + ": " + msg + " (in: " + sql + ")");
  }
}

sqlite3_stmt* PacketStore::prepare(const char* sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) {
    throw std::runtime_error(options_.path + ": " + sqlite3_errmsg(db_) + " (in: " + sql + ")");
  }
  return st;
}

bool PacketStore::write_batch(const std::vector<StoredImage>& images, std::vector<StoredPacket>* packets,
                              const std::vector<StoredResult>* results, std::string* error) {
  auto fail = [&](const char* what) {
    *error = std::string(what) + ": " + sqlite3_errmsg(db_);
    sqlite3_reset(insert_image_);
    sqlite3_reset(insert_packet_);
    sqlite3_reset(upsert_result_);
    sqlite3_reset(upsert_device_);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return false;
  };
  bound_wal();
  if (options_.max_bytes > 0 && db_bytes() + wal_bytes() > options_.max_bytes) {
    *error = "database or disk is full (database + WAL over --max-db-bytes)";
    return false;
  }
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) return fail("begin");
  for (const StoredImage& im : images) {
    sqlite3_bind_int64(insert_image_, 1, im.id);
    sqlite3_bind_text(insert_image_, 2, im.device.c_str(), static_cast<int>(im.device.size()), SQLITE_STATIC);
    sqlite3_bind_int(insert_image_, 3, im.image_id);
    sqlite3_bind_int64(insert_image_, 4, im.model_id);
    sqlite3_bind_int64(insert_image_, 5, im.opened_ms);
    if (sqlite3_step(insert_image_) != SQLITE_DONE) return fail("insert image");
    sqlite3_reset(insert_image_);
  }
  for (StoredPacket& p : *packets) {
    sqlite3_bind_int64(insert_packet_, 1, p.image);
    sqlite3_bind_text(insert_packet_, 2, p.device.c_str(), static_cast<int>(p.device.size()), SQLITE_STATIC);
    sqlite3_bind_int64(insert_packet_, 3, p.fcnt);
    sqlite3_bind_int64(insert_packet_, 4, p.received_ms);
    sqlite3_bind_text(insert_packet_, 5, p.source.c_str(), static_cast<int>(p.source.size()), SQLITE_STATIC);
    sqlite3_bind_blob(insert_packet_, 6, p.data.data(), static_cast<int>(p.data.size()), SQLITE_STATIC);
    if (sqlite3_step(insert_packet_) != SQLITE_DONE) return fail("insert packet");
    sqlite3_reset(insert_packet_);
    p.seq = sqlite3_last_insert_rowid(db_);
  }
  if (!write_devices(*packets)) return fail("write device");
  auto text = [](sqlite3_stmt* st, int i, const std::string& v) {
    sqlite3_bind_text(st, i, v.c_str(), static_cast<int>(v.size()), SQLITE_STATIC);
  };
  static const std::vector<StoredResult> kNoResults;
  for (const StoredResult& r : results ? *results : kNoResults) {
    sqlite3_bind_int64(upsert_result_, 1, r.image);
    sqlite3_bind_int64(upsert_result_, 2, static_cast<int64_t>(r.version));
    text(upsert_result_, 3, r.status);
    text(upsert_result_, 4, r.engine);
    text(upsert_result_, 5, r.image_kind);
    text(upsert_result_, 6, r.top_k_json);
    sqlite3_bind_int64(upsert_result_, 7, r.values_received);
    sqlite3_bind_int64(upsert_result_, 8, r.latent_elements);
    sqlite3_bind_int64(upsert_result_, 9, r.computed_ms);
    text(upsert_result_, 10, r.cloud);
    if (sqlite3_step(upsert_result_) != SQLITE_DONE) return fail("write result");
    sqlite3_reset(upsert_result_);
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return fail("commit");
  return true;
}

bool PacketStore::write_devices(const std::vector<StoredPacket>& packets) {
  for (const StoredPacket& p : packets) {
    sqlite3_bind_text(upsert_device_, 1, p.device.c_str(), static_cast<int>(p.device.size()), SQLITE_STATIC);
    sqlite3_bind_int64(upsert_device_, 2, p.fcnt);
    sqlite3_bind_text(upsert_device_, 3, p.network_id.c_str(), static_cast<int>(p.network_id.size()), SQLITE_STATIC);
    if (sqlite3_step(upsert_device_) != SQLITE_DONE) return false;
    sqlite3_reset(upsert_device_);
  }
  return true;
}

bool PacketStore::reset_device(const std::string& device, std::string* error) {
  sqlite3_stmt* st = prepare("INSERT OR REPLACE INTO devices(device, last_fcnt, network_id) VALUES(?, NULL, NULL)");
  sqlite3_bind_text(st, 1, device.c_str(), static_cast<int>(device.size()), SQLITE_TRANSIENT);
  const bool ok = sqlite3_step(st) == SQLITE_DONE;
  if (!ok) *error = sqlite3_errmsg(db_);
  sqlite3_finalize(st);
  return ok;
}

void PacketStore::load(const std::function<void(const StoredImage&)>& on_image,
                       const std::function<void(const StoredPacket&)>& on_packet,
                       const std::function<void(const StoredResult&)>& on_result,
                       const std::function<void(const StoredDevice&)>& on_device) {
  sqlite3_stmt* st = prepare("SELECT id, device, image_id, model_id, opened_ms FROM images ORDER BY id");
  while (sqlite3_step(st) == SQLITE_ROW) on_image(image_row(st));
  sqlite3_finalize(st);
  st = prepare((std::string("SELECT ") + kPacketColumns + " FROM packets ORDER BY seq").c_str());
  while (sqlite3_step(st) == SQLITE_ROW) on_packet(packet_row(st));
  sqlite3_finalize(st);
  if (!on_result && !on_device) return;
  st = prepare((std::string("SELECT ") + kResultColumns + " FROM results ORDER BY image").c_str());
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (on_result) on_result(result_row(st));
  }
  sqlite3_finalize(st);
  if (!on_device) return;
  st = prepare("SELECT device, last_fcnt, network_id FROM devices ORDER BY device");
  while (sqlite3_step(st) == SQLITE_ROW) {
    StoredDevice d;
    d.device = column_text(st, 0);
    d.has_fcnt = sqlite3_column_type(st, 1) != SQLITE_NULL;
    d.last_fcnt = static_cast<uint32_t>(sqlite3_column_int64(st, 1));
    if (sqlite3_column_type(st, 2) != SQLITE_NULL) d.network_id = column_text(st, 2);
    on_device(d);
  }
  sqlite3_finalize(st);
}

std::vector<StoredImage> PacketStore::delete_images_opened_before(int64_t cutoff_ms, std::string* error) {
  std::vector<StoredImage> ids;
  sqlite3_stmt* st = prepare("SELECT id, device, image_id, model_id, opened_ms FROM images WHERE opened_ms < ?");
  sqlite3_bind_int64(st, 1, cutoff_ms);
  while (sqlite3_step(st) == SQLITE_ROW) ids.push_back(image_row(st));
  sqlite3_finalize(st);
  if (ids.empty()) return ids;
  sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  sqlite3_stmt* del_packets = prepare("DELETE FROM packets WHERE image IN (SELECT id FROM images WHERE opened_ms < ?)");
  sqlite3_stmt* del_results = prepare("DELETE FROM results WHERE image IN (SELECT id FROM images WHERE opened_ms < ?)");
  sqlite3_stmt* del_images = prepare("DELETE FROM images WHERE opened_ms < ?");
  sqlite3_bind_int64(del_packets, 1, cutoff_ms);
  sqlite3_bind_int64(del_results, 1, cutoff_ms);
  sqlite3_bind_int64(del_images, 1, cutoff_ms);
  const bool ok = sqlite3_step(del_packets) == SQLITE_DONE && sqlite3_step(del_results) == SQLITE_DONE &&
                  sqlite3_step(del_images) == SQLITE_DONE;
  sqlite3_finalize(del_packets);
  sqlite3_finalize(del_results);
  sqlite3_finalize(del_images);
  if (!ok || sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    *error = sqlite3_errmsg(db_);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    ids.clear();
  }
  return ids;
}

int64_t PacketStore::packet_count() {
  sqlite3_stmt* st = prepare("SELECT count(*) FROM packets");
  int64_t n = 0;
  if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return n;
}

bool PacketStore::can_reload() const { return !in_memory(options_.path); }

sqlite3* PacketStore::reader() {
  if (reader_ || in_memory(options_.path)) return reader_;
  if (sqlite3_open_v2(options_.path.c_str(), &reader_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    const std::string msg = reader_ ? sqlite3_errmsg(reader_) : "out of memory";
    sqlite3_close(reader_);
    reader_ = nullptr;
    throw std::runtime_error(options_.path + ": cannot open a reader: " + msg);
  }
  sqlite3_busy_timeout(reader_, 2000);
  return reader_;
}

bool PacketStore::read_device(const std::string& device, StoredDeviceState* out) {
  std::lock_guard<std::mutex> lock(reader_mu_);
  sqlite3* db = reader();
  if (!db) return false;
  *out = StoredDeviceState{};
  out->device.device = device;
  bool known = false;
  {
    Query q(db, "SELECT last_fcnt, network_id FROM devices WHERE device = ?");
    sqlite3_bind_text(q.st, 1, device.c_str(), static_cast<int>(device.size()), SQLITE_STATIC);
    if (sqlite3_step(q.st) == SQLITE_ROW) {
      known = true;
      out->device.has_fcnt = sqlite3_column_type(q.st, 0) != SQLITE_NULL;
      out->device.last_fcnt = static_cast<uint32_t>(sqlite3_column_int64(q.st, 0));
      if (sqlite3_column_type(q.st, 1) != SQLITE_NULL) out->device.network_id = column_text(q.st, 1);
    }
  }
  // The newest session of each image id: the only ones a later packet can continue.
  Query q(db,
          "SELECT i.id, i.device, i.image_id, i.model_id, i.opened_ms, "
          "(SELECT MAX(received_ms) FROM packets WHERE image = i.id), "
          "(SELECT COUNT(*) FROM images WHERE device = ?1) "
          "FROM images i WHERE i.id IN (SELECT MAX(id) FROM images WHERE device = ?1 GROUP BY image_id) ORDER BY i.id");
  sqlite3_bind_text(q.st, 1, device.c_str(), static_cast<int>(device.size()), SQLITE_STATIC);
  while (sqlite3_step(q.st) == SQLITE_ROW) {
    known = true;
    StoredImageRef ref{image_row(q.st), sqlite3_column_int64(q.st, 5)};
    if (ref.last_ms == 0) ref.last_ms = ref.image.opened_ms;
    out->images = static_cast<uint64_t>(sqlite3_column_int64(q.st, 6));
    out->newest = std::max(out->newest, ref.image.id);
    out->latest.push_back(std::move(ref));
  }
  return known;
}

bool PacketStore::read_image(int64_t id, StoredImage* image, std::vector<StoredPacket>* packets, StoredResult* result,
                             bool* has_result) {
  std::lock_guard<std::mutex> lock(reader_mu_);
  sqlite3* db = reader();
  if (!db) return false;
  // One read transaction: the image, its packets and its result from the same commit.
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  struct End {
    sqlite3* db;
    ~End() { sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr); }
  } end{db};
  {
    Query q(db, "SELECT id, device, image_id, model_id, opened_ms FROM images WHERE id = ?");
    sqlite3_bind_int64(q.st, 1, id);
    if (sqlite3_step(q.st) != SQLITE_ROW) return false;
    *image = image_row(q.st);
  }
  packets->clear();
  {
    Query q(db, std::string("SELECT ") + kPacketColumns + " FROM packets WHERE image = ? ORDER BY seq");
    sqlite3_bind_int64(q.st, 1, id);
    while (sqlite3_step(q.st) == SQLITE_ROW) packets->push_back(packet_row(q.st));
  }
  Query q(db, std::string("SELECT ") + kResultColumns + " FROM results WHERE image = ?");
  sqlite3_bind_int64(q.st, 1, id);
  *has_result = sqlite3_step(q.st) == SQLITE_ROW;
  if (*has_result) *result = result_row(q.st);
  return true;
}

bool PacketStore::device_image_ids(const std::string& device, std::vector<int64_t>* ids) {
  std::lock_guard<std::mutex> lock(reader_mu_);
  sqlite3* db = reader();
  if (!db) return false;
  ids->clear();
  Query q(db, "SELECT id FROM images WHERE device = ? ORDER BY id");
  sqlite3_bind_text(q.st, 1, device.c_str(), static_cast<int>(device.size()), SQLITE_STATIC);
  while (sqlite3_step(q.st) == SQLITE_ROW) ids->push_back(sqlite3_column_int64(q.st, 0));
  return true;
}

bool PacketStore::list_devices(const std::string& after, size_t offset, size_t limit,
                               std::vector<StoredDeviceRow>* rows, size_t* total, bool* more) {
  std::lock_guard<std::mutex> lock(reader_mu_);
  sqlite3* db = reader();
  if (!db) return false;
  rows->clear();
  {
    Query q(db, "SELECT COUNT(*) FROM devices");
    *total = sqlite3_step(q.st) == SQLITE_ROW ? static_cast<size_t>(sqlite3_column_int64(q.st, 0)) : 0;
  }
  Query q(db,
          "SELECT d.device, d.last_fcnt, d.network_id, "
          "(SELECT COUNT(*) FROM images WHERE device = d.device), "
          "(SELECT MAX(id) FROM images WHERE device = d.device), "
          "(SELECT MAX(received_ms) FROM packets WHERE image = (SELECT MAX(id) FROM images WHERE device = d.device)) "
          "FROM devices d WHERE d.device > ? ORDER BY d.device LIMIT ? OFFSET ?");
  sqlite3_bind_text(q.st, 1, after.c_str(), static_cast<int>(after.size()), SQLITE_STATIC);
  const auto bound = [](size_t n) {
    return n >= static_cast<size_t>(INT64_MAX) ? int64_t{-1} : static_cast<int64_t>(n);
  };
  sqlite3_bind_int64(q.st, 2, limit == SIZE_MAX ? -1 : bound(limit + 1));  // one more: are there more?
  sqlite3_bind_int64(q.st, 3, bound(offset));
  *more = false;
  while (sqlite3_step(q.st) == SQLITE_ROW) {
    if (rows->size() == limit) {
      *more = true;
      break;
    }
    StoredDeviceRow r;
    r.device.device = column_text(q.st, 0);
    r.device.has_fcnt = sqlite3_column_type(q.st, 1) != SQLITE_NULL;
    r.device.last_fcnt = static_cast<uint32_t>(sqlite3_column_int64(q.st, 1));
    r.device.network_id = column_text(q.st, 2);
    r.images = static_cast<uint64_t>(sqlite3_column_int64(q.st, 3));
    r.newest = sqlite3_column_int64(q.st, 4);
    r.last_seen_ms = sqlite3_column_int64(q.st, 5);
    rows->push_back(std::move(r));
  }
  return true;
}

}  // namespace limitnet::server
