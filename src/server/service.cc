#include "server/service.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <stdexcept>

#include "codec/host/model_file.h"
#include "data/image_io.h"
#include "server/base64.h"
#include "server/log_text.h"

namespace limitnet::server {

namespace {
using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

nlohmann::json top_k_json(const InferenceResult& r) {
  nlohmann::json top = nlohmann::json::array();
  for (const auto& c : r.top_k) top.push_back({{"index", c.index}, {"name", c.name}, {"probability", c.probability}});
  return top;
}

StoredResult stored_result(int64_t image, uint64_t version, const InferenceResult& r, int64_t computed_ms) {
  StoredResult out;
  out.image = image;
  out.version = version;
  out.status = r.status;
  out.engine = r.engine;
  out.cloud = r.cloud;
  out.image_kind = r.image_kind;
  out.top_k_json = top_k_json(r).dump();
  out.values_received = r.values_received;
  out.latent_elements = r.latent_elements;
  out.computed_ms = computed_ms;
  return out;
}
}  // namespace

// Reloads evicted sessions for the core thread; keeps the stored results of the images it
// reloaded until after_routing() restores them.
class Service::StoreLoader final : public SessionLoader {
 public:
  explicit StoreLoader(PacketStore* store) : store_(store) {}
  bool load_device(const std::string& device, StoredDeviceState* out) override {
    return store_->read_device(device, out);
  }
  bool load_image(int64_t id, StoredImage* image, std::vector<StoredPacket>* packets) override {
    StoredResult result;
    bool has_result = false;
    if (!store_->read_image(id, image, packets, &result, &has_result)) return false;
    if (has_result) results.push_back(result);
    return true;
  }
  std::vector<StoredResult> results;

