// `limitnet eval`, `simulate` and `demo` on fixed inputs write the same JSON as the code
// before the library-first refactor (issue 19): the exact commands of tests/cli/golden/README.md,
// run from the source root, compared with the golden files. Only what measures time ("seconds",
// "*_seconds" and everything under them) and the demo's --out folder (written as
// /tmp/demo-golden in the golden file) may differ. Skipped without Fashion-MNIST or the model.
#include <unistd.h>

#include <filesystem>
#include <ostream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "run_cli.h"

namespace fs = std::filesystem;

namespace {

const std::string kSource = LIMITNET_SOURCE_DIR;
const std::string kModel = "models/fmnist28/model.lnm";  // relative: the JSON records the path as given
const std::string kGoldenOut = "/tmp/demo-golden";       // the demo's --out in the golden file

struct GoldenCase {
  const char* name;  // the golden file's stem
  const char* args;  // after `limitnet`; {M} = the model, {OUT} = where the command writes
  bool stdout_json;  // the JSON is printed, not written to {OUT}/<name>.json
};

const GoldenCase kCases[] = {
    {"eval-baselines",
     "eval -m {M} --data fashion-mnist --limit 100 --baselines jpeg,jpeg-abbrev,progjpeg,webp --jpeg-qualities 5,20,50 "
     "--webp-qualities 5,20,50 --json {OUT}/eval-baselines.json -q",
     false},
    {"simulate", "simulate -m {M} --data fashion-mnist --limit 40 -o {OUT}/simulate.json -q", false},
    {"simulate-table6",
     "simulate -m {M} --data fashion-mnist --table6 --limit 20 --methods limitnet,progjpeg,webp -o "
     "{OUT}/simulate-table6.json -q",
     false},
    {"simulate-untrained",
     "simulate --data fashion-mnist --limit 20 --methods limitnet,jpeg -o {OUT}/simulate-untrained.json -q", false},
    {"demo", "demo -m {M} --limit 100 --link-limit 30 --strip 3 --json -q --out {OUT}", true},
};

void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.name; }  // gtest's name of a case

std::string replaced(std::string text, const std::string& what, const std::string& with) {
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
  return text;
}

bool measures_time(const std::string& key) {
  const std::string suffix = "_seconds";
  return key == "seconds" ||
         (key.size() > suffix.size() && key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0);
}

// The document without the keys that measure time, with `out_dir` in strings written as
// the golden file's folder.
nlohmann::json comparable(const nlohmann::json& j, const std::string& out_dir) {
  if (j.is_object()) {
    nlohmann::json o = nlohmann::json::object();
    for (const auto& [key, value] : j.items()) {
      if (!measures_time(key)) o[key] = comparable(value, out_dir);
    }
    return o;
  }
  if (j.is_array()) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& v : j) a.push_back(comparable(v, out_dir));
    return a;
  }
  if (j.is_string()) return replaced(j.get<std::string>(), out_dir, kGoldenOut);
  return j;
}

class GoldenJson : public ::testing::TestWithParam<GoldenCase> {
 protected:
  void SetUp() override {
    if (!fs::exists(kSource + "/" + kModel)) GTEST_SKIP() << kModel << " is absent";
    if (!fs::exists("/usr/share/datasets/fashion-mnist")) GTEST_SKIP() << "Fashion-MNIST is not installed";
    dir_ = fs::temp_directory_path() / ("limitnet_golden_" + std::to_string(::getpid()) + "_" + GetParam().name);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  fs::path dir_;
};

TEST_P(GoldenJson, SameJsonAsBeforeTheRefactor) {
  const GoldenCase& c = GetParam();
  const std::string args = replaced(replaced(c.args, "{M}", kModel), "{OUT}", dir_.string());
  // From the source root, as the golden files were written (the model path is recorded).
  const std::string command = "cd '" + kSource + "' && " + std::string(LIMITNET_CLI) + " " + args;
  FILE* p = popen((command + " 2>/dev/null").c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  ASSERT_EQ(pclose(p), 0) << command << "\n" << out;
  const std::string text =
      c.stdout_json ? out : limitnet::cli_test::read_all((dir_ / (std::string(c.name) + ".json")).string());
  const std::string golden =
      limitnet::cli_test::read_all(kSource + "/tests/cli/golden/" + std::string(c.name) + ".json");
  ASSERT_FALSE(golden.empty()) << "tests/cli/golden/" << c.name << ".json is missing";
  const nlohmann::json got = comparable(nlohmann::json::parse(text), dir_.string());
  const nlohmann::json want = comparable(nlohmann::json::parse(golden), dir_.string());
  // Equal values print the same digits, so this is the byte comparison without the ignored keys.
  if (got != want) {
    const nlohmann::json patch = nlohmann::json::diff(want, got);  // golden -> output
    FAIL() << command << "\ndiffers from tests/cli/golden/" << c.name << ".json in " << patch.size()
           << " place(s); first: " << patch.front().dump();
  }
}

INSTANTIATE_TEST_SUITE_P(golden, GoldenJson, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<GoldenCase>& info) {
                           std::string name = info.param.name;
                           for (char& ch : name) {
                             if (ch == '-') ch = '_';
                           }
                           return name;
                         });

}  // namespace
