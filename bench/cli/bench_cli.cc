// bench_cli: start-up time of the `limitnet` command line, wall clock per run (fork, exec,
// wait) of three commands, each N times: `--version`, `inspect` of a packet file (made
// here with `limitnet model init` and `limitnet encode`) and `eval --help` (which the light
// program hands to limitnet-torch). Prints the median and minimum of each, for
// build/bin/limitnet (no libtorch) and, beside it, for build/bin/limitnet-torch running
// the same command itself (what every command cost before the split; docs/CLI.md).
//
//   bench_cli [--runs N] [--dir BIN_DIR]   (default: 10 runs, the folder of bench_cli)
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "data/image_io.h"
#include "model/calibrate.h"

namespace fs = std::filesystem;

namespace {

// Runs `program args...` with stdout and stderr on /dev/null; returns its exit status and
// the wall time in ms (-1 when it could not start).
int run_quiet(const std::string& program, const std::vector<std::string>& args, double* ms) {
  std::vector<char*> argv = {const_cast<char*>(program.c_str())};
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) < 0) return -1;
  *ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct Timing {
  double median_ms = 0, min_ms = 0;
  bool ok = false;
};

Timing time_runs(const std::string& program, const std::vector<std::string>& args, int runs) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    double t = 0;
    if (run_quiet(program, args, &t) != 0) return {};
    ms.push_back(t);
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.front(), true};
}

// A packet file to inspect: an untrained fmnist28 model and one synthetic 28x28 frame.
std::string make_packet_file(const std::string& limitnet, const fs::path& dir) {
  const std::string model = (dir / "m.lnm").string(), image = (dir / "in.png").string(),
                    packets = (dir / "x.lnp").string();
  limitnet::data::Image img(28, 28, 1);
  img.pixels = limitnet::synthetic_frame(28, 1, 7);
  limitnet::data::write_png(image, img);
  double ms = 0;
  if (run_quiet(limitnet, {"model", "init", "--preset", "fmnist28", "-o", model}, &ms) != 0 ||
      run_quiet(limitnet, {"encode", image, "-m", model, "-o", packets}, &ms) != 0) {
    throw std::runtime_error("bench_cli: " + limitnet + " model init / encode failed");
  }
  return packets;
}

std::string cell(const Timing& t) {
  if (!t.ok) return "        -          -";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%9.1f  %9.1f", t.median_ms, t.min_ms);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 10;
  fs::path bin = fs::read_symlink("/proc/self/exe").parent_path();
  const char* usage =
      "usage: bench_cli [--runs N] [--dir BIN_DIR]\n"
      "  times limitnet --version, limitnet inspect and limitnet eval --help (fork to exit)\n"
      "  --runs N       runs of each command (default 10)\n"
      "  --dir BIN_DIR  folder of limitnet and limitnet-torch (default: this program's)\n";
  for (int i = 1; i < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << usage;
      return 0;
    }
    if (i + 1 >= argc || (a != "--runs" && a != "--dir")) {
      std::cerr << "bench_cli: error: unknown or incomplete option '" << a << "'\n" << usage;
      return 2;
    }
    if (a == "--runs") {
      runs = std::max(1, std::atoi(argv[i + 1]));
    } else {
      bin = argv[i + 1];
    }
  }
  const std::string light = (bin / "limitnet").string(), torch = (bin / "limitnet-torch").string();
  const fs::path dir = fs::temp_directory_path() / ("bench_cli_" + std::to_string(getpid()));
  try {
    fs::create_directories(dir);
    const std::string packets = make_packet_file(light, dir);
    const bool have_torch = fs::exists(torch);
    std::printf("bench_cli: %d runs each, wall ms from fork to exit (median, min)\n", runs);
    std::printf("%-24s %20s   %20s\n", "", "limitnet", "limitnet-torch");
    std::printf("%-24s %9s  %9s   %9s  %9s\n", "command", "median", "min", "median", "min");
    const std::vector<std::pair<std::string, std::vector<std::string>>> commands = {
        {"--version", {"--version"}}, {"inspect x.lnp", {"inspect", packets}}, {"eval --help", {"eval", "--help"}}};
    for (const auto& [name, args] : commands) {
      const Timing l = time_runs(light, args, runs);
      const Timing t = have_torch ? time_runs(torch, args, runs) : Timing{};
      std::printf("%-24s %s   %s\n", name.c_str(), cell(l).c_str(), cell(t).c_str());
    }
    if (!have_torch) std::printf("(no limitnet-torch: this build has no libtorch)\n");
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    fs::remove_all(dir);
    return 1;
  }
  fs::remove_all(dir);
  return 0;
}