 private:
  PacketStore* store_;
};

Service::Service(const ServiceOptions& options, LogFn log)
    : options_(options), log_(std::move(log)), sessions_(&models_, options.image_ttl_ms) {
  if (options.models.empty()) throw std::runtime_error("no model: pass at least one --model bundle");
  for (const std::string& path : options.models) {
    const ModelEntry& m = models_.add(path);
    this->log("model " + model_id_text(m.codec.model_id) + " from " + path + " (" +
              std::to_string(m.codec.config.latent_channels) + "x" + std::to_string(m.codec.config.latent_side) + "x" +
              std::to_string(m.codec.config.latent_side) + " latent)");
  }
  std::string engine_log;
  engines_ = std::make_unique<EngineSet>(models_, options.inference_threads, &engine_log);
  if (!engine_log.empty()) this->log(engine_log.substr(0, engine_log.size() - 1));
  store_ = std::make_unique<PacketStore>(options.store);
  // Rebuild every session from the log: the same packets in the same order give the same
  // decoder state, so nothing accepted before a crash is lost.
  uint64_t replayed = 0;
  std::vector<StoredResult> stored_results;
  store_->load([&](const StoredImage& im) { sessions_.restore_image(im); },
               [&](const StoredPacket& p) {
                 sessions_.apply(nullptr, p);
                 ++replayed;
               },
               [&](const StoredResult& r) { stored_results.push_back(r); },
               [&](const StoredDevice& d) { sessions_.restore_device(d); });
  reset_devices(options.reset_fcnt);
  for (const auto& [id, s] : sessions_.images()) {
    dirty_[id] = Clock::time_point{};
    sessions_.image(id)->waiting.clear();  // replayed packets are not fresh arrivals
  }
  // Results computed on exactly the replayed state are shown at once; the rest are redone.
  for (const StoredResult& r : stored_results) restore_result(r);
  // Only recent sessions stay in memory; the rest are reloaded when a packet needs them.
  if (store_->can_reload()) loader_ = std::make_unique<StoreLoader>(store_.get());
  sessions_.set_memory(options.memory, loader_.get());
  // Images whose result must be recomputed stay until it is (dirty_ holds them).
  for (int64_t id : sessions_.evict_idle(
           unix_ms_now(), [&](int64_t id) { return dirty_.count(id) > 0; }, true))
    dirty_.erase(id);
  applied_ = replayed;
  metrics_.add("limitnet_packets_replayed_total", "", replayed);
  const uint64_t outdated = metrics_.get("limitnet_results_outdated_total");
  const std::string outdated_note =
      outdated ? "; " + std::to_string(outdated) + " computed by another engine or cloud part, to be recomputed" : "";
  this->log("store " + options.store.path + ": replayed " + std::to_string(replayed) + " packets into " +
            std::to_string(sessions_.images().size()) + " images of " + std::to_string(sessions_.devices().size()) +
            " devices; " + std::to_string(metrics_.get("limitnet_results_restored_total")) + " of " +
            std::to_string(stored_results.size()) + " stored results up to date" + outdated_note);
}

Service::~Service() { stop(); }

void Service::reset_devices(const std::vector<std::string>& devices) {
  for (const std::string& device : devices) {
    std::string error;
    if (!store_->reset_device(device, &error)) throw std::runtime_error("store: cannot reset " + device + ": " + error);
    const bool known = sessions_.reset_device(device);
    log("device " + escape_log_text(device) + ": frame counter reset" + (known ? "" : " (device not seen yet)"));
  }
}

void Service::restore_result(const StoredResult& r) {
  ImageSession* s = sessions_.image(r.image);
  if (!s || s->version != r.version) return;  // packets arrived after it was computed
  if (!stored_result_is_current(r, *s)) {
    metrics_.add("limitnet_results_outdated_total");  // e.g. a cloud update: recomputed
    return;
  }
  if (!result_from_row(r, s)) return;
  {
    std::lock_guard<std::mutex> lock(infer_mu_);
    dirty_.erase(r.image);
  }
  metrics_.add("limitnet_results_restored_total");
}

bool Service::stored_result_is_current(const StoredResult& r, const ImageSession& s) const {
  if (s.version != r.version) return false;
  const InferenceEngine& engine = engines_->engine_for(*s.model);
  if (r.engine != engine.name()) return false;
  // Rows from before results kept their cloud part are taken as the loaded one's.
  return !r.cloud_known || r.cloud == engine.cloud_part(*s.model);
}

bool Service::result_from_row(const StoredResult& r, ImageSession* s) {
  auto result = std::make_shared<InferenceResult>();
  result->status = r.status;
  result->engine = r.engine;
  result->cloud = r.cloud;
  result->image_kind = r.image_kind;
  result->values_received = r.values_received;
  result->latent_elements = r.latent_elements;
  const nlohmann::json top = nlohmann::json::parse(r.top_k_json, nullptr, false);
  if (!top.is_array()) return false;  // unreadable row: recompute instead
  for (const nlohmann::json& c : top) {
    if (!c.is_object()) return false;
    result->top_k.push_back({c.value("index", 0), c.value("name", std::string()), c.value("probability", 0.0f)});
  }
  s->result = std::move(result);
  s->result_version = r.version;
  s->result_ms = r.computed_ms;
  s->result_serial++;
  return true;
}

void Service::flush_results() {
  std::vector<StoredResult> results;
  {
    std::lock_guard<std::mutex> lock(results_mu_);
    results.swap(unsaved_results_);
  }
  if (results.empty()) return;
  std::vector<StoredPacket> none;
  std::string error;
  if (store_->write_batch({}, &none, &results, &error)) {
    metrics_.add("limitnet_results_stored_total", "", results.size());
  } else {
    metrics_.add("limitnet_results_unsaved_total", "", results.size());
    log("store " + store_->path() + ": " + error + ": " + std::to_string(results.size()) + " results not stored");
  }
}
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
  flush_results();  // both threads are gone: the store is ours
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
  drop(u.source, "queue_full",
       "device " + u.device + ": ingest queue full (" + std::to_string(options_.max_queue) + ")");
}

void Service::drop(const std::string& source, const std::string& reason, const std::string& detail) {
  metrics_.add("limitnet_uplinks_dropped_total", reason);
  log_limited("dropped " + source + " uplink: " + reason + ": " + detail);
}

void Service::bad_request(const std::string& what, const std::string& reason, const std::string& detail) {
  metrics_.add("limitnet_http_bad_requests_total", reason);
  log_limited("bad request " + what + ": " + reason + ": " + detail);
}

void Service::log_limited(const std::string& line) {
  // Every drop is counted; the log is limited to 50 lines a second so that a flood of junk
  // cannot drown the log (the count of suppressed lines is reported).
  static std::mutex mu;
  static int64_t window = 0;
  static int lines = 0, suppressed = 0;
  std::lock_guard<std::mutex> lock(mu);
  const int64_t now_s = unix_ms_now() / 1000;
  if (now_s != window) {
    if (suppressed) log(std::to_string(suppressed) + " more lines about bad input not logged (see /metrics)");
    window = now_s;
    lines = suppressed = 0;
  }
  if (++lines <= 50) {
    log(escape_log_text(line));  // the line carries sender-controlled text
  } else {
    ++suppressed;
  }
}

