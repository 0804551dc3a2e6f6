// limitnet inspect FILE: what is inside a packet file (.lnp) or a model bundle (.lnm).
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>

#include "cli_common.h"
#include "cli_flags.h"
#include "codec/host/bundle_file.h"
#include "codec/host/container.h"
#include "codec/packet_format.h"

namespace limitnet::cli {

namespace {
struct InspectOptions {
  std::string input;
  bool json = false;
};

void inspect_lnp(const std::string& path, bool json) {
  const LnpFile file = read_lnp(path);
  nlohmann::json packets = nlohmann::json::array();
  size_t total = 0, overhead = 0, saliency = 0, payload = 0;
  uint32_t covered = 0;
  for (size_t i = 0; i < file.packets.size(); ++i) {
    const auto& p = file.packets[i];
    PacketInfo info;
    const Status s = parse_packet_structure(p.data(), p.size(), file.saliency_bytes, &info);
    nlohmann::json j = {{"index", i}, {"bytes", p.size()}};
    total += p.size();
    if (s != Status::kOk) {
      j["error"] = status_message(s);
      packets.push_back(j);
      continue;
    }
    const size_t framing = p.size() - info.saliency_size - info.payload_size;
    overhead += framing;
    saliency += info.saliency_size;
    payload += info.payload_size;
    j["kind"] = info.kind == PacketKind::kHead ? "head" : "data";
    j["overhead_bytes"] = framing;
    j["saliency_bytes"] = info.saliency_size;
    j["payload_bytes"] = info.payload_size;
    j["crc_ok"] = packet_crc(file.model_id, p.data(), p.size() - kCrcBytes) == info.crc;
    if (info.has_data) {
      j["rank_start"] = info.rank_start;
      j["rank_end"] = info.rank_start + info.count;
      covered += info.count;
    }
    if (info.kind == PacketKind::kHead) {
      j["chunk"] = std::to_string(info.chunk_index + 1) + "/" + std::to_string(info.chunk_count);
    }
    packets.push_back(j);
  }
  const nlohmann::json summary = {
      {"file", path},
      {"model_id", hex32(file.model_id)},
      {"image_id", file.image_id},
      {"max_payload", file.max_payload},
      {"packet_count", file.packets.size()},
      {"total_bytes", total},
      {"overhead_bytes", overhead},
      {"overhead_bytes_per_packet",
       file.packets.empty() ? 0.0 : static_cast<double>(overhead) / static_cast<double>(file.packets.size())},
      {"saliency_bytes", saliency},
      {"payload_bytes", payload},
      {"latent_values", file.latent_elements},
      {"ranks_covered", covered},
      {"packets", packets}};
  if (json) return print_json(summary);
  std::cout << path << ": " << file.packets.size() << " packets, " << total << " bytes (model " << hex32(file.model_id)
            << ", image " << int(file.image_id) << ", max payload " << file.max_payload << ")\n"
            << "  framing overhead " << overhead << " bytes (" << std::fixed << std::setprecision(2)
            << summary["overhead_bytes_per_packet"].get<double>() << " per packet), saliency " << saliency
            << " bytes, latent payload " << payload << " bytes, ranks covered " << covered << " of "
            << file.latent_elements << "\n";
  std::cout << "  #     kind  bytes  overhead  ranks\n";
  for (const auto& j : packets) {
    std::cout << "  " << std::left << std::setw(5) << j["index"].get<size_t>() << " " << std::setw(5)
              << j.value("kind", "bad") << " " << std::right << std::setw(5) << j["bytes"].get<size_t>() << "  "
              << std::setw(8) << j.value("overhead_bytes", size_t{0}) << "  ";
    if (j.contains("rank_start")) std::cout << "[" << j["rank_start"] << ", " << j["rank_end"] << ")";
    if (j.contains("chunk")) std::cout << " saliency " << j["chunk"].get<std::string>();
    if (j.contains("error")) std::cout << j["error"].get<std::string>();
    std::cout << "\n";
  }
}

void inspect_bundle(const std::string& path, bool json) {
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
  const nlohmann::json summary = {{"file", path},     {"model_id", hex32(b.view.model_id())},
                                  {"parts", parts},   {"bytes", b.size},
                                  {"config", config}, {"sections", sections}};
  if (json) return print_json(summary);
  std::cout << path << ": model bundle " << hex32(b.view.model_id()) << " (" << parts << "), " << b.size << " bytes\n"
            << config;
  for (const auto& s : sections) {
    std::cout << "  " << std::left << std::setw(28) << s["name"].get<std::string>() << " " << std::setw(5)
              << s["dtype"].get<std::string>() << " " << s["shape"].dump() << "\n";
  }
}
}  // namespace

namespace {
void register_inspect(CLI::App& app) {
  auto opts = std::make_shared<InspectOptions>();
  CLI::App* cmd = add_command(app, "inspect");
  cmd->add_option("input", opts->input, "A .lnp or .lnm file")->required()->check(CLI::ExistingFile);
  add_shared_flag(cmd, Flag::kJson, opts->json);
  cmd->callback([opts]() {
    char magic[4] = {};
    std::ifstream f(opts->input, std::ios::binary);
    f.read(magic, 4);
    if (std::memcmp(magic, "LNMB", 4) == 0) return inspect_bundle(opts->input, opts->json);
    if (std::memcmp(magic, "LNP1", 4) == 0) return inspect_lnp(opts->input, opts->json);
    throw CliError(opts->input + ": neither a LimitNet packet file (.lnp) nor a model bundle (.lnm)");
  });
}

}  // namespace

LIMITNET_SUBCOMMAND(30, register_inspect);

}  // namespace limitnet::cli
