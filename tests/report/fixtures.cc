#include "fixtures.h"

#include <fstream>

#include <unistd.h>

namespace limitnet::report::testing {

ScratchDir::ScratchDir(const std::string& name)
    : path_(std::filesystem::temp_directory_path() /
            ("limitnet-report-" + name + "-" + std::to_string(static_cast<long>(getpid())))) {
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

nlohmann::json eval_json(int points, double first_top1, bool baselines) {
  nlohmann::json curve = nlohmann::json::array();
  for (int k = 1; k <= points; ++k) {
    curve.push_back({{"packets", k},
                     {"bytes", 51.0 * k - 0.25},
                     {"top1", first_top1 + 0.0231 * (k - 1)},
                     {"top5", 0.95 + 0.004 * k},
                     {"values_fraction", double(k) / points}});
  }
  nlohmann::json j = {{"model", "models/test/model.lnm"},
                      {"data", "Test set (test): 500 images 28x28x1, 10 classes"},
                      {"images", 500},
                      {"payload", 51},
                      {"clean_top1", 0.9123},
                      {"clean_top5", 0.9987},
                      {"curve", curve},
                      {"seconds", 12.5},
                      {"bytes_counted", "everything on air: HEAD framing, saliency grid, CRCs"}};
  if (!baselines) return j;
  nlohmann::json jpeg = nlohmann::json::array(), prog = nlohmann::json::array(), fixedrate = nlohmann::json::array();
  for (int q = 10; q <= 50; q += 20) {
    jpeg.push_back({{"bytes", 300.0 + 4 * q},
                    {"top1", 0.5 + 0.006 * q},
                    {"top5", 0.97},
                    {"quality", q},
                    {"header_bytes", 330},
                    {"psnr_db", 20.0}});
  }
  for (int s = 1; s <= 4; ++s) {
    prog.push_back({{"bytes", 150.0 + 70 * s},
                    {"top1", 0.1 + 0.17 * s},
                    {"top5", 0.8},
                    {"quality", 50},
                    {"scans", s},
                    {"header_bytes", 140.5},
                    {"psnr_db", 15.0}});
  }
  fixedrate.push_back({{"bytes", 80.5}, {"top1", 0.7711}, {"top5", 0.99}, {"model", "fr-small.lnm"}});
  fixedrate.push_back({{"bytes", 160.25}, {"top1", 0.8342}, {"top5", 0.99}, {"model", "fr-large.lnm"}});
  j["methods"] = {{"jpeg", jpeg}, {"progjpeg", prog}, {"fixedrate", fixedrate}};
  j["methods_info"] = {
      {"jpeg", {{"bytes_counted", "whole JFIF file"}, {"seconds", 3}, {"notes", nlohmann::json::array()}}}};
  j["bd"] = {
      {"jpeg", {{"bd_rate_pct", -61.2345}, {"bd_acc_pp", 12.3456}, {"bd_rate_top1_range_pct", {56, 80}}}},
      {"progjpeg",
       {{"bd_rate_pct", nullptr}, {"bd_rate_reason", "LimitNet curve has 3 points; BD needs 4"}, {"bd_acc_pp", 7.891}}},
      {"fixedrate", {{"bd_rate_pct", nullptr}, {"bd_acc_pp", nullptr}, {"reason", "two points only"}}}};
  j["bd_definition"] = "Bjontegaard deltas of LimitNet's curve against each baseline";
  return j;
}

nlohmann::json simulation_json(const std::string& scenario, int grid, bool accuracy) {
  nlohmann::json curves = nlohmann::json::array();
  const char* methods[] = {"limitnet", "progjpeg"};
  for (int m = 0; m < 2; ++m) {
    nlohmann::json pts = nlohmann::json::array();
    for (int k = 0; k < grid; ++k) {
      const double arrived = std::min(1.0, k / (grid * 0.6));
      nlohmann::json p = {{"t_ms", 250.0 * k},
                          {"packets_delivered", 4.0 * arrived},
                          {"bytes_delivered", 200.0 * arrived * (m + 1)},
                          {"packets_sent", 4.0 * arrived},
                          {"bytes_on_air", 210.0 * arrived},
                          {"units_fraction", arrived},
                          {"decodable", k > 0 ? 1.0 : 0.0}};
      if (accuracy) {
        p["top1"] = (m == 0 ? 0.83 : 0.6) * arrived;
        p["top5"] = std::min(1.0, 1.1 * arrived);
      }
      pts.push_back(p);
    }
    curves.push_back({{"method", methods[m]},
                      {"policy", m == 0 ? "priority" : "index"},
                      {"units", m == 0 ? "latent values" : "scans"},
                      {"mean_packets", 4},
                      {"mean_bytes", 200.0 * (m + 1)},
                      {"points", pts}});
  }
  return {
      {"scenario", scenario},
      {"scenario_summary", "test link for " + scenario + " [payload 51 B, loss 0, deadline 5000 ms, loss feedback]"},
      {"model", "models/test/model.lnm (fmnist28, id 0x1234abcd)"},
      {"data", "Test set (test): 20 images"},
      {"images", 20},
      {"seed", 1},
      {"quality", 50},
      {"cameras", 1},
      {"accuracy", accuracy ? "top1/top5 per point (cloud part of the model)"
                            : "not available: no trained cloud classifier in this run"},
      {"curves", curves}};
}

nlohmann::json table6_json(bool accuracy) {
  nlohmann::json runs = nlohmann::json::array();
  const int losses[] = {10, 40, 70};
  for (int loss : losses) {
    nlohmann::json run = simulation_json("table6-" + std::to_string(loss), 5, accuracy);
    // The end of the cycle: less arrives at higher loss.
    for (auto& c : run["curves"]) {
      nlohmann::json& last = c["points"].back();
      last["bytes_delivered"] = 1850.0 * (1 - loss / 100.0);
      if (accuracy) last["top1"] = (c["method"] == "limitnet" ? 0.82 : 0.62) - loss / 400.0;
    }
    runs.push_back(run);
  }
  return {{"table6", runs}, {"table6_summary", {{{"method", "limitnet"}, {"loss", {0.1, 0.4, 0.7}}}}}};
}

void write_json(const std::string& path, const nlohmann::json& j) {
  std::ofstream out(path);
  out << j.dump(2) << "\n";
}

}  // namespace limitnet::report::testing