void Service::set_result_callback(ResultCallback cb) {
  std::lock_guard<std::mutex> lock(cb_mu_);
  result_cb_ = std::move(cb);
}

double Service::inference_oldest_waiting_ms() const {
  std::shared_lock<std::shared_mutex> lock(sessions_mu_);
  return sessions_.oldest_waiting_ms(Clock::now());
}

double Service::inference_lag_ms() const {
  if (inference_queue_depth() == 0) return 0;
  std::shared_lock<std::shared_mutex> lock(sessions_mu_);
  if (last_covered_ == Clock::time_point{}) return sessions_.oldest_waiting_ms(Clock::now());  // no result yet
  return ms_between(last_covered_, Clock::now());
}

size_t Service::inference_queue_depth() const {
  std::lock_guard<std::mutex> lock(infer_mu_);
  return dirty_.size();
}

size_t Service::devices_in_memory() const {
  std::shared_lock<std::shared_mutex> lock(sessions_mu_);
  return sessions_.devices().size();
}

size_t Service::images_in_memory() const {
  std::shared_lock<std::shared_mutex> lock(sessions_mu_);
  return sessions_.images().size();
}

size_t Service::queue_depth() const {
  std::lock_guard<std::mutex> lock(queue_mu_);
  return queue_.size();
}

