// limitnet: one command line for the whole system. Subcommands live in cmd_*.cc; their
// names and descriptions in cli_flags.cc's command table. This file is compiled twice
// (apps/limitnet/CMakeLists.txt): into `limitnet`, which links no libtorch and, in a build
// with libtorch, hands the commands that need it to `limitnet-torch` beside it
// (LIMITNET_CLI_FORWARDS_TO_TORCH), and into `limitnet-torch`, which runs every command.
#include <cstring>
#include <exception>
#include <iostream>

#include "cli_common.h"
#include "cli_flags.h"

namespace {

// CLI11 only says "A subcommand is required" for a typo; name it and list the choices.
bool known_subcommand(CLI::App& app, const char* name) {
  std::string valid;
  bool known = false;
  for (const CLI::App* s : app.get_subcommands({})) {
    valid += (valid.empty() ? "" : ", ") + s->get_name();
    known |= s->get_name() == name;
  }
  if (!known) std::cerr << "limitnet: error: unknown subcommand '" << name << "'; valid: " << valid << std::endl;
  return known;
}

// `limitnet eval ...` (a command that always needs libtorch) runs as `limitnet-torch eval ...`.
void forward_torch_command(const char* command) {
#ifdef LIMITNET_CLI_FORWARDS_TO_TORCH
  const limitnet::cli::CommandInfo* info = limitnet::cli::find_command(command);
  if (info != nullptr && info->needs_torch == limitnet::cli::NeedsTorch::kAlways) limitnet::cli::exec_torch_program();
#else
  (void)command;
#endif
}

int parse_and_run(CLI::App& app, int argc, char** argv) {
  try {
    if (argc > 1 && argv[1][0] != '-') forward_torch_command(argv[1]);
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::string sub = "limitnet";
    if (app.get_subcommands().empty() && argc > 1) sub += std::string(" ") + argv[1];
    for (const CLI::App* s : app.get_subcommands()) sub += " " + s->get_name();
    std::cerr << sub << ": error: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  limitnet::cli::remember_command_line(argv);
  CLI::App app{"LimitNet: progressive, content-aware image compression for LPWAN cameras", "limitnet"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "limitnet 0.1.0");
  limitnet::cli::register_all_subcommands(app);
  limitnet::cli::apply_command_table(app);
  // Hidden: the command tree as JSON, which tests/cli/cli_docs_test.cc checks docs/CLI.md against.
  if (argc == 2 && std::strcmp(argv[1], "--cli-json") == 0) {
    limitnet::cli::print_json(limitnet::cli::describe_cli(app));
    return 0;
  }
  if (argc > 1 && argv[1][0] != '-' && !known_subcommand(app, argv[1])) return 2;
  return parse_and_run(app, argc, argv);
}
