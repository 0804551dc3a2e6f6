#include "codec/host/inspect.h"

#include <cstring>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>

#include "codec/host/bundle_file.h"
#include "codec/host/container.h"
#include "codec/host/model_file.h"
#include "codec/packet_format.h"

namespace limitnet {

namespace {
struct PacketTotals {
  size_t total = 0, overhead = 0, saliency = 0, payload = 0;
  uint32_t covered = 0;
};

nlohmann::json describe_packet(const LnpFile& file, size_t i, PacketTotals* sum) {
  const auto& p = file.packets[i];
  PacketInfo info;
  const Status s = parse_packet_structure(p.data(), p.size(), file.saliency_bytes, &info);
  nlohmann::json j = {{"index", i}, {"bytes", p.size()}};
  sum->total += p.size();
  if (s != Status::kOk) {
    j["error"] = status_message(s);
    return j;
  }
  const size_t framing = p.size() - info.saliency_size - info.payload_size;
  sum->overhead += framing;
  sum->saliency += info.saliency_size;
  sum->payload += info.payload_size;
  j["kind"] = info.kind == PacketKind::kHead ? "head" : "data";
  j["overhead_bytes"] = framing;
  j["saliency_bytes"] = info.saliency_size;
  j["payload_bytes"] = info.payload_size;
  j["crc_ok"] = packet_crc(file.model_id, p.data(), p.size() - kCrcBytes) == info.crc;
  if (info.has_data) {
    j["rank_start"] = info.rank_start;
    j["rank_end"] = info.rank_start + info.count;
    sum->covered += info.count;
  }
  if (info.kind == PacketKind::kHead) {
    j["chunk"] = std::to_string(info.chunk_index + 1) + "/" + std::to_string(info.chunk_count);
  }
  return j;
}

nlohmann::json inspect_lnp(const std::string& path) {
  const LnpFile file = read_lnp(path);
  nlohmann::json packets = nlohmann::json::array();
  PacketTotals sum;
  for (size_t i = 0; i < file.packets.size(); ++i) packets.push_back(describe_packet(file, i, &sum));
  const size_t count = file.packets.size();
  return {
      {"file", path},
      {"model_id", model_id_text(file.model_id)},
      {"image_id", file.image_id},
      {"max_payload", file.max_payload},
      {"packet_count", count},
      {"total_bytes", sum.total},
      {"overhead_bytes", sum.overhead},
      {"overhead_bytes_per_packet", count == 0 ? 0.0 : static_cast<double>(sum.overhead) / static_cast<double>(count)},
      {"saliency_bytes", sum.saliency},
      {"payload_bytes", sum.payload},
      {"values_sent", file.values_sent},
      {"ranks_covered", sum.covered},
      {"packets", packets}};
}

nlohmann::json inspect_bundle(const std::string& path) {
  const LoadedBundle b = load_bundle(path);
  nlohmann::json sections = nlohmann::json::array();
  std::string config;
  for (uint32_t i = 0; i < b.view.section_count(); ++i) {
    BundleTensor t;
    b.view.section(i, &t);
    const std::string name(t.name, t.name_len);
    if (name == "config") config.assign(reinterpret_cast<const char*>(t.data), t.bytes);
    sections.push_back({{"name", name},
                        {"dtype", dtype_name(t.dtype)},
                        {"shape", std::vector<uint32_t>(t.dims, t.dims + t.ndim)},
                        {"bytes", t.bytes}});
  }
  std::string parts;
  if (b.view.parts() & kBundlePartDevice) parts += "device";
  if (b.view.parts() & kBundlePartCloud) parts += parts.empty() ? "cloud" : "+cloud";
  const std::string cloud = cloud_part_id_text(b.view);
  const nlohmann::json cloud_id = cloud.empty() ? nlohmann::json(nullptr) : nlohmann::json(cloud);
  return {{"file", path},         {"model_id", model_id_text(b.view.model_id())},
          {"cloud_id", cloud_id}, {"parts", parts},
          {"bytes", b.size},      {"config", config},
          {"sections", sections}};
}

std::string lnp_text(const nlohmann::json& s) {
  std::ostringstream out;
  out << s["file"].get<std::string>() << ": " << s["packet_count"].get<size_t>() << " packets, "
      << s["total_bytes"].get<size_t>() << " bytes (model " << s["model_id"].get<std::string>() << ", image "
      << s["image_id"].get<int>() << ", max payload " << s["max_payload"] << ")\n"
      << "  framing overhead " << s["overhead_bytes"].get<size_t>() << " bytes (" << std::fixed << std::setprecision(2)
      << s["overhead_bytes_per_packet"].get<double>() << " per packet), saliency " << s["saliency_bytes"].get<size_t>()
      << " bytes, latent payload " << s["payload_bytes"].get<size_t>() << " bytes, ranks covered "
      << s["ranks_covered"].get<uint32_t>() << " of " << s["values_sent"] << " sent values\n";
  out << "  #     kind  bytes  overhead  ranks\n";
  for (const auto& j : s["packets"]) {
    out << "  " << std::left << std::setw(5) << j["index"].get<size_t>() << " " << std::setw(5)
        << j.value("kind", "bad") << " " << std::right << std::setw(5) << j["bytes"].get<size_t>() << "  "
        << std::setw(8) << j.value("overhead_bytes", size_t{0}) << "  ";
    if (j.contains("rank_start")) out << "[" << j["rank_start"] << ", " << j["rank_end"] << ")";
    if (j.contains("chunk")) out << " saliency " << j["chunk"].get<std::string>();
    if (j.contains("error")) out << j["error"].get<std::string>();
    out << "\n";
  }
  return out.str();
}

std::string bundle_text(const nlohmann::json& s) {
  std::ostringstream out;
  out << s["file"].get<std::string>() << ": model bundle " << s["model_id"].get<std::string>() << " ("
      << s["parts"].get<std::string>() << "), " << s["bytes"] << " bytes";
  if (s["cloud_id"].is_string()) out << ", cloud part " << s["cloud_id"].get<std::string>();
  out << "\n" << s["config"].get<std::string>();
  for (const auto& j : s["sections"]) {
    out << "  " << std::left << std::setw(28) << j["name"].get<std::string>() << " " << std::setw(5)
        << j["dtype"].get<std::string>() << " " << j["shape"].dump() << "\n";
  }
  return out.str();
}
}  // namespace

nlohmann::json inspect_codec_file(const std::string& path) {
  char magic[4] = {};
  std::ifstream f(path, std::ios::binary);
  f.read(magic, 4);
  if (std::memcmp(magic, "LNMB", 4) == 0) return inspect_bundle(path);
  if (std::memcmp(magic, "LNP1", 4) == 0) return inspect_lnp(path);
  throw std::runtime_error(path + ": neither a LimitNet packet file (.lnp) nor a model bundle (.lnm)");
}

std::string inspect_text(const nlohmann::json& summary) {
  return summary.contains("sections") ? bundle_text(summary) : lnp_text(summary);
}

}  // namespace limitnet