void Service::core_loop() {
  std::vector<Uplink> batch;
  std::vector<StoredResult> results;
  auto last_expiry = Clock::now(), last_sweep = Clock::now();
  for (;;) {
    batch.clear();
    results.clear();
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      queue_cv_.wait_for(lock, std::chrono::milliseconds(50),
                         [&] { return !queue_.empty() || !wanted_.empty() || !running_; });
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (batch.empty() && !running_) break;  // drained: stop
    }
    {
      std::lock_guard<std::mutex> lock(results_mu_);
      results.swap(unsaved_results_);
    }
    // Nothing a packet or the disk does may end this thread: report and carry on. (A batch
    // that threw before its commit is not applied, so memory still matches the store.)
    try {
      if (!batch.empty() || !results.empty()) process_batch(batch, results);
      bring_back_wanted();
      if (Clock::now() - last_sweep > std::chrono::seconds(1)) {
        last_sweep = Clock::now();
        std::unique_lock<std::shared_mutex> lock(sessions_mu_);
        std::lock_guard<std::mutex> il(infer_mu_);
        sessions_.evict_idle(unix_ms_now(), [&](int64_t id) { return dirty_.count(id) > 0; });
        count_memory_events();
      }
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

void Service::process_batch(std::vector<Uplink>& batch, std::vector<StoredResult>& results) {
  std::vector<StoredImage> new_images;
  std::vector<StoredPacket> rows;
  std::vector<int> opens;  // per row: index into new_images, or -1
  std::vector<Clock::time_point> arrivals;
  rows.reserve(batch.size());
  // route() changes no decoder, but may evict and reload sessions: readers wait.
  std::unique_lock<std::shared_mutex> routing(sessions_mu_);
  sessions_.begin_batch(unix_ms_now());
  for (Uplink& u : batch) {
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
    p.network_id = u.network_id;
    p.data = std::move(u.payload);
    rows.push_back(std::move(p));
    arrivals.push_back(u.arrival);
  }
  after_routing();
  routing.unlock();
  // Results of images that retention removed meanwhile are not worth a row (those of
  // evicted images are: the images are still in the store).
  results.erase(std::remove_if(results.begin(), results.end(),
                               [&](const StoredResult& r) { return recently_expired_.count(r.image) > 0; }),
                results.end());
  if (rows.empty() && results.empty()) return;
  std::string error;
  bool stored = store_->write_batch(new_images, &rows, results.empty() ? nullptr : &results, &error);
  if (!stored && !results.empty()) {
    // Results can be recomputed; packets cannot. Never let a result cost a packet.
    metrics_.add("limitnet_results_unsaved_total", "", results.size());
    log("store " + store_->path() + ": " + error + ": " + std::to_string(results.size()) + " results not stored");
    results.clear();
    stored = rows.empty() || store_->write_batch(new_images, &rows, nullptr, &error);
    if (rows.empty()) return;
  }
  metrics_.add("limitnet_results_stored_total", "", results.size());
  if (rows.empty()) return;
  if (!stored) {
    // Nothing of this batch is stored, so nothing of it is applied: the sessions stay
    // exactly as the log describes them. The devices' later packets still get through.
    const std::string reason = error.find("full") != std::string::npos ? "disk_full" : "write_failed";
    metrics_.add("limitnet_store_errors_total", reason);
    metrics_.add("limitnet_uplinks_dropped_total", "store_failed", rows.size());
    log("store " + store_->path() + ": " + error + ": dropped a batch of " + std::to_string(rows.size()) + " packets");
    return;
  }
  std::vector<std::pair<int64_t, Clock::time_point>> changed;
  {
    std::unique_lock<std::shared_mutex> lock(sessions_mu_);
    for (size_t i = 0; i < rows.size(); ++i) {
      const StoredImage* opened = opens[i] >= 0 ? &new_images[static_cast<size_t>(opens[i])] : nullptr;
      const Status s = sessions_.apply(opened, rows[i], arrivals[i]);
      if (s == Status::kOk) {
        metrics_.add("limitnet_packets_accepted_total");
      } else {
        metrics_.add("limitnet_packets_rejected_total", status_name(s));
        log("packet of device " + rows[i].device + " fcnt " + std::to_string(rows[i].fcnt) +
            " stored but refused by the decoder: " + status_message(s));
      }
      changed.emplace_back(rows[i].image, arrivals[i]);
    }
    mark_dirty(changed);
  }
  applied_ += rows.size();
  infer_cv_.notify_one();
}

void Service::after_routing() {
  // Reloaded images show their stored result when it matches their state.
  if (loader_) {
    for (const StoredResult& r : loader_->results) restore_result(r);
    loader_->results.clear();
  }
  count_memory_events();
}

void Service::count_memory_events() {
  auto count = [&](const char* reason, uint64_t now, uint64_t* counted) {
    if (now > *counted) metrics_.add("limitnet_sessions_evicted_total", reason, now - *counted);
    *counted = now;
  };
  count("image", sessions_.evicted_images(), &counted_evicted_images_);
  count("device", sessions_.evicted_devices(), &counted_evicted_devices_);
  if (sessions_.reloaded_images() > counted_reloaded_)
    metrics_.add("limitnet_images_reloaded_total", "", sessions_.reloaded_images() - counted_reloaded_);
  counted_reloaded_ = sessions_.reloaded_images();
}

void Service::mark_dirty(const std::vector<std::pair<int64_t, Clock::time_point>>& changed) {
  // Under the sessions' unique lock (dropped work forgets its waiting arrivals).
  std::vector<std::pair<Clock::time_point, int64_t>> oldest;
  {
    std::lock_guard<std::mutex> lock(infer_mu_);
    for (const auto& [id, arrival] : changed) dirty_[id] = std::max(dirty_[id], arrival);
    if (dirty_.size() <= options_.max_inference_queue) return;
    // Over the bound: the images whose newest packet is oldest leave the queue.
    for (const auto& [id, newest] : dirty_) oldest.emplace_back(newest, id);
    const size_t excess = dirty_.size() - options_.max_inference_queue;
    std::nth_element(oldest.begin(), oldest.begin() + static_cast<std::ptrdiff_t>(excess - 1), oldest.end());
    oldest.resize(excess);
    for (const auto& [newest, id] : oldest) dirty_.erase(id);
  }
  metrics_.add("limitnet_inference_dropped_total", "", oldest.size());
  for (const auto& [newest, id] : oldest) {
    if (ImageSession* s = sessions_.image(id)) s->waiting.clear();
  }
}

void Service::expire() {
  std::string error;
  const std::vector<StoredImage> ids =
      store_->delete_images_opened_before(unix_ms_now() - options_.retention_ms, &error);
  if (!error.empty()) log("store " + store_->path() + ": expiry failed: " + error);
  recently_expired_.clear();
  for (const StoredImage& im : ids) recently_expired_.insert(im.id);
  if (ids.empty()) return;
  std::unique_lock<std::shared_mutex> lock(sessions_mu_);
  sessions_.erase(ids);
  metrics_.add("limitnet_images_expired_total", "", ids.size());
}

// One image's inference in a round of inference_loop().
struct Service::InferenceJob {
  int64_t id;
  const ModelEntry* model;
  uint64_t version;
  size_t covered;              // arrivals (s->waiting) this result answers
  Clock::time_point newest{};  // arrival of the newest packet that queued it
  bool ready;
  std::vector<float> latent;
  std::vector<uint8_t> mask;
  std::shared_ptr<InferenceResult> result;
};

void Service::inference_loop() {
  // Work is done in rounds: one shared lock to snapshot every due image, the engines run
  // without a lock, one unique lock to store every result. Per-image locking would make
  // the inference thread queue behind the core thread thousands of times a second.
  while (running_) {
    std::vector<InferenceJob> jobs = take_due_jobs();
    if (jobs.empty()) continue;
    const auto started = Clock::now();
    run_jobs(&jobs);
    // A round's results all carry the state of its start: rounds are sized to take about
    // kRoundMs, so that under overload the newest state is never older than that.
    job_ms_ = 0.7 * job_ms_ + 0.3 * ms_between(started, Clock::now()) / static_cast<double>(jobs.size());
    metrics_.add("limitnet_inferences_total", "", jobs.size());
    store_results(jobs);
  }
}

std::vector<Service::InferenceJob> Service::take_due_jobs() {
  const auto debounce = std::chrono::milliseconds(options_.debounce_ms);
  const auto max_delay = std::chrono::milliseconds(options_.max_result_delay_ms);
  // Bounds a round (and the unique lock's hold time): at most 128 jobs or about kRoundMs.
  constexpr double kRoundMs = 250;
  const size_t max_jobs = static_cast<size_t>(std::clamp(kRoundMs / std::max(job_ms_, 0.01), 1.0, 128.0));
  std::vector<std::pair<Clock::time_point, int64_t>> queued;
  std::vector<int64_t> candidates, forced;
  {
    std::unique_lock<std::mutex> lock(infer_mu_);
    infer_cv_.wait_for(lock, std::chrono::milliseconds(std::max(5, options_.debounce_ms / 4)));
    for (const auto& [id, newest] : dirty_) queued.emplace_back(newest, id);
    forced.swap(forced_);
  }
  // Forced first, then newest packet first: under overload the freshest state is what an
  // operator wants to see, and old work is what the queue bound drops.
  std::sort(queued.begin(), queued.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  const std::set<int64_t> forced_set(forced.begin(), forced.end());
  candidates = forced;
  std::map<int64_t, Clock::time_point> newest_of;
  for (const auto& [newest, id] : queued) {
    candidates.push_back(id);
    newest_of[id] = newest;
  }
  const auto now = Clock::now();
  std::vector<InferenceJob> jobs;
  std::vector<int64_t> clean;  // dirty entries that turned out up to date
  {
    std::shared_lock<std::shared_mutex> lock(sessions_mu_);
    for (int64_t id : candidates) {
      if (jobs.size() >= max_jobs) break;
      const ImageSession* s = sessions_.image(id);
      if (!s) {
        clean.push_back(id);
        continue;
      }
      const bool stale = s->result_version != s->version || !s->result || forced_set.count(id);
      if (!stale) {
        clean.push_back(id);
        continue;
      }
      const bool due = forced_set.count(id) || now - s->updated >= debounce || s->waiting.empty() ||
                       now - s->waiting.front() >= max_delay;
      if (due) {
        jobs.push_back(snapshot_job(id, *s));
        auto n = newest_of.find(id);
        if (n != newest_of.end()) jobs.back().newest = n->second;
      }
    }
  }
  if (!clean.empty()) {
    std::lock_guard<std::mutex> il(infer_mu_);
    for (int64_t id : clean) dirty_.erase(id);
  }
  return jobs;
}

Service::InferenceJob Service::snapshot_job(int64_t id, const ImageSession& s) const {
  InferenceJob j;
  j.id = id;
  j.model = s.model;
  j.version = s.version;
  j.covered = s.waiting.size();
  j.ready = s.decoder->ready();
  const uint32_t n = j.model->codec.config.latent_elements();
  j.latent.assign(n, 0.0f);
  j.mask.assign(n, 0);
  if (j.ready) s.decoder->latent(j.latent.data(), j.mask.data());
  return j;
}

void Service::run_jobs(std::vector<InferenceJob>* jobs) {
  for (InferenceJob& j : *jobs) {
    j.result = std::make_shared<InferenceResult>();
    InferenceEngine& engine = engines_->engine_for(*j.model);
    if (j.ready) {
      try {
        *j.result = engine.run(*j.model, j.latent.data(), j.mask.data(), options_.top_k);
      } catch (const std::exception& e) {
        log("inference of image " + std::to_string(j.id) + " failed: " + e.what());
        metrics_.add("limitnet_inference_errors_total");
        j.result->status = std::string("inference failed: ") + e.what();
      }
    } else {
      j.result->status = "not ready";
      j.result->engine = engine.name();
      j.result->cloud = engine.cloud_part(*j.model);
      j.result->latent_elements = j.model->codec.config.latent_elements();
    }
  }
}

void Service::store_results(const std::vector<InferenceJob>& jobs) {
  bool publish = false;
  {
    std::lock_guard<std::mutex> lock(cb_mu_);
    publish = static_cast<bool>(result_cb_);
  }
  const int64_t done_ms = unix_ms_now();
  std::vector<nlohmann::json> published;
  const std::vector<int64_t> done_ids = apply_results(jobs, done_ms, publish ? &published : nullptr);
  {
    std::lock_guard<std::mutex> il(infer_mu_);
    for (int64_t id : done_ids) dirty_.erase(id);
  }
  {
    // Persisted by the core thread in its next transaction.
    std::vector<StoredResult> rows;
    rows.reserve(jobs.size());
    for (const InferenceJob& j : jobs) rows.push_back(stored_result(j.id, j.version, *j.result, done_ms));
    std::lock_guard<std::mutex> lock(results_mu_);
    unsaved_results_.insert(unsaved_results_.end(), std::make_move_iterator(rows.begin()),
                            std::make_move_iterator(rows.end()));
  }
  infer_cv_.notify_all();  // wakes infer_now() waiters
  std::lock_guard<std::mutex> lock(cb_mu_);
  if (result_cb_) {
    for (const nlohmann::json& j : published) result_cb_(j);
  }
}

std::vector<int64_t> Service::apply_results(const std::vector<InferenceJob>& jobs, int64_t done_ms,
                                            std::vector<nlohmann::json>* published) {
  std::vector<int64_t> done_ids;  // images whose result is now up to date
  std::unique_lock<std::shared_mutex> lock(sessions_mu_);
  const auto done = Clock::now();
  uint64_t skipped = 0;
  for (const InferenceJob& j : jobs) {
    ImageSession* s = sessions_.image(j.id);
    if (!s) continue;
    // States between the previous result and this one never had their own inference.
    if (j.version > s->result_version + 1) skipped += j.version - s->result_version - 1;
    last_covered_ = std::max(last_covered_, j.newest);
    s->result = j.result;
    s->result_version = j.version;
    s->result_ms = done_ms;
    s->result_serial++;
    const size_t covered = std::min(j.covered, s->waiting.size());
    for (size_t i = 0; i < covered; ++i) metrics_.observe_latency_ms(ms_between(s->waiting[i], done));
    s->waiting.erase(s->waiting.begin(), s->waiting.begin() + static_cast<std::ptrdiff_t>(covered));
    if (s->version == j.version) done_ids.push_back(j.id);
    if (published) published->push_back(image_json_locked(*s));
  }
  if (skipped) metrics_.add("limitnet_inference_skipped_stale_total", "", skipped);
  return done_ids;
}

bool Service::bring_back(int64_t id, int timeout_ms) {
  {
    // Kept in memory a while: the sweep must not evict what a request is about to use.
    std::unique_lock<std::shared_mutex> lock(sessions_mu_);
    if (ImageSession* s = sessions_.image(id)) {
      s->pinned_until_ms = std::max(s->pinned_until_ms, unix_ms_now() + 30000);
      return true;
    }
  }
  if (!loader_ || !running_) return false;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    wanted_.push_back(id);
  }
  queue_cv_.notify_one();
  return poll_sessions(timeout_ms, [&] { return sessions_.image(id) != nullptr; }) == 1;
}

int Service::poll_sessions(int timeout_ms, const std::function<int()>& check) const {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::shared_lock<std::shared_mutex> lock(sessions_mu_);
    if (const int answer = check()) return answer;
  }
  return 0;
}

void Service::bring_back_wanted() {
  std::vector<int64_t> wanted;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    wanted.swap(wanted_);
  }
  if (wanted.empty()) return;
  std::unique_lock<std::shared_mutex> lock(sessions_mu_);
  sessions_.begin_batch(unix_ms_now());
  for (int64_t id : wanted) sessions_.bring_back(id);
  after_routing();
}

