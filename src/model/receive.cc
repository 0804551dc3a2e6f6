#include "model/receive.h"

#include <stdexcept>

#include "codec/dec/progressive_decoder.h"

namespace limitnet {

PacketFileWithModel open_packet_file(const std::string& input, const std::string& model) {
  PacketFileWithModel in{input, read_lnp(input), open_model_file(model)};
  const uint32_t id = in.model.codec->model_id;
  if (in.file.model_id != id) {
    throw std::runtime_error(input + ": encoded by model " + model_id_text(in.file.model_id) + ", but " + model +
                             " is model " + model_id_text(id));
  }
  return in;
}

ReceivedImage receive_packets(const PacketFileWithModel& in, std::vector<size_t> chosen, const ReceiveWarning& warn) {
  if (chosen.empty()) {
    for (size_t i = 0; i < in.file.packets.size(); ++i) chosen.push_back(i);
  }
  const CodecModel& codec = *in.model.codec;
  ProgressiveDecoder decoder(&codec);
  nlohmann::json rejected = nlohmann::json::array();
  ReceivedImage r;
  for (size_t i : chosen) {
    const auto& p = in.file.packets[i];
    const Status s = decoder.add_packet(p.data(), p.size());
    if (s != Status::kOk) {
      warn(in.input + ": packet " + std::to_string(i) + " rejected: " + status_message(s));
      rejected.push_back({{"packet", i}, {"reason", status_name(s)}});
    } else {
      r.bytes += p.size();
    }
  }
  const ImageDecoder* image = decoder.image(in.file.image_id);
  if (image == nullptr || !image->ready()) {
    throw std::runtime_error(
        in.input + ": nothing decodable yet: the header/saliency packet(s) are not among the selected packets");
  }
  const CodecConfig& cfg = codec.config;
  r.latent.resize(cfg.latent_elements());
  r.mask.resize(cfg.latent_elements());
  image->latent(r.latent.data(), r.mask.data());
  r.shape = {static_cast<size_t>(cfg.latent_channels), static_cast<size_t>(cfg.latent_side),
             static_cast<size_t>(cfg.latent_side)};
  r.packets_used = chosen.size() - rejected.size();
  r.values_received = image->values_received();
  r.values_sent = cfg.sent_elements();
  r.summary = {{"input", in.input},
               {"packets_used", r.packets_used},
               {"packets_rejected", rejected},
               {"bytes", r.bytes},
               {"values_received", r.values_received},
               {"latent_values", cfg.latent_elements()},
               {"values_sent", r.values_sent},
               {"contiguous_ranks", image->contiguous_ranks()},
               {"classes", nlohmann::json::array()}};
  return r;
}

std::string received_line(const ReceivedImage& r, const std::string& input, const std::string& output) {
  std::string line = input + ": " + std::to_string(r.values_received) + " of " + std::to_string(r.values_sent) +
                     " sent latent values from " + std::to_string(r.packets_used) + " packets (" +
                     std::to_string(r.bytes) + " bytes)";
  if (!output.empty()) line += " -> " + output;
  return line;
}

}  // namespace limitnet
