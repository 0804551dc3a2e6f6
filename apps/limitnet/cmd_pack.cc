// limitnet pack -m MODEL --hex FILE | --raw FILE ... -o OUT.lnp: raw packets captured from a
// device (hex lines, or one binary file per packet) into the .lnp that decode and inspect read.
#include <iostream>

#include "cli_common.h"
#include "cli_flags.h"
#include "codec/host/model_file.h"
#include "codec/host/raw_packets.h"

namespace limitnet::cli {

namespace {
struct PackOptions {
  std::string model, output;
  std::vector<std::string> hex_files, raw_files;
  size_t payload = 0;  // 0: the largest packet
  bool json = false;
};

// The packets of the --hex files, then one per --raw file, each in the order given.
std::vector<RawPacket> read_packets(const PackOptions& o) {
  std::vector<RawPacket> packets;
  for (const std::string& path : o.hex_files) {
    for (RawPacket& p : read_hex_packet_file(path)) packets.push_back(std::move(p));
  }
  for (const std::string& path : o.raw_files) packets.push_back(read_raw_packet_file(path));
  return packets;
}

void run_pack(const PackOptions& o) {
  if (o.hex_files.empty() && o.raw_files.empty()) throw CliError("no input: give --hex FILE or --raw FILE");
  const ModelFile model = open_model_file(o.model);
  const LnpFile file = pack_raw_packets(*model.codec, read_packets(o), o.payload);
  write_lnp(o.output, file);
  size_t bytes = 0;
  for (const RawPacket& p : file.packets) bytes += p.size();
  if (o.json) {
    print_json({{"output", o.output},
                {"model_id", model_id_text(file.model_id)},
                {"image_id", file.image_id},
                {"packets", file.packets.size()},
                {"bytes", bytes},
                {"max_payload", file.max_payload}});
  } else {
    std::cout << o.output << ": " << file.packets.size() << " packets, " << bytes << " bytes of image "
              << int(file.image_id) << " (max " << file.max_payload << " bytes per packet, model "
              << model_id_text(file.model_id) << ")\n";
  }
}

void register_pack(CLI::App& app) {
  auto opts = std::make_shared<PackOptions>();
  CLI::App* cmd = add_command(app, "pack");
  add_shared_option(cmd, Flag::kModel, opts->model)->required()->check(CLI::ExistingFile);
  cmd->add_option("--hex", opts->hex_files,
                  "Text file of packets, one per line in hex ('-' = stdin; blanks and # comments skipped)");
  cmd->add_option("--raw", opts->raw_files, "Binary file holding one packet (packed after the --hex packets)");
  add_shared_option(cmd, Flag::kPayload, opts->payload,
                    "Maximum bytes per packet recorded in the file (default: the largest packet)");
  add_shared_option(cmd, Flag::kOutput, opts->output, "Output packet file (.lnp)")->required();
  add_shared_flag(cmd, Flag::kJson, opts->json, "Print a JSON summary");
  cmd->callback([opts]() { run_pack(*opts); });
}
}  // namespace

LIMITNET_SUBCOMMAND(15, register_pack);

}  // namespace limitnet::cli