bool Service::infer_now(int64_t id, int timeout_ms, bool force) {
  if (!bring_back(id, timeout_ms)) return false;
  uint64_t serial = 0;
  {
    std::shared_lock<std::shared_mutex> lock(sessions_mu_);
    const ImageSession* s = sessions_.image(id);
    if (!s) return false;
    if (!force && s->result && s->result_version == s->version) return true;
    serial = s->result_serial;
  }
  {
    std::lock_guard<std::mutex> lock(infer_mu_);
    forced_.push_back(id);
  }
  infer_cv_.notify_all();
  // 1: a new, up-to-date result; -1: the image is gone.
  return poll_sessions(timeout_ms, [&] {
           const ImageSession* s = sessions_.image(id);
           if (!s) return -1;
           return s->result_serial != serial && s->result_version == s->version ? 1 : 0;
         }) >= 0;
}

// ---- read side ------------------------------------------------------------------------

nlohmann::json Service::image_json_locked(const ImageSession& s) const {
  using nlohmann::json;
  json j = {{"id", s.info.id},
            {"device", s.info.device},
            {"image_id", s.info.image_id},
            {"model_id", model_id_text(s.info.model_id)},
            {"first_packet_ms", s.info.opened_ms},
            {"last_packet_ms", s.last_ms},
            {"packets", s.packets},
            {"packets_new", s.packets_new},
            {"packets_duplicate", s.packets_duplicate},
            {"packets_rejected", s.packets_rejected},
            {"bytes", s.bytes},
            {"values_received", s.decoder->values_received()},
            {"latent_elements", s.model->codec.config.latent_elements()},
            {"values_sent", s.model->codec.config.sent_elements()},
            {"contiguous_ranks", s.decoder->contiguous_ranks()},
            {"ready", s.decoder->ready()},
            {"reconstruction_url", "/images/" + std::to_string(s.info.id) + "/reconstruction.png"}};
  json result = nullptr;
  if (s.result) {
    result = {{"status", s.result->status},
              {"engine", s.result->engine},
              {"cloud_id", s.result->cloud.empty() ? json(nullptr) : json(s.result->cloud)},
              {"image_kind", s.result->image_kind},
              {"top_k", top_k_json(*s.result)},
              {"values_received", s.result->values_received},
              {"computed_ms", s.result_ms},
              {"up_to_date", s.result_version == s.version}};
  }
  j["result"] = result;
  return j;
}

