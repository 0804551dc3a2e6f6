#include "server/sessions.h"

#include <algorithm>

namespace limitnet::server {

bool SessionManager::check_counter(const Uplink& u, Route* r) const {
  auto dev = devices_.find(u.device);
  auto pend = pending_.find(u.device);
  bool has_fcnt = dev != devices_.end() && dev->second.has_fcnt;
  uint32_t last = has_fcnt ? dev->second.last_fcnt : 0;
  if (pend != pending_.end()) {
    has_fcnt = true;
    last = pend->second.fcnt;
  }
  if (!has_fcnt) return true;
  if (u.fcnt <= last) {
    r->reason = "replay";
    r->detail = "frame counter " + std::to_string(u.fcnt) + " <= last accepted " + std::to_string(last);
    return false;
  }
  if (u.fcnt - last > kMaxFcntGap) {
    r->reason = "fcnt_gap";
    r->detail = "frame counter " + std::to_string(u.fcnt) + " is more than " + std::to_string(kMaxFcntGap) +
                " ahead of the last accepted " + std::to_string(last);
    return false;
  }
  return true;
}

bool SessionManager::check_identity(const Uplink& u, Route* r) const {
  if (u.network_id.empty()) return true;
  std::string pinned;
  auto pend = pending_.find(u.device);
  auto dev = devices_.find(u.device);
  if (pend != pending_.end() && !pend->second.network_id.empty()) {
    pinned = pend->second.network_id;
  } else if (dev != devices_.end()) {
    pinned = dev->second.network_id;
  }
  if (pinned.empty() || pinned == u.network_id) return true;
  r->reason = "identity_mismatch";
  r->detail = "network device id " + u.network_id + " is not " + pinned + ", the one pinned to this DevEUI";
  return false;
}

void SessionManager::set_memory(const MemoryLimits& limits, SessionLoader* loader) {
  limits_ = limits;
  loader_ = loader;
}

void SessionManager::begin_batch(int64_t now_ms) {
  pending_.clear();
  batch_devices_.clear();
  batch_images_.clear();
  batch_new_devices_ = batch_new_images_ = 0;
  batch_images_full_ = false;
  image_scan_from_ = {INT64_MIN, INT64_MIN};
  reloaded_.clear();
  now_ms_ = now_ms;
}

Route SessionManager::route(const Uplink& u) {
  Route r;
  // Identity and counter checks first: they need no parse, and a replay must not cost one.
  // They need the device's persisted state, so an evicted device is reloaded first.
  if (!admit_device(u.device, &r) || !check_identity(u, &r) || !check_counter(u, &r)) return r;
  auto dev = devices_.find(u.device);
  PacketInfo info;
  const ModelEntry* model = nullptr;
  const Status s = models_->parse(u.payload.data(), u.payload.size(), &model, &info);
  if (s != Status::kOk) {
    r.reason = s == Status::kForeignModel ? "unknown_model" : status_name(s);
    r.detail = s == Status::kForeignModel ? "packet belongs to no loaded model" : status_message(s);
    return r;
  }
  r.model = model;
  r.image_id = info.image_id;
  const auto key = std::make_pair(info.image_id, model->codec.model_id);
  auto pend = pending_.find(u.device);
  const bool in_batch = pend != pending_.end() && pend->second.images.count(key);
  if (in_batch && u.received_ms - pend->second.images.at(key).second <= ttl_ms_) {
    r.image = pend->second.images.at(key).first;  // same batch first: newer than anything applied
  } else if (!in_batch && dev != devices_.end() && dev->second.latest_image.count(info.image_id)) {
    auto li = dev->second.latest_image.find(info.image_id);
    if (li->second.model_id == model->codec.model_id && u.received_ms - li->second.last_ms <= ttl_ms_) {
      bool gone = false;
      if (!admit_image(li->second.id, &r, &gone)) return r;
      if (gone) {
        dev->second.latest_image.erase(li);  // deleted by retention meanwhile
      } else {
        r.image = li->second.id;
      }
    }
  }
  if (r.image == 0) {
    if (!reserve_image(&r)) return r;
    r.new_image = true;
    r.image = next_image_id_++;
  }
  r.ok = true;
  Pending& p = pending_[u.device];
  p.fcnt = u.fcnt;
  if (p.network_id.empty()) p.network_id = u.network_id;
  p.images[key] = {r.image, u.received_ms};
  return r;
}

// ---- memory ---------------------------------------------------------------------------

bool SessionManager::admit_device(const std::string& device, Route* r) {
  if (devices_.count(device) || batch_devices_.count(device)) {
    batch_devices_.insert(device);
    return true;
  }
  if (limits_.max_devices && devices_.size() + batch_new_devices_ >= limits_.max_devices && !evict_one_device()) {
    r->reason = "memory_cap";
    r->detail = "new device: all " + std::to_string(limits_.max_devices) +
                " device slots in memory hold devices heard from in the last " +
                std::to_string(limits_.idle_ms / 1000) + " s";
    return false;
  }
  batch_devices_.insert(device);
  StoredDeviceState st;
  if (!loader_ || !loader_->load_device(device, &st)) {
    ++batch_new_devices_;  // never seen: apply() creates it
    return true;
  }
  DeviceSession& d = device_entry(device);
  d.has_fcnt = st.device.has_fcnt;
  d.last_fcnt = st.device.last_fcnt;
  d.network_id = st.device.network_id;
  int64_t last_seen = 0;
  for (const StoredImageRef& ref : st.latest) {
    d.latest_image[ref.image.image_id] = {ref.image.id, ref.image.model_id, ref.last_ms};
    last_seen = std::max(last_seen, ref.last_ms);
  }
  d.newest_image = st.newest;
  d.image_count = st.images;
  touch_device(d, last_seen);
  return true;
}

bool SessionManager::admit_image(int64_t id, Route* r, bool* gone) {
  *gone = false;
  if (images_.count(id)) {
    batch_images_.insert(id);
    return true;
  }
  if (!image_slot()) {
    r->reason = "memory_cap";
    r->detail = "evicted image " + std::to_string(id) + ": all " + std::to_string(limits_.max_images) +
                " image slots in memory hold active images";
    return false;
  }
  StoredImage im;
  std::vector<StoredPacket> packets;
  std::unique_ptr<ImageSession> built;
  if (loader_ && loader_->load_image(id, &im, &packets)) built = build_image(im, packets);
  if (!built) {
    *gone = true;
    return true;
  }
  if (!admit_device(im.device, r)) return false;  // loaded by route() already; bring_back() loads it here
  ImageSession& s = images_.emplace(id, std::move(*built)).first->second;
  const int64_t last_ms = s.last_ms;
  s.last_ms = 0;
  touch_image(s, last_ms);
  device_entry(im.device).resident.insert(id);
  batch_images_.insert(id);
  reloaded_.push_back(id);
  ++reloaded_images_;
  return true;
}

bool SessionManager::bring_back(int64_t id) {
  Route r;
  bool gone = false;
  if (!admit_image(id, &r, &gone) || gone) return false;
  images_.at(id).pinned_until_ms = now_ms_ + 30000;
  return true;
}

bool SessionManager::reserve_image(Route* r) {
  if (!image_slot()) {
    r->reason = "memory_cap";
    r->detail = "new image: all " + std::to_string(limits_.max_images) + " image slots in memory hold active images";
    return false;
  }
  ++batch_new_images_;
  return true;
}

bool SessionManager::image_slot() {
  if (!limits_.max_images || images_.size() + batch_new_images_ < limits_.max_images) return true;
  // Within a batch, evictability only shrinks: after one failed search, fail fast.
  if (batch_images_full_) return false;
  batch_images_full_ = !evict_one_image();
  return !batch_images_full_;
}

bool SessionManager::image_evictable(const ImageSession& s, int64_t now_ms) const {
  if (batch_images_.count(s.info.id) || s.pinned_until_ms > now_ms) return false;
  if (limits_.idle_ms > 0 && now_ms - s.last_ms >= limits_.idle_ms) return true;
  auto d = devices_.find(s.info.device);
  return d == devices_.end() || d->second.newest_image != s.info.id;  // superseded
}

bool SessionManager::evict_one_image() {
  if (!loader_) return false;
  // Within a batch what the scan passed stays unevictable (the batch's own images and the
  // newest recent ones): go on from there, or a batch reloading thousands of images
  // would rescan them for each (quadratic, and under the writers' lock).
  for (auto it = image_lru_.lower_bound(image_scan_from_); it != image_lru_.end(); ++it) {
    if (image_evictable(images_.at(it->second), now_ms_)) {
      image_scan_from_ = *it;
      evict_image(it->second);
      return true;
    }
  }
  image_scan_from_ = {INT64_MAX, INT64_MAX};
  return false;
}

bool SessionManager::evict_one_device() {
  if (!loader_ || limits_.idle_ms <= 0) return false;
  for (const auto& [last_seen, id] : device_lru_) {
    if (now_ms_ - last_seen < limits_.idle_ms) return false;  // the rest are newer
    if (batch_devices_.count(id)) continue;
    evict_device(std::string(id));
    return true;
  }
  return false;
}

void SessionManager::evict_image(int64_t id) {
  auto it = images_.find(id);
  if (it == images_.end()) return;
  image_lru_.erase({it->second.last_ms, id});
  auto d = devices_.find(it->second.info.device);
  if (d != devices_.end()) d->second.resident.erase(id);
  images_.erase(it);
  ++evicted_images_;
}

void SessionManager::evict_device(const std::string& device) {
  auto it = devices_.find(device);
  if (it == devices_.end()) return;
  const std::set<int64_t> resident = it->second.resident;
  for (int64_t id : resident) evict_image(id);
  device_lru_.erase({it->second.last_seen_ms, device});
  devices_.erase(it);
  ++evicted_devices_;
}

std::vector<int64_t> SessionManager::evict_idle(int64_t now_ms, const std::function<bool(int64_t)>& queued,
                                                bool to_caps) {
  begin_batch(now_ms);
  std::vector<int64_t> evicted;
  if (!loader_) return evicted;
  for (auto it = image_lru_.begin(); it != image_lru_.end();) {
    const ImageSession& s = images_.at(it->second);
    const int64_t id = (it++)->second;
    const bool idle = limits_.idle_ms > 0 && now_ms - s.last_ms >= limits_.idle_ms && s.pinned_until_ms <= now_ms;
    const bool finished = image_evictable(s, now_ms) && s.result && s.result_version == s.version;
    if ((idle || finished) && !queued(id)) {
      evict_image(id);
      evicted.push_back(id);
    }
  }
  while (to_caps && limits_.max_images && images_.size() > limits_.max_images) {
    evicted.push_back(image_lru_.begin()->second);
    evict_image(image_lru_.begin()->second);
  }
  for (auto it = device_lru_.begin(); it != device_lru_.end();) {
    const std::string id = (it++)->second;
    const DeviceSession& d = devices_.at(id);
    const bool over_cap = to_caps && limits_.max_devices && devices_.size() > limits_.max_devices;
    const bool idle = limits_.idle_ms > 0 && now_ms - d.last_seen_ms >= limits_.idle_ms;
    if (!idle && !over_cap) break;                         // the rest are newer
    if (d.resident.empty() || over_cap) evict_device(id);  // images still queued keep their device
  }
  return evicted;
}

void SessionManager::touch_image(ImageSession& s, int64_t last_ms) {
  image_lru_.erase({s.last_ms, s.info.id});
  s.last_ms = last_ms;
  image_lru_.insert({last_ms, s.info.id});
}

void SessionManager::touch_device(DeviceSession& d, int64_t last_seen_ms) {
  device_lru_.erase({d.last_seen_ms, d.id});
  d.last_seen_ms = last_seen_ms;
  device_lru_.insert({last_seen_ms, d.id});
}

DeviceSession& SessionManager::device_entry(const std::string& device) {
  auto [it, added] = devices_.try_emplace(device);
  if (added) {
    it->second.id = device;
    device_lru_.insert({0, device});
  }
  return it->second;
}

// ---- sessions -------------------------------------------------------------------------

ImageSession& SessionManager::open_image(const StoredImage& im) {
  ImageSession& s = images_[im.id];
  s.info = im;
  s.model = models_->find(im.model_id);
  s.decoder = std::make_unique<ImageDecoder>(&s.model->codec, im.image_id);
  s.updated = std::chrono::steady_clock::now();
  touch_image(s, im.opened_ms);
  DeviceSession& d = device_entry(im.device);
  d.latest_image[im.image_id] = {im.id, im.model_id, im.opened_ms};
  d.newest_image = std::max(d.newest_image, im.id);
  d.image_count++;
  d.resident.insert(im.id);
  if (im.id >= next_image_id_) next_image_id_ = im.id + 1;
  return s;
}

std::unique_ptr<ImageSession> SessionManager::build_image(const StoredImage& im,
                                                          const std::vector<StoredPacket>& packets) const {
  auto s = std::make_unique<ImageSession>();
  s->info = im;
  s->model = models_->find(im.model_id);
  if (!s->model) return nullptr;  // its model is no longer loaded
  s->decoder = std::make_unique<ImageDecoder>(&s->model->codec, im.image_id);
  s->last_ms = im.opened_ms;
  for (const StoredPacket& p : packets) apply_to_image(*s, p, {});
  s->waiting.clear();  // stored packets are not fresh arrivals
  s->updated = std::chrono::steady_clock::now();
  return s;
}

void SessionManager::restore_image(const StoredImage& im) {
  // A model removed from the command line since: its sessions cannot be decoded.
  if (!models_->find(im.model_id)) return;
  open_image(im);
}

void SessionManager::restore_device(const StoredDevice& stored) {
  DeviceSession& d = device_entry(stored.device);
  d.has_fcnt = stored.has_fcnt;
  d.last_fcnt = stored.last_fcnt;
  d.network_id = stored.network_id;
}

bool SessionManager::reset_device(const std::string& device) {
  auto it = devices_.find(device);
  if (it == devices_.end()) return false;
  it->second.has_fcnt = false;
  it->second.last_fcnt = 0;
  it->second.network_id.clear();
  return true;
}

Status SessionManager::apply(const StoredImage* new_image, const StoredPacket& p,
                             std::chrono::steady_clock::time_point arrival) {
  if (new_image) open_image(*new_image);
  auto it = images_.find(p.image);
  if (it == images_.end()) {
    if (p.image >= next_image_id_) next_image_id_ = p.image + 1;
    return Status::kNotReady;  // replay of an image whose model is no longer loaded
  }
  ImageSession& s = it->second;
  DeviceSession& d = device_entry(p.device);
  d.has_fcnt = true;
  d.last_fcnt = p.fcnt;
  if (d.network_id.empty()) d.network_id = p.network_id;
  touch_device(d, p.received_ms);
  auto li = d.latest_image.find(s.info.image_id);
  if (li != d.latest_image.end() && li->second.id == p.image) li->second.last_ms = p.received_ms;
  touch_image(s, p.received_ms);
  return apply_to_image(s, p, arrival);
}

Status SessionManager::apply_to_image(ImageSession& s, const StoredPacket& p,
                                      std::chrono::steady_clock::time_point arrival) {
  s.last_ms = p.received_ms;
  s.packets++;
  s.bytes += p.data.size();
  s.packet_data.push_back(p.data);
  s.packet_fcnt.push_back(p.fcnt);
  PacketInfo info;
  Status st = parse_packet(p.data.data(), p.data.size(), s.model->codec.model_id,
                           s.model->codec.config.saliency_bytes(), &info);
  bool duplicate = false;
  if (st == Status::kOk) st = s.decoder->add(info, &duplicate);
  if (st != Status::kOk) {
    s.packets_rejected++;
  } else if (duplicate) {
    s.packets_duplicate++;
  } else {
    s.packets_new++;
    s.version++;
    s.updated = std::chrono::steady_clock::now();
    s.waiting.push_back(arrival);
  }
  return st;
}

void SessionManager::erase(const std::vector<StoredImage>& gone) {
  for (const StoredImage& im : gone) {
    auto it = images_.find(im.id);
    if (it != images_.end()) {
      image_lru_.erase({it->second.last_ms, im.id});
      images_.erase(it);
    }
    auto d = devices_.find(im.device);
    if (d == devices_.end()) continue;
    DeviceSession& dev = d->second;
    dev.resident.erase(im.id);
    if (dev.image_count > 0) dev.image_count--;
    auto li = dev.latest_image.find(im.image_id);
    if (li != dev.latest_image.end() && li->second.id == im.id) dev.latest_image.erase(li);
    if (dev.newest_image == im.id) {
      dev.newest_image = 0;
      for (const auto& [image_id, ref] : dev.latest_image) dev.newest_image = std::max(dev.newest_image, ref.id);
    }
  }
}

double SessionManager::oldest_waiting_ms(std::chrono::steady_clock::time_point now) const {
  double oldest = 0;
  for (const auto& [id, s] : images_) {
    if (!s.waiting.empty())
      oldest = std::max(oldest, std::chrono::duration<double, std::milli>(now - s.waiting.front()).count());
  }
  return oldest;
}

ImageSession* SessionManager::image(int64_t id) {
  auto it = images_.find(id);
  return it == images_.end() ? nullptr : &it->second;
}

const ImageSession* SessionManager::image(int64_t id) const {
  auto it = images_.find(id);
  return it == images_.end() ? nullptr : &it->second;
}

}  // namespace limitnet::server
