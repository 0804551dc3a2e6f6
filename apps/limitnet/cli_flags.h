// The two tables of the `limitnet` command line, each entry written once:
//  * the commands: name, one-line description, and whether they need libtorch (which
//    decides the program that runs them: `limitnet` or `limitnet-torch`, docs/CLI.md);
//  * the flags that two or more commands take: short and long names and help, so that every
//    command spells them alike (`-p,--payload` everywhere). A command adds one with
//    add_shared_option / add_shared_flag; tests/cli/cli_docs_test.cc checks the real commands
//    and docs/CLI.md against this table (through `limitnet --cli-json`).
#pragma once
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace limitnet::cli {

// Where a command runs. The light `limitnet` links no libtorch; in a build with libtorch it
// hands kAlways commands (and decode's classification and .png output) to limitnet-torch.
enum class NeedsTorch { kNever, kSometimes, kAlways };

struct CommandInfo {
  const char* name;
  const char* description;  // the one line of `limitnet --help`
  NeedsTorch needs_torch;
};
const std::vector<CommandInfo>& command_table();
// The entry of `name`, or nullptr.
const CommandInfo* find_command(const std::string& name);
// Adds the subcommand `name` with its table description (std::logic_error if not in the table).
CLI::App* add_command(CLI::App& app, const std::string& name);

enum class Flag {
  kModel,
  kCloud,
  kData,
  kLimit,
  kPayload,
  kOutput,
  kJson,
  kQuiet,
  kThreads,
  kDevice,
  kBatch,
  kSeed,
  kTopK,
  kPlot,
  kScenario,
  kPreset,
  kArch,
  kCoder,
  kGradual,
  kInterlaceStride,
  kInterlaceBonus,
  kCoarseChannels,
  kNetwork,
  kFlipAverage,
  kLatentBits,
  kSaliencyGrid,
  kSaliencyBits,
  kLoss,
  kDutyCycle,
  kMqttHost,
  kMqttPort,
  kMqttUser,
  kMqttPassword,
  kMqttTls,
  kMqttCa,
};

struct SharedFlag {
  Flag id;
  const char* names;  // CLI11 names, e.g. "-p,--payload"
  const char* help;   // what it means in every command that takes it
};
const std::vector<SharedFlag>& shared_flags();
const SharedFlag& shared_flag(Flag id);

// Adds the shared option `id` to `cmd`, bound to `value`. `help` replaces the table's text
// where one command says more (e.g. its default); the names never change.
template <typename T>
CLI::Option* add_shared_option(CLI::App* cmd, Flag id, T& value, const std::string& help = "") {
  const SharedFlag& flag = shared_flag(id);
  return cmd->add_option(flag.names, value, help.empty() ? std::string(flag.help) : help);
}
CLI::Option* add_shared_flag(CLI::App* cmd, Flag id, bool& value, const std::string& help = "");

// An old spelling that tests or scripts still use: accepted, bound to the same value, not
// shown in --help (and not in `limitnet --cli-json`).
template <typename T>
CLI::Option* add_legacy_alias(CLI::App* cmd, const std::string& old_name, T& value, const std::string& now) {
  return cmd->add_option(old_name, value, "Old spelling of " + now)->group("");
}

// The MQTT broker connection of serve (ingest) and device-sim (publisher): --mqtt-host
// (which turns MQTT on: sets `mqtt_on`), --mqtt-port, --mqtt-user, --mqtt-password,
// --mqtt-tls, --mqtt-ca. `Options` is server::MqttOptions.
template <typename Options>
void add_mqtt_broker_flags(CLI::App* cmd, Options& mqtt, bool& mqtt_on) {
  add_shared_option(cmd, Flag::kMqttHost, mqtt.host)->each([&mqtt_on](const std::string&) { mqtt_on = true; });
  add_shared_option(cmd, Flag::kMqttPort, mqtt.port)->capture_default_str();
  add_shared_option(cmd, Flag::kMqttUser, mqtt.username);
  add_shared_option(cmd, Flag::kMqttPassword, mqtt.password);
  add_shared_flag(cmd, Flag::kMqttTls, mqtt.tls);
  add_shared_option(cmd, Flag::kMqttCa, mqtt.ca_file);
}

// Sets every subcommand's description from command_table(); throws std::logic_error naming
// a subcommand that is not in the table.
void apply_command_table(CLI::App& app);

// The command tree as JSON: every command and subcommand with its visible options' names
// and help, plus both tables. `limitnet --cli-json` prints it for the docs test.
nlohmann::json describe_cli(const CLI::App& app);

}  // namespace limitnet::cli