std::unique_ptr<ImageSession> Service::load_detached(int64_t id) const {
  StoredImage im;
  std::vector<StoredPacket> packets;
  StoredResult result;
  bool has_result = false;
  if (!store_->read_image(id, &im, &packets, &result, &has_result)) return nullptr;
  std::unique_ptr<ImageSession> s = sessions_.build_image(im, packets);
  if (s && has_result && stored_result_is_current(result, *s)) result_from_row(result, s.get());
  return s;
}

// fn(const ImageSession&) -> json for an image in memory, or built from the store when it
// was evicted; null json when the image is unknown. Called without the sessions lock.
template <typename Fn>
nlohmann::json Service::with_image(int64_t id, Fn fn) const {
  {
    std::shared_lock<std::shared_mutex> lock(sessions_mu_);
    if (const ImageSession* s = sessions_.image(id)) return fn(*s);
  }
  const std::unique_ptr<ImageSession> s = load_detached(id);
  return s ? fn(*s) : nlohmann::json(nullptr);
}

nlohmann::json Service::devices_json(const Page& page, PageInfo* info) const {
  PageInfo local;
  if (!info) info = &local;
  std::vector<StoredDeviceRow> rows;
  // The store lists every device, evicted or not; an in-memory store never evicts.
  if (store_->list_devices(page.after, page.offset, page.limit, &rows, &info->total, &info->more)) {
    nlohmann::json out = nlohmann::json::array();
    for (const StoredDeviceRow& row : rows) {
      nlohmann::json j = resident_device_json(row.device.device);
      if (j.is_null()) {
        j = {{"id", row.device.device},
             {"last_fcnt", row.device.last_fcnt},
             {"last_seen_ms", row.last_seen_ms},
             {"images", row.images},
             {"latest_image", nullptr}};
        if (row.newest) j["latest_image"] = image_json(row.newest);
      }
      out.push_back(std::move(j));
      info->last = row.device.device;
    }
    return out;
  }
  nlohmann::json out = nlohmann::json::array();
  std::shared_lock<std::shared_mutex> lock(sessions_mu_);
  const auto& devices = sessions_.devices();
  info->total = devices.size();
  // The cursor is a device id: the page starts at the first id after it (ids sort as
  // strings), so devices added meanwhile never shift a page.
  auto it = page.after.empty() ? devices.begin() : devices.upper_bound(page.after);
  for (size_t skip = page.offset; skip > 0 && it != devices.end(); --skip) ++it;
  for (; it != devices.end() && out.size() < page.limit; ++it) {
    out.push_back(device_json_locked(it->second));
    info->last = it->first;
  }
  info->more = it != devices.end();
  return out;
}

