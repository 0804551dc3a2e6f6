// The command line against its two tables (apps/limitnet/cli_flags.cc) and its manual
// (docs/CLI.md), from the programs' own description (`limitnet --cli-json`, hidden):
//  * every option of every command is in docs/CLI.md's section for that command, written
//    with all its names as --help shows them (`-p,--payload`);
//  * a shared flag has the table's names wherever it appears (same long name, same short);
//  * the light `limitnet` links no libtorch and hands the libtorch commands to limitnet-torch.
#include <gtest/gtest.h>

#include "run_cli.h"

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

using limitnet::cli_test::CmdResult;
using limitnet::cli_test::read_all;
using limitnet::cli_test::run_program;

// The programs of this build: the light one, and limitnet-torch when libtorch is found.
std::vector<std::string> programs() {
  std::vector<std::string> p = {LIMITNET_CLI};
#ifdef LIMITNET_CLI_TORCH
  p.push_back(LIMITNET_CLI_TORCH);
#endif
  return p;
}

nlohmann::json describe(const std::string& program) {
  const CmdResult r = run_program(program, "--cli-json", false);
  EXPECT_EQ(r.code, 0) << program;
  return nlohmann::json::parse(r.out);
}

// Every command of the tree, depth first, by path ("limitnet model init").
void flatten(const nlohmann::json& command, std::vector<nlohmann::json>* out) {
  out->push_back(command);
  for (const auto& sub : command["subcommands"]) flatten(sub, out);
}
// Both programs' commands, each path once with the union of its options (the light
// program's libtorch commands are stubs; limitnet-torch has their options).
std::vector<nlohmann::json> all_commands() {
  std::vector<nlohmann::json> all, out;
  for (const std::string& p : programs()) flatten(describe(p)["tree"], &all);
  std::map<std::string, size_t> index;
  std::set<std::string> seen;
  for (const nlohmann::json& c : all) {
    const std::string path = c["path"];
    if (!index.count(path)) {
      index[path] = out.size();
      out.push_back({{"path", path}, {"options", nlohmann::json::array()}});
    }
    for (const auto& option : c["options"]) {
      if (seen.insert(path + " " + option["names"].get<std::string>()).second)
        out[index[path]]["options"].push_back(option);
    }
  }
  return out;
}

// docs/CLI.md split at its headings: the heading that names `limitnet X` in backquotes opens
// X's section, which runs to the next heading (lines in ``` blocks are not headings).
std::map<std::string, std::string> docs_sections() {
  std::istringstream doc(read_all(std::string(LIMITNET_SOURCE_DIR) + "/docs/CLI.md"));
  std::map<std::string, std::string> sections;
  std::string current, line;
  bool in_code = false;
  while (std::getline(doc, line)) {
    if (line.rfind("```", 0) == 0) in_code = !in_code;
    if (!in_code && line.rfind("#", 0) == 0) {
      const size_t open = line.find('`'), close = line.find('`', open + 1);
      current = open == std::string::npos || close == std::string::npos ? "" : line.substr(open + 1, close - open - 1);
      continue;
    }
    if (!current.empty()) sections[current] += line + "\n";
  }
  return sections;
}

// `names` as a whole word of `text`: "--data" is not found in "--data-rate".
bool mentions(const std::string& text, const std::string& names) {
  auto part_of_name = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; };
  for (size_t at = text.find(names); at != std::string::npos; at = text.find(names, at + 1)) {
    const size_t end = at + names.size();
    if ((at == 0 || !part_of_name(text[at - 1])) && (end == text.size() || !part_of_name(text[end]))) return true;
  }
  return false;
}

TEST(CliDocs, EveryOptionIsInItsCommandsSection) {
  const std::map<std::string, std::string> sections = docs_sections();
  for (const nlohmann::json& command : all_commands()) {
    const std::string path = command["path"];
    if (path == "limitnet") continue;  // --version: in the introduction
    const auto section = sections.find(path);
    ASSERT_NE(section, sections.end()) << "docs/CLI.md has no heading naming `" << path << "`";
    for (const auto& option : command["options"]) {
      const std::string names = option["names"];
      EXPECT_TRUE(mentions(section->second, names)) << "docs/CLI.md, section `" << path << "`: " << names << " ("
                                                    << option["help"].get<std::string>() << ") is missing";
    }
  }
}

