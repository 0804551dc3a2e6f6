// Reading the JSON results of `limitnet eval` and `limitnet simulate` back (the report does):
// typed values out of one file's document, every failure a ResultFileError
// "<file>: key '<key path>': <problem>". Absent or null optional keys are unset, never an
// error; a present key of the wrong type always is. Lives in src/sim because both schemas
// use it (sim/simulation_result_json.h, eval/eval_result_json.h) and src/eval includes src/sim.
#pragma once
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace limitnet::sim {

struct ResultFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ordered_json keeps the file's key order, so methods appear as the producer listed them.
using ResultJson = nlohmann::ordered_json;

// The top-level object of a JSON file; ResultFileError for a missing, unreadable or
// malformed file.
ResultJson read_result_file(const std::string& path);

class ResultReader {
 public:
  explicit ResultReader(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }

  [[noreturn]] void fail(const std::string& key, const std::string& what) const;

  const ResultJson& need(const ResultJson& obj, const std::string& key, const std::string& where) const;
  const ResultJson& need_array(const ResultJson& obj, const std::string& key, const std::string& where) const;
  const ResultJson& need_object(const ResultJson& v, const std::string& key) const;
  double number(const ResultJson& obj, const std::string& key, const std::string& where) const;
  // Absent or null: unset. Present with another type: an error.
  std::optional<double> opt_number(const ResultJson& obj, const std::string& key, const std::string& where) const;
  std::string opt_string(const ResultJson& obj, const std::string& key, const std::string& where) const;
  std::string string(const ResultJson& obj, const std::string& key, const std::string& where) const;
  // A command line recorded as a string or as a list of arguments.
  std::string opt_command(const ResultJson& obj) const;

  static std::string join(const std::string& where, const std::string& key) {
    return where.empty() ? key : where + "." + key;
  }
  static std::string index(const std::string& key, size_t i) { return key + "[" + std::to_string(i) + "]"; }

 private:
  double checked_finite(double v, const std::string& key) const;
  std::string path_;
};

}  // namespace limitnet::sim