nlohmann::json Service::device_json_locked(const DeviceSession& d) const {
  nlohmann::json j = {
      {"id", d.id}, {"last_fcnt", d.last_fcnt}, {"last_seen_ms", d.last_seen_ms}, {"images", d.image_count}};
  const ImageSession* latest = sessions_.image(d.newest_image);
  j["latest_image"] = latest ? image_json_locked(*latest) : nlohmann::json(nullptr);
  return j;
}

nlohmann::json Service::resident_device_json(const std::string& device) const {
  nlohmann::json j;
  int64_t evicted_latest = 0;
  {
    std::shared_lock<std::shared_mutex> lock(sessions_mu_);
    auto it = sessions_.devices().find(device);
    if (it == sessions_.devices().end()) return nullptr;
    j = device_json_locked(it->second);
    if (j["latest_image"].is_null()) evicted_latest = it->second.newest_image;
  }
  if (evicted_latest) j["latest_image"] = image_json(evicted_latest);  // reads the store: no lock
  return j;
}

nlohmann::json Service::device_images_json(const std::string& device, const Page& page, PageInfo* info) const {
  std::vector<int64_t> ids;
  {
    std::shared_lock<std::shared_mutex> lock(sessions_mu_);
    auto it = sessions_.devices().find(device);
    const bool resident = it != sessions_.devices().end();
    // The store lists every image of the device; an in-memory store never evicts.
    if (!store_->device_image_ids(device, &ids) && resident)
      ids.assign(it->second.resident.begin(), it->second.resident.end());
    if (!resident && ids.empty()) return nullptr;
  }
  nlohmann::json out = nlohmann::json::array();
  size_t position = 0;  // newest first
  for (auto r = ids.rbegin(); r != ids.rend() && out.size() < page.limit; ++r, ++position) {
    if (position < page.offset) continue;
    nlohmann::json j = with_image(*r, [&](const ImageSession& s) { return image_json_locked(s); });
    if (!j.is_null()) out.push_back(std::move(j));
  }
  if (info) {
    info->total = ids.size();
    info->more = page.offset + out.size() < ids.size();
  }
  return out;
}

