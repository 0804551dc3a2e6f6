#include "server/service.h"

#include <chrono>
#include <cstdio>
#include <set>
#include <stdexcept>

#include "data/image_io.h"
#include "server/base64.h"

namespace limitnet::server {

namespace {
using Clock = std::chrono::steady_clock;

std::string hex32(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "%08x", v);
  return b;
}

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}
}  // namespace

Service::Service(const ServiceOptions& options, LogFn log)
    : options_(options), log_(std::move(log)), sessions_(&models_, options.image_ttl_ms) {
  if (options.models.empty()) throw std::runtime_error("no model: pass at least one --model bundle");
  for (const std::string& path : options.models) {
    const ModelEntry& m = models_.add(path);
    this->log("model " + hex32(m.codec.model_id) + " from " + path + " (" + std::to_string(m.codec.config.latent_channels) +
              "x" + std::to_string(m.codec.config.latent_side) + "x" + std::to_string(m.codec.config.latent_side) + " latent)");
  }
  std::string engine_log;
  engines_ = std::make_unique<EngineSet>(models_, options.inference_threads, &engine_log);
  if (!engine_log.empty()) this->log(engine_log.substr(0, engine_log.size() - 1));
  store_ = std::make_unique<PacketStore>(options.store);
  // Rebuild every session from the log: the same packets in the same order give the same
  // decoder state, so nothing accepted before a crash is lost.
  uint64_t replayed = 0;
  store_->load([&](const StoredImage& im) { sessions_.restore_image(im); },
               [&](const StoredPacket& p) {
                 sessions_.apply(nullptr, p);
                 ++replayed;
               });
  for (auto& [id, s] : sessions_.images()) {
    (void)s;
    dirty_.insert(id);
  }
  for (const auto& [id, s] : sessions_.images()) {
    (void)s;
    sessions_.image(id)->waiting.clear();  // replayed packets are not fresh arrivals
  }
  applied_ = replayed;
  metrics_.add("limitnet_packets_replayed_total", "", replayed);
  this->log("store " + options.store.path + ": replayed " + std::to_string(replayed) + " packets into " +
            std::to_string(sessions_.images().size()) + " images of " + std::to_string(sessions_.devices().size()) +
            " devices");
}

Service::~Service() { stop(); }

void Service::start() {
  if (running_.exchange(true)) return;
  core_ = std::thread([this] { core_loop(); });
  inference_ = std::thread([this] { inference_loop(); });
}

void Service::stop() {
  if (!running_.exchange(false)) return;
  queue_cv_.notify_all();
  infer_cv_.notify_all();
  if (core_.joinable()) core_.join();
  if (inference_.joinable()) inference_.join();
}

void Service::submit(Uplink u) {
  if (u.arrival == Clock::time_point{}) u.arrival = Clock::now();
  if (u.received_ms == 0) u.received_ms = unix_ms_now();
  metrics_.add("limitnet_uplinks_received_total", u.source);
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (queue_.size() < options_.max_queue) {
      queue_.push_back(std::move(u));
      queue_cv_.notify_one();
      return;
    }
  }
  drop(u.source, "queue_full", "device " + u.device + ": ingest queue full (" + std::to_string(options_.max_queue) + ")");
}

void Service::drop(const std::string& source, const std::string& reason, const std::string& detail) {
  metrics_.add("limitnet_uplinks_dropped_total", reason);
  // Every drop is counted; the log is limited to 50 lines a second so that a flood of junk
  // cannot drown the log (the count of suppressed lines is reported).
  static std::mutex mu;
  static int64_t window = 0;
  static int lines = 0, suppressed = 0;
  std::lock_guard<std::mutex> lock(mu);
  const int64_t now_s = unix_ms_now() / 1000;
  if (now_s != window) {
    if (suppressed) log(std::to_string(suppressed) + " more dropped uplinks not logged (see /metrics)");
    window = now_s;
    lines = suppressed = 0;
  }
  if (++lines <= 50) {
    log("dropped " + source + " uplink: " + reason + ": " + detail);
  } else {
    ++suppressed;
  }
}

void Service::set_result_callback(ResultCallback cb) {
  std::lock_guard<std::mutex> lock(cb_mu_);
  result_cb_ = std::move(cb);
}

size_t Service::queue_depth() const {
  std::lock_guard<std::mutex> lock(queue_mu_);
  return queue_.size();
}

