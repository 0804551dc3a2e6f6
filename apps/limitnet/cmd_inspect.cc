// limitnet inspect FILE: what is inside a packet file (.lnp) or a model bundle (.lnm).
#include <iostream>

#include "cli_common.h"
#include "cli_flags.h"
#include "codec/host/inspect.h"

namespace limitnet::cli {

namespace {
struct InspectOptions {
  std::string input;
  bool json = false;
};
}  // namespace

namespace {
void register_inspect(CLI::App& app) {
  auto opts = std::make_shared<InspectOptions>();
  CLI::App* cmd = add_command(app, "inspect");
  cmd->add_option("input", opts->input, "A .lnp or .lnm file")->required()->check(CLI::ExistingFile);
  add_shared_flag(cmd, Flag::kJson, opts->json);
  cmd->callback([opts]() {
    const nlohmann::json summary = inspect_codec_file(opts->input);
    if (opts->json) return print_json(summary);
    std::cout << inspect_text(summary);
  });
}

}  // namespace

LIMITNET_SUBCOMMAND(30, register_inspect);

}  // namespace limitnet::cli