nlohmann::json Service::image_json(int64_t id) const {
  return with_image(id, [&](const ImageSession& s) { return image_json_locked(s); });
}

nlohmann::json Service::image_packets_json(int64_t id) const {
  return with_image(id, [](const ImageSession& s) {
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < s.packet_data.size(); ++i) {
      out.push_back({{"fcnt", s.packet_fcnt[i]}, {"data", base64_encode(s.packet_data[i])}});
    }
    return out;
  });
}

nlohmann::json Service::image_latent_json(int64_t id) const {
  return with_image(id, [id](const ImageSession& s) -> nlohmann::json {
    return {{"id", id},
            {"ready", s.decoder->ready()},
            {"values_received", s.decoder->values_received()},
            {"symbols", base64_encode(s.decoder->symbols())},
            {"mask", base64_encode(s.decoder->mask())}};
  });
}

bool Service::image_png(int64_t id, std::vector<uint8_t>* png, std::string* kind) {
  std::shared_ptr<const InferenceResult> result;
  auto latest = [&] {
    std::shared_lock<std::shared_mutex> lock(sessions_mu_);
    const ImageSession* s = sessions_.image(id);
    result = s ? s->result : nullptr;
    return s && s->decoder->ready();
  };
  if (!bring_back(id, 5000)) return false;  // an evicted image comes back to be drawn
  const bool ready = latest();
  if (!result) return false;
  if (result->image.empty() && ready && !result->image_kind.empty()) {
    // Restored from the store without its picture: draw it now (same state, same picture).
    infer_now(id, 10000, true);
    latest();
    if (!result) return false;
  }
  if (result->image.empty()) return false;
  *png = data::encode_png(result->image);  // outside the lock: PNG encoding is the slow part
  *kind = result->image_kind;
  return true;
}

}  // namespace limitnet::server