void Service::core_loop() {
  std::vector<Uplink> batch;
  auto last_expiry = Clock::now();
  for (;;) {
    batch.clear();
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      queue_cv_.wait_for(lock, std::chrono::milliseconds(50), [&] { return !queue_.empty() || !running_; });
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (batch.empty() && !running_) break;  // drained: stop
    }
    // Nothing a packet or the disk does may end this thread: report and carry on. (A batch
    // that threw before its commit is not applied, so memory still matches the store.)
    try {
      if (!batch.empty()) process_batch(batch);
      if (options_.retention_ms > 0 &&
          Clock::now() - last_expiry > std::chrono::milliseconds(options_.expiry_interval_ms)) {
        last_expiry = Clock::now();
        expire();
      }
    } catch (const std::exception& e) {
      metrics_.add("limitnet_internal_errors_total");
      log(std::string("core: ") + e.what() + " (batch of " + std::to_string(batch.size()) + " uplinks dropped)");
    }
  }
}

void Service::process_batch(std::vector<Uplink>& batch) {
  sessions_.begin_batch();
  std::vector<StoredImage> new_images;
  std::vector<StoredPacket> rows;
  std::vector<int> opens;  // per row: index into new_images, or -1
  std::vector<Clock::time_point> arrivals;
  rows.reserve(batch.size());
  for (Uplink& u : batch) {
    // route() only reads the sessions; the core thread is their only writer, so no lock.
    const Route r = sessions_.route(u);
    if (!r.ok) {
      drop(u.source, r.reason, "device " + u.device + " fcnt " + std::to_string(u.fcnt) + ": " + r.detail);
      continue;
    }
    opens.push_back(-1);
    if (r.new_image) {
      opens.back() = static_cast<int>(new_images.size());
      new_images.push_back({r.image, u.device, r.image_id, r.model->codec.model_id, u.received_ms});
    }
    StoredPacket p;
    p.image = r.image;
    p.device = u.device;
    p.fcnt = u.fcnt;
    p.received_ms = u.received_ms;
    p.source = u.source;
    p.data = std::move(u.payload);
    rows.push_back(std::move(p));
    arrivals.push_back(u.arrival);
  }
  if (rows.empty()) return;
  std::string error;
  if (!store_->write_batch(new_images, &rows, &error)) {
    // Nothing of this batch is stored, so nothing of it is applied: the sessions stay
    // exactly as the log describes them. The devices' later packets still get through.
    const std::string reason = error.find("full") != std::string::npos ? "disk_full" : "write_failed";
    metrics_.add("limitnet_store_errors_total", reason);
    metrics_.add("limitnet_uplinks_dropped_total", "store_failed", rows.size());
    log("store " + store_->path() + ": " + error + ": dropped a batch of " + std::to_string(rows.size()) + " packets");
    return;
  }
  std::vector<int64_t> changed;
  {
    std::unique_lock<std::shared_mutex> lock(sessions_mu_);
    for (size_t i = 0; i < rows.size(); ++i) {
      const StoredImage* opened = opens[i] >= 0 ? &new_images[static_cast<size_t>(opens[i])] : nullptr;
      const Status s = sessions_.apply(opened, rows[i], arrivals[i]);
      if (s == Status::kOk) {
        metrics_.add("limitnet_packets_accepted_total");
      } else {
        metrics_.add("limitnet_packets_rejected_total", status_name(s));
        log("packet of device " + rows[i].device + " fcnt " + std::to_string(rows[i].fcnt) + " stored but refused by the decoder: " +
            status_message(s));
      }
      changed.push_back(rows[i].image);
    }
  }
  applied_ += rows.size();
  {
    std::lock_guard<std::mutex> lock(infer_mu_);
    dirty_.insert(changed.begin(), changed.end());
  }
  infer_cv_.notify_one();
}

void Service::expire() {
  std::string error;
  const std::vector<int64_t> ids = store_->delete_images_opened_before(unix_ms_now() - options_.retention_ms, &error);
  if (!error.empty()) log("store " + store_->path() + ": expiry failed: " + error);
  if (ids.empty()) return;
  std::unique_lock<std::shared_mutex> lock(sessions_mu_);
  sessions_.erase(ids);
  metrics_.add("limitnet_images_expired_total", "", ids.size());
}

