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

Route SessionManager::route(const Uplink& u) {
  Route r;
  // Identity and counter checks first: they need no parse, and a replay must not cost one.
  if (!check_identity(u, &r) || !check_counter(u, &r)) return r;
  auto dev = devices_.find(u.device);
  PacketInfo info;
  const ModelEntry* model = nullptr;
  const Status s = models_->parse(u.payload.data(), u.payload.size(), &model, &info);
  if (s != Status::kOk) {
    r.reason = s == Status::kForeignModel ? "unknown_model" : status_name(s);
    r.detail = s == Status::kForeignModel ? "packet belongs to no loaded model" : status_message(s);
    return r;
  }
  r.ok = true;
  r.model = model;
  r.image_id = info.image_id;
  Pending& p = pending_[u.device];
  p.fcnt = u.fcnt;
  if (p.network_id.empty()) p.network_id = u.network_id;
  const auto key = std::make_pair(info.image_id, model->codec.model_id);
  // Same batch first: it is newer than anything applied.
  auto pi = p.images.find(key);
  if (pi != p.images.end() && u.received_ms - pi->second.second <= ttl_ms_) {
    r.image = pi->second.first;
    pi->second.second = u.received_ms;
    return r;
  }
  if (pi == p.images.end() && dev != devices_.end()) {
    auto li = dev->second.latest_image.find(info.image_id);
    if (li != dev->second.latest_image.end()) {
      const ImageSession& im = images_.at(li->second);
      if (im.model == model && u.received_ms - im.last_ms <= ttl_ms_) {
        r.image = im.info.id;
        p.images[key] = {r.image, u.received_ms};
        return r;
      }
    }
  }
  r.new_image = true;
  r.image = next_image_id_++;
  p.images[key] = {r.image, u.received_ms};
  return r;
}

ImageSession& SessionManager::open_image(const StoredImage& im) {
  ImageSession& s = images_[im.id];
  s.info = im;
  s.model = models_->find(im.model_id);
  s.decoder = std::make_unique<ImageDecoder>(&s.model->codec, im.image_id);
  s.last_ms = im.opened_ms;
  s.updated = std::chrono::steady_clock::now();
  DeviceSession& d = devices_[im.device];
  d.id = im.device;
  d.latest_image[im.image_id] = im.id;
  d.images.push_back(im.id);
  if (im.id >= next_image_id_) next_image_id_ = im.id + 1;
  return s;
}

void SessionManager::restore_image(const StoredImage& im) {
  // A model removed from the command line since: its sessions cannot be decoded.
  if (!models_->find(im.model_id)) return;
  open_image(im);
}

void SessionManager::restore_device(const StoredDevice& stored) {
  DeviceSession& d = devices_[stored.device];
  d.id = stored.device;
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
  DeviceSession& d = devices_[p.device];
  d.has_fcnt = true;
  d.last_fcnt = p.fcnt;
  d.last_seen_ms = p.received_ms;
  if (d.network_id.empty()) d.network_id = p.network_id;
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

void SessionManager::erase(const std::vector<int64_t>& ids) {
  for (int64_t id : ids) {
    auto it = images_.find(id);
    if (it == images_.end()) continue;
    DeviceSession& d = devices_[it->second.info.device];
    auto li = d.latest_image.find(it->second.info.image_id);
    if (li != d.latest_image.end() && li->second == id) d.latest_image.erase(li);
    for (size_t i = 0; i < d.images.size(); ++i) {
      if (d.images[i] == id) {
        d.images.erase(d.images.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      }
    }
    images_.erase(it);
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
