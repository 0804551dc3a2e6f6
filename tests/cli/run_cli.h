// Runs the `limitnet` binary under test (LIMITNET_CLI, set by CMake) the way a user's shell
// would, for the CLI tests: exit code plus what it printed.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace limitnet::cli_test {

struct CmdResult {
  int code;         // exit code (-1: killed by a signal)
  std::string out;  // stdout, plus stderr when merged
};

// `program args` through the shell.
inline CmdResult run_program(const std::string& program, const std::string& args, bool merge_stderr = true) {
  const std::string cmd = program + " " + args + (merge_stderr ? " 2>&1" : " 2>/dev/null");
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {-1, "popen failed: " + cmd};
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

inline CmdResult run(const std::string& args, bool merge_stderr = true) {
  return run_program(LIMITNET_CLI, args, merge_stderr);
}

// Stdout parsed as JSON; the command must succeed.
inline nlohmann::json run_json(const std::string& args) {
  const CmdResult r = run(args, false);
  EXPECT_EQ(r.code, 0) << args << "\n" << r.out;
  return nlohmann::json::parse(r.out);
}

// A whole file's bytes ("" when it cannot be read), and a file written from bytes.
inline std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}
// Fashion-MNIST from apt (dataset-fashion-mnist), or where LIMITNET_FASHION_MNIST points.
inline bool have_fmnist() {
  return std::filesystem::exists("/usr/share/datasets/fashion-mnist") || std::getenv("LIMITNET_FASHION_MNIST");
}
inline void write_all(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << bytes;
}

}  // namespace limitnet::cli_test