void Service::inference_loop() {
  const auto debounce = std::chrono::milliseconds(options_.debounce_ms);
  const auto max_delay = std::chrono::milliseconds(options_.max_result_delay_ms);
  // Work is done in rounds: one shared lock to snapshot every due image, the engines run
  // without a lock, one unique lock to store every result. Per-image locking would make
  // the inference thread queue behind the core thread thousands of times a second.
  struct Job {
    int64_t id;
    const ModelEntry* model;
    uint64_t version;
    size_t covered;
    bool ready;
    std::vector<float> latent;
    std::vector<uint8_t> mask;
    std::shared_ptr<InferenceResult> result;
  };
  constexpr size_t kMaxJobs = 128;  // bounds a round (and the unique lock's hold time)
  while (running_) {
    std::vector<int64_t> candidates, forced;
    {
      std::unique_lock<std::mutex> lock(infer_mu_);
      infer_cv_.wait_for(lock, std::chrono::milliseconds(std::max(5, options_.debounce_ms / 4)));
      candidates.assign(dirty_.begin(), dirty_.end());
      forced.swap(forced_);
    }
    const std::set<int64_t> forced_set(forced.begin(), forced.end());
    candidates.insert(candidates.end(), forced.begin(), forced.end());
    const auto now = Clock::now();
    std::vector<Job> jobs;
    std::vector<int64_t> clean;  // dirty entries that turned out up to date
    {
      std::shared_lock<std::shared_mutex> lock(sessions_mu_);
      for (int64_t id : candidates) {
        if (jobs.size() >= kMaxJobs) break;
        const ImageSession* s = sessions_.image(id);
        if (!s) {
          clean.push_back(id);
          continue;
        }
        const bool stale = s->result_version != s->version || !s->result;
        if (!stale) {
          clean.push_back(id);
          continue;
        }
        const bool due = forced_set.count(id) || now - s->updated >= debounce || s->waiting.empty() ||
                         now - s->waiting.front() >= max_delay;
        if (!due) continue;
        Job j;
        j.id = id;
        j.model = s->model;
        j.version = s->version;
        j.covered = s->waiting.size();
        j.ready = s->decoder->ready();
        const uint32_t n = j.model->codec.config.latent_elements();
        j.latent.assign(n, 0.0f);
        j.mask.assign(n, 0);
        if (j.ready) s->decoder->latent(j.latent.data(), j.mask.data());
        jobs.push_back(std::move(j));
      }
    }
    if (!clean.empty()) {
      std::lock_guard<std::mutex> il(infer_mu_);
      for (int64_t id : clean) dirty_.erase(id);
    }
    if (jobs.empty()) continue;
    for (Job& j : jobs) {
      j.result = std::make_shared<InferenceResult>();
      if (j.ready) {
        try {
          *j.result = engines_->engine_for(*j.model).run(*j.model, j.latent.data(), j.mask.data(), options_.top_k);
        } catch (const std::exception& e) {
          log("inference of image " + std::to_string(j.id) + " failed: " + e.what());
          metrics_.add("limitnet_inference_errors_total");
          j.result->status = std::string("inference failed: ") + e.what();
        }
      } else {
        j.result->status = "not ready";
        j.result->engine = engines_->engine_for(*j.model).name();
        j.result->latent_elements = j.model->codec.config.latent_elements();
      }
    }
    metrics_.add("limitnet_inferences_total", "", jobs.size());
    std::vector<nlohmann::json> published;
    std::vector<int64_t> done_ids;
    bool publish = false;
    {
      std::lock_guard<std::mutex> lock(cb_mu_);
      publish = static_cast<bool>(result_cb_);
    }
    {
      std::unique_lock<std::shared_mutex> lock(sessions_mu_);
      const auto done = Clock::now();
      const int64_t done_ms = unix_ms_now();
      for (Job& j : jobs) {
        ImageSession* s = sessions_.image(j.id);
        if (!s) continue;
        s->result = j.result;
        s->result_version = j.version;
        s->result_ms = done_ms;
        const size_t covered = std::min(j.covered, s->waiting.size());
        for (size_t i = 0; i < covered; ++i) metrics_.observe_latency_ms(ms_between(s->waiting[i], done));
        s->waiting.erase(s->waiting.begin(), s->waiting.begin() + static_cast<std::ptrdiff_t>(covered));
        if (s->version == j.version) done_ids.push_back(j.id);
        if (publish) published.push_back(image_json_locked(*s));
      }
    }
    {
      std::lock_guard<std::mutex> il(infer_mu_);
      for (int64_t id : done_ids) dirty_.erase(id);
    }
    infer_cv_.notify_all();  // wakes infer_now() waiters
    std::lock_guard<std::mutex> lock(cb_mu_);
    if (result_cb_) {
      for (const nlohmann::json& j : published) result_cb_(j);
    }
  }
}

bool Service::infer_now(int64_t id, int timeout_ms) {
  {
    std::shared_lock<std::shared_mutex> lock(sessions_mu_);
    const ImageSession* s = sessions_.image(id);
    if (!s) return false;
    if (s->result && s->result_version == s->version) return true;
  }
  {
    std::lock_guard<std::mutex> lock(infer_mu_);
    forced_.push_back(id);
  }
  infer_cv_.notify_all();
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::shared_lock<std::shared_mutex> lock(sessions_mu_);
    const ImageSession* s = sessions_.image(id);
    if (!s) return false;
    if (s->result && s->result_version == s->version) return true;
  }
  return true;
}