TEST(CliDocs, SharedFlagsHaveTheTableNamesEverywhere) {
  const nlohmann::json table = describe(programs().back())["shared_flags"];
  ASSERT_GT(table.size(), 10u);
  // Long name -> the table's names; short name -> the table's names.
  std::map<std::string, std::string> by_long, by_short;
  for (const auto& flag : table) {
    const std::string names = flag["names"];
    std::stringstream parts(names);
    for (std::string part; std::getline(parts, part, ',');)
      (part.rfind("--", 0) == 0 ? by_long : by_short)[part] = names;
  }
  size_t shared_uses = 0;
  for (const nlohmann::json& command : all_commands()) {
    const std::string path = command["path"];
    for (const auto& option : command["options"]) {
      const std::string names = option["names"];
      std::vector<std::string> own;
      for (const std::string l : option["long"]) own.push_back("--" + l);
      for (const std::string s : option["short"]) own.push_back("-" + s);
      for (const std::string& name : own) {
        const auto& index = name.rfind("--", 0) == 0 ? by_long : by_short;
        const auto hit = index.find(name);
        if (hit == index.end()) continue;
        ++shared_uses;
        EXPECT_EQ(names, hit->second) << path << ": " << name << " is a shared flag (apps/limitnet/cli_flags.cc)";
      }
    }
  }
  EXPECT_GT(shared_uses, 50u);
}

TEST(CliDocs, EveryCommandIsInTheCommandTableAndTheHelp) {
  const nlohmann::json light = describe(LIMITNET_CLI);
  const CmdResult help = run_program(LIMITNET_CLI, "--help");
  ASSERT_EQ(help.code, 0);
  std::set<std::string> table, tree;
  for (const auto& c : light["command_table"]) {
    table.insert(c["name"].get<std::string>());
    EXPECT_TRUE(mentions(help.out, c["name"])) << c["name"] << " is not in limitnet --help";
    EXPECT_NE(help.out.find(c["description"].get<std::string>()), std::string::npos) << c["name"];
  }
  for (const auto& c : light["tree"]["subcommands"]) tree.insert(c["path"].get<std::string>().substr(9));
  EXPECT_EQ(table, tree);
}

TEST(CliPrograms, LightProgramLinksNoLibtorch) {
  const CmdResult ldd = run_program("ldd", LIMITNET_CLI);
  ASSERT_EQ(ldd.code, 0) << ldd.out;
  EXPECT_NE(ldd.out.find("libc.so"), std::string::npos) << ldd.out;
  EXPECT_EQ(ldd.out.find("torch"), std::string::npos) << ldd.out;
}

TEST(CliPrograms, LibtorchCommandsRunInLimitnetTorch) {
#ifdef LIMITNET_CLI_TORCH
  // `limitnet eval --help` is eval's real help, printed by limitnet-torch under the name limitnet.
  const CmdResult eval = run_program(LIMITNET_CLI, "eval --help");
  EXPECT_EQ(eval.code, 0) << eval.out;
  EXPECT_NE(eval.out.find("Usage: limitnet eval"), std::string::npos) << eval.out;
  EXPECT_NE(eval.out.find("--baselines"), std::string::npos) << eval.out;
  const CmdResult train = run_program(LIMITNET_CLI, "train --run /nonexistent/run --p1-full-share 2");
  EXPECT_NE(train.code, 0);
  EXPECT_NE(train.out.find("--p1-full-share: Value 2 not in range"), std::string::npos) << train.out;
#else
  for (const char* command : {"train", "eval"}) {
    const CmdResult r = run_program(LIMITNET_CLI, command);
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("has no libtorch"), std::string::npos) << r.out;
  }
#endif
}

}  // namespace
