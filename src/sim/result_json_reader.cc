#include "sim/result_json_reader.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace limitnet::sim {
namespace {

std::string type_of(const ResultJson& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "true/false";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "a list";
  return "an object";
}

}  // namespace

ResultJson read_result_file(const std::string& path) {
  if (!std::filesystem::exists(path)) throw ResultFileError(path + ": no such file");
  if (std::filesystem::is_directory(path)) throw ResultFileError(path + ": is a directory, expected a JSON file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ResultFileError(path + ": cannot read");
  std::stringstream text;
  text << in.rdbuf();
  ResultJson j;
  try {
    j = ResultJson::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw ResultFileError(path + ": not valid JSON (" + std::string(e.what()) + ")");
  }
  if (!j.is_object()) throw ResultFileError(path + ": expected a JSON object at the top level");
  return j;
}

void ResultReader::fail(const std::string& key, const std::string& what) const {
  throw ResultFileError(path_ + ": " + (key.empty() ? "" : "key '" + key + "': ") + what);
}

const ResultJson& ResultReader::need(const ResultJson& obj, const std::string& key, const std::string& where) const {
  auto it = obj.find(key);
  if (it == obj.end()) fail(join(where, key), "missing");
  return *it;
}

const ResultJson& ResultReader::need_array(const ResultJson& obj, const std::string& key,
                                           const std::string& where) const {
  const ResultJson& v = need(obj, key, where);
  if (!v.is_array()) fail(join(where, key), "expected a list, found " + type_of(v));
  return v;
}

const ResultJson& ResultReader::need_object(const ResultJson& v, const std::string& key) const {
  if (!v.is_object()) fail(key, "expected an object, found " + type_of(v));
  return v;
}

double ResultReader::number(const ResultJson& obj, const std::string& key, const std::string& where) const {
  const ResultJson& v = need(obj, key, where);
  if (!v.is_number()) fail(join(where, key), "expected a number, found " + type_of(v));
  return checked_finite(v.get<double>(), join(where, key));
}

std::optional<double> ResultReader::opt_number(const ResultJson& obj, const std::string& key,
                                               const std::string& where) const {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) fail(join(where, key), "expected a number, found " + type_of(*it));
  return checked_finite(it->get<double>(), join(where, key));
}

std::string ResultReader::opt_string(const ResultJson& obj, const std::string& key, const std::string& where) const {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return "";
  if (!it->is_string()) fail(join(where, key), "expected a string, found " + type_of(*it));
  return it->get<std::string>();
}

std::string ResultReader::string(const ResultJson& obj, const std::string& key, const std::string& where) const {
  const ResultJson& v = need(obj, key, where);
  if (!v.is_string()) fail(join(where, key), "expected a string, found " + type_of(v));
  return v.get<std::string>();
}

std::string ResultReader::opt_command(const ResultJson& obj) const {
  auto it = obj.find("command");
  if (it == obj.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (!it->is_array()) fail("command", "expected a string or a list of strings, found " + type_of(*it));
  std::string out;
  for (const ResultJson& a : *it) {
    if (!a.is_string()) fail("command", "expected a list of strings");
    out += (out.empty() ? "" : " ") + a.get<std::string>();
  }
  return out;
}

double ResultReader::checked_finite(double v, const std::string& key) const {
  if (!std::isfinite(v)) fail(key, "not a finite number");
  return v;
}

}  // namespace limitnet::sim