// ---- read side ------------------------------------------------------------------------

nlohmann::json Service::image_json_locked(const ImageSession& s) const {
  using nlohmann::json;
  json j = {{"id", s.info.id},
            {"device", s.info.device},
            {"image_id", s.info.image_id},
            {"model_id", hex32(s.info.model_id)},
            {"first_packet_ms", s.info.opened_ms},
            {"last_packet_ms", s.last_ms},
            {"packets", s.packets},
            {"packets_new", s.packets_new},
            {"packets_duplicate", s.packets_duplicate},
            {"packets_rejected", s.packets_rejected},
            {"bytes", s.bytes},
            {"values_received", s.decoder->values_received()},
            {"latent_elements", s.model->codec.config.latent_elements()},
            {"contiguous_ranks", s.decoder->contiguous_ranks()},
            {"ready", s.decoder->ready()},
            {"reconstruction_url", "/images/" + std::to_string(s.info.id) + "/reconstruction.png"}};
  json result = nullptr;
  if (s.result) {
    json top = json::array();
    for (const auto& c : s.result->top_k) top.push_back({{"index", c.index}, {"name", c.name}, {"probability", c.probability}});
    result = {{"status", s.result->status},
              {"engine", s.result->engine},
              {"image_kind", s.result->image_kind},
              {"top_k", top},
              {"values_received", s.result->values_received},
              {"computed_ms", s.result_ms},
              {"up_to_date", s.result_version == s.version}};
  }
  j["result"] = result;
  return j;
}

nlohmann::json Service::devices_json() const {
  nlohmann::json out = nlohmann::json::array();
  std::shared_lock<std::shared_mutex> lock(sessions_mu_);
  for (const auto& [id, d] : sessions_.devices()) {
    nlohmann::json j = {{"id", id}, {"last_fcnt", d.last_fcnt}, {"last_seen_ms", d.last_seen_ms}, {"images", d.images.size()}};
    const ImageSession* latest = d.images.empty() ? nullptr : sessions_.image(d.images.back());
    j["latest_image"] = latest ? image_json_locked(*latest) : nlohmann::json(nullptr);
    out.push_back(j);
  }
  return out;
}

nlohmann::json Service::device_images_json(const std::string& device) const {
  std::shared_lock<std::shared_mutex> lock(sessions_mu_);
  auto it = sessions_.devices().find(device);
  if (it == sessions_.devices().end()) return nullptr;
  nlohmann::json out = nlohmann::json::array();
  for (auto r = it->second.images.rbegin(); r != it->second.images.rend(); ++r) {
    if (const ImageSession* s = sessions_.image(*r)) out.push_back(image_json_locked(*s));
  }
  return out;
}

nlohmann::json Service::image_json(int64_t id) const {
  std::shared_lock<std::shared_mutex> lock(sessions_mu_);
  const ImageSession* s = sessions_.image(id);
  return s ? image_json_locked(*s) : nlohmann::json(nullptr);
}

nlohmann::json Service::image_packets_json(int64_t id) const {
  std::shared_lock<std::shared_mutex> lock(sessions_mu_);
  const ImageSession* s = sessions_.image(id);
  if (!s) return nullptr;
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < s->packet_data.size(); ++i) {
    out.push_back({{"fcnt", s->packet_fcnt[i]}, {"data", base64_encode(s->packet_data[i])}});
  }
  return out;
}

nlohmann::json Service::image_latent_json(int64_t id) const {
  std::shared_lock<std::shared_mutex> lock(sessions_mu_);
  const ImageSession* s = sessions_.image(id);
  if (!s) return nullptr;
  return {{"id", id},
          {"ready", s->decoder->ready()},
          {"values_received", s->decoder->values_received()},
          {"symbols", base64_encode(s->decoder->symbols())},
          {"mask", base64_encode(s->decoder->mask())}};
}

bool Service::image_png(int64_t id, std::vector<uint8_t>* png, std::string* kind) const {
  std::shared_ptr<const InferenceResult> result;
  {
    std::shared_lock<std::shared_mutex> lock(sessions_mu_);
    const ImageSession* s = sessions_.image(id);
    if (!s || !s->result) return false;
    result = s->result;
  }
  if (result->image.empty()) return false;
  *png = data::encode_png(result->image);  // outside the lock: PNG encoding is the slow part
  *kind = result->image_kind;
  return true;
}

}  // namespace limitnet::server
