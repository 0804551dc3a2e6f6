// limitnet: one command line for the whole system. Subcommands live in cmd_*.cc.
#include <exception>
#include <iostream>

#include "cli_common.h"

int main(int argc, char** argv) {
  CLI::App app{"LimitNet: progressive, content-aware image compression for LPWAN cameras", "limitnet"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "limitnet 0.1.0");
  limitnet::cli::register_all_subcommands(app);
  // CLI11 only says "A subcommand is required" for a typo; name it and list the choices.
  if (argc > 1 && argv[1][0] != '-') {
    std::string valid;
    bool known = false;
    for (const CLI::App* s : app.get_subcommands({})) {
      valid += (valid.empty() ? "" : ", ") + s->get_name();
      known |= s->get_name() == argv[1];
    }
    if (!known) {
      std::cerr << "limitnet: error: unknown subcommand '" << argv[1] << "'; valid: " << valid << std::endl;
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::string sub = "limitnet";
    for (const CLI::App* s : app.get_subcommands()) sub += " " + s->get_name();
    std::cerr << sub << ": error: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
