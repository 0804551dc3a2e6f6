#include "cli_flags.h"

#include <stdexcept>

namespace limitnet::cli {

const std::vector<CommandInfo>& command_table() {
  static const std::vector<CommandInfo> table = {
      {"encode", "Encode an image into LimitNet packets (.lnp)", NeedsTorch::kNever},
      {"pack", "Turn raw packets from a device (hex lines or binary files) into a packet file (.lnp)",
       NeedsTorch::kNever},
      {"decode", "Decode whatever packets are present into the latent (zero-filled)", NeedsTorch::kSometimes},
      {"inspect", "Show what is inside a packet file (.lnp) or a model bundle (.lnm)", NeedsTorch::kNever},
      {"model", "Create and describe model bundles", NeedsTorch::kNever},
      {"simulate", "Simulate sending images over an LPWAN link: results against time per method", NeedsTorch::kAlways},
      {"train", "Train a model (classifier, phase 1, phase 2) and export its bundle", NeedsTorch::kAlways},
      {"tune-judge", "Fine-tune a clean classifier on one codec's decoded pictures: that codec's judge in eval",
       NeedsTorch::kAlways},
      {"eval", "Top-1/top-5 against bytes on air on a test split (every byte counted)", NeedsTorch::kAlways},
      {"serve", "Receiver service: MQTT/UDP ingest, persistent sessions, inference, HTTP API", NeedsTorch::kAlways},
      {"device-sim", "Simulated camera nodes sending over a LoRaWAN link model to MQTT or UDP", NeedsTorch::kNever},
      {"report", "One HTML page with the paper's figures and tables from eval/simulate JSON results (docs/REPORT.md)",
       NeedsTorch::kNever},
      {"demo", "Run the main job on the embedded default (Fashion-MNIST from apt)", NeedsTorch::kAlways},
  };
  return table;
}

const CommandInfo* find_command(const std::string& name) {
  for (const CommandInfo& c : command_table()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

namespace {
const CommandInfo& command_info(const std::string& name) {
  const CommandInfo* info = find_command(name);
  if (info == nullptr) throw std::logic_error("cli_flags.cc: command '" + name + "' is not in the command table");
  return *info;
}
}  // namespace

CLI::App* add_command(CLI::App& app, const std::string& name) {
  return app.add_subcommand(name, command_info(name).description);
}

const std::vector<SharedFlag>& shared_flags() {
  static const std::vector<SharedFlag> table = {
      {Flag::kModel, "-m,--model", "Model bundle (.lnm)"},
      {Flag::kCloud, "--cloud", "Separate cloud part of the model (its model id must match)"},
      {Flag::kData, "--data", "Dataset spec: fashion-mnist, mnist, cifar10, or an image folder"},
      {Flag::kLimit, "--limit", "Images to use"},
      {Flag::kPayload, "-p,--payload", "Maximum bytes per packet (51 = LoRaWAN EU868 DR0)"},
      {Flag::kOutput, "-o,--output", "Output file"},
      {Flag::kJson, "--json", "Print JSON"},
      {Flag::kQuiet, "-q,--quiet", "No progress bar"},
      {Flag::kThreads, "--threads", "CPU threads"},
      {Flag::kDevice, "--device", "Where the networks run: auto (a GPU if any), cpu, cuda, cuda:N"},
      {Flag::kBatch, "--batch", "Images per network call"},
      {Flag::kSeed, "--seed", "Random seed"},
      {Flag::kTopK, "-k,--top-k", "Classes reported per image"},
      {Flag::kPlot, "--plot", "Write an SVG plot"},
      {Flag::kScenario, "-s,--scenario", "Link scenario (limitnet simulate --list)"},
      {Flag::kPreset, "--preset", "Architecture preset: paper224, cifar32, fmnist28 (limitnet model presets)"},
      {Flag::kArch, "--arch", "Architecture file (JSON, docs/TRAINING.md); replaces --preset"},
      {Flag::kCoder, "--coder", "Entropy coder: huffman, rans or range"},
      {Flag::kGradual, "-G,--gradual", "Gradual Scoring factor G"},
      {Flag::kInterlaceStride, "--interlace-stride",
       "Interlaced order: every S-th latent row and column is sent first (0 = off, 2-8; docs/FORMAT.md)"},
      {Flag::kInterlaceBonus, "--interlace-bonus",
       "Score bonus H of the interlace's coarse positions (over 1: ahead of the rest of their channel)"},
      {Flag::kCoarseChannels, "--coarse-channels",
       "The first N latent channels exist only on the interlace lattice: a coarse latent beside the fine one"},
      {Flag::kNetwork, "--network",
       "Network that makes the packets: float (reference) or int8 (the device runtime: the firmware's packets)"},
      {Flag::kFlipAverage, "--flip-average",
       "Classify each picture and its mirror image and average the two (twice the classifier's work, no byte "
       "more on air)"},
      {Flag::kLatentBits, "--latent-bits", "Bits per latent value (2-8)"},
      {Flag::kSaliencyGrid, "--saliency-grid", "Saliency grid side (default: the preset's)"},
      {Flag::kSaliencyBits, "--saliency-bits", "Bits per saliency cell (default: the preset's)"},
      {Flag::kLoss, "--loss", "Packet loss rate (0..1)"},
      {Flag::kDutyCycle, "--duty-cycle", "Duty cycle (fraction, (0, 1])"},
      {Flag::kMqttHost, "--mqtt-host", "MQTT broker host (enables MQTT)"},
      {Flag::kMqttPort, "--mqtt-port", "MQTT broker port"},
      {Flag::kMqttUser, "--mqtt-user", "MQTT user name"},
      {Flag::kMqttPassword, "--mqtt-password", "MQTT password (better: env LIMITNET_MQTT_PASSWORD)"},
      {Flag::kMqttTls, "--mqtt-tls", "Connect with TLS"},
      {Flag::kMqttCa, "--mqtt-ca", "CA certificate file for TLS"},
  };
  return table;
}

const SharedFlag& shared_flag(Flag id) {
  for (const SharedFlag& f : shared_flags()) {
    if (f.id == id) return f;
  }
  throw std::logic_error("cli_flags.cc: flag " + std::to_string(static_cast<int>(id)) + " is not in the table");
}

CLI::Option* add_shared_flag(CLI::App* cmd, Flag id, bool& value, const std::string& help) {
  const SharedFlag& flag = shared_flag(id);
  return cmd->add_flag(flag.names, value, help.empty() ? std::string(flag.help) : help);
}

void apply_command_table(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands({})) sub->description(command_info(sub->get_name()).description);
}

namespace {
// "-p,--payload": the names of `opt` as the table writes them (short ones first).
std::string joined_names(const CLI::Option& opt) {
  std::string names;
  for (const std::string& s : opt.get_snames()) names += (names.empty() ? "-" : ",-") + s;
  for (const std::string& l : opt.get_lnames()) names += (names.empty() ? "--" : ",--") + l;
  return names;
}

nlohmann::json describe_command(const CLI::App& cmd, const std::string& path) {
  nlohmann::json options = nlohmann::json::array();
  for (const CLI::Option* opt : cmd.get_options()) {
    const bool positional = opt->get_snames().empty() && opt->get_lnames().empty();
    if (positional || opt == cmd.get_help_ptr() || opt->get_group().empty()) continue;
    options.push_back({{"names", joined_names(*opt)},
                       {"long", opt->get_lnames()},
                       {"short", opt->get_snames()},
                       {"help", opt->get_description()},
                       {"default", opt->get_default_str()}});
  }
  nlohmann::json subcommands = nlohmann::json::array();
  for (const CLI::App* sub : cmd.get_subcommands({})) {
    subcommands.push_back(describe_command(*sub, path + " " + sub->get_name()));
  }
  return {{"path", path}, {"description", cmd.get_description()}, {"options", options}, {"subcommands", subcommands}};
}
}  // namespace

nlohmann::json describe_cli(const CLI::App& app) {
  nlohmann::json commands = nlohmann::json::array(), flags = nlohmann::json::array();
  for (const CommandInfo& c : command_table()) {
    commands.push_back({{"name", c.name},
                        {"description", c.description},
                        {"needs_torch", c.needs_torch == NeedsTorch::kAlways      ? "always"
                                        : c.needs_torch == NeedsTorch::kSometimes ? "sometimes"
                                                                                  : "never"}});
  }
  for (const SharedFlag& f : shared_flags()) flags.push_back({{"names", f.names}, {"help", f.help}});
  return {{"tree", describe_command(app, app.get_name())}, {"command_table", commands}, {"shared_flags", flags}};
}

}  // namespace limitnet::cli
