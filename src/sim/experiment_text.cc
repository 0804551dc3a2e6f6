#include "sim/experiment_text.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "sim/simulation_record.h"

namespace limitnet::sim {

namespace {

// One scenario: per method, a row per grid time.
void write_table(std::ostream& out, const SimulationResult& r) {
  for (const MethodCurve& c : r.curves) {
    const bool acc = has_accuracy(c);
    out << "\n"
        << c.method << " (policy " << c.policy << "; complete image: " << std::fixed << std::setprecision(1)
        << c.mean_packets << " packets, " << c.mean_bytes << " bytes)\n";
    out << "    t (s)  bytes delivered  packets  bytes on air  " << std::setw(14) << c.units << "  decodable"
        << (acc ? "   top-1   top-5" : "") << "\n";
    for (const TimePoint& p : c.points) {
      out << std::setw(9) << std::setprecision(3) << p.t_ms / 1000.0 << std::setw(17) << std::setprecision(1)
          << p.bytes_delivered << std::setw(9) << p.packets_delivered << std::setw(14) << p.bytes_on_air
          << std::setw(15) << 100.0 * p.units_fraction << "%" << std::setw(10) << 100.0 * p.decodable << "%";
      if (acc) out << std::setw(7) << 100.0 * p.top1 << "%" << std::setw(7) << 100.0 * p.top5 << "%";
      out << "\n";
    }
  }
}

std::string percent(double fraction) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << 100.0 * fraction << "%";
  return out.str();
}

// Table 6's accuracy half: top-1 (top-5) per method and loss rate, and top-1 at 40% over 10%.
void write_table6_accuracy(std::ostream& out, const std::vector<SimulationResult>& results) {
  const std::vector<MethodCurve>& methods = results.front().curves;
  out << "\ntop-1 (top-5) at the end of the cycle, as in the paper's Table 6\n"
      << std::left << std::setw(17) << "method" << std::right;
  for (const char* loss : {"10% loss", "40% loss", "70% loss"}) out << std::setw(17) << loss;
  out << std::setw(18) << "top-1 40%/10%"
      << "\n";
  for (std::size_t m = 0; m < methods.size(); ++m) {
    out << std::left << std::setw(17) << methods[m].method << std::right;
    if (!has_accuracy(methods[m])) {
      out << "   (no classifier for this method)\n";
      continue;
    }
    for (const SimulationResult& r : results) {
      const TimePoint& p = r.curves[m].points.back();
      out << std::setw(17) << percent(p.top1) + " (" + percent(p.top5) + ")";
    }
    const double at10 = results[0].curves[m].points.back().top1, at40 = results[1].curves[m].points.back().top1;
    out << std::setw(18) << (at10 > 0 ? percent(at40 / at10) : std::string("-")) << "\n";
  }
}

// Table 6's layout: one row per method, one column per loss rate, read at the end of the
// connection cycle (the last grid point). Accuracy first when there is any, then what was
// delivered.
void write_table6(std::ostream& out, const std::vector<SimulationResult>& results) {
  const std::vector<MethodCurve>& methods = results.front().curves;
  if (std::any_of(methods.begin(), methods.end(), has_accuracy)) write_table6_accuracy(out, results);
  out << "\nat the end of the cycle: bytes delivered, units received, images decodable\n"
      << std::left << std::setw(17) << "method";
  for (const char* loss : {"10% loss", "40% loss", "70% loss"}) out << std::setw(25) << loss;
  out << std::right << "\n";
  for (std::size_t m = 0; m < methods.size(); ++m) {
    out << std::left << std::setw(17) << methods[m].method << std::right;
    for (const SimulationResult& r : results) {
      const TimePoint& p = r.curves[m].points.back();
      std::ostringstream cell;
      cell << std::fixed << std::setprecision(0) << p.bytes_delivered << " B " << percent(p.units_fraction) << " "
           << percent(p.decodable);
      out << std::left << std::setw(25) << cell.str() << std::right;
    }
    out << "  (" << methods[m].units << ")\n";
  }
}

// The run's description above the tables.
void write_header(std::ostream& out, const ExperimentPlan& plan, const ExperimentResult& r) {
  const Scenario& scenario = r.scenarios.front();
  out << "LimitNet link simulation: "
      << (plan.table6 ? "paper Table 6 (2500 B/s, one connection cycle of 740 ms airtime per 60 s; loss 10/40/70%)"
                      : scenario.summary())
      << "\n"
      << "model: " << r.model << "\n";
  if (!plan.starfish_model.empty()) out << "starfish model: " << r.starfish_model << "\n";
  out << "data: " << r.data << "; seed " << plan.seed << "; JPEG/WebP quality " << plan.quality;
  if (plan.cameras > 1) out << "; " << plan.cameras << " cameras per link (" << plan.schedule << " scheduling)";
  out << "\naccuracy: " << (r.model_classifies ? "top-1/top-5 per point" : "not available (" + r.no_accuracy + ")");
  if (!plan.starfish_model.empty() && !r.starfish_classifies) {
    out << "; starfish: not available (" << r.starfish_no_accuracy << ")";
  }
  if (!plan.baseline_judge.empty()) out << "; codec pictures judged by " << plan.baseline_judge << "'s classifier";
  for (const std::string& spec : plan.codec_judges) {
    const std::size_t eq = spec.find('=');
    out << "; " << spec.substr(0, eq) << " pictures judged by its tuned judge " << spec.substr(eq + 1);
  }
  out << "\nbytes delivered = payload of distinct packets arrived (LimitNet: headers, saliency map, CRC "
         "included); bytes on air = every attempt plus "
      << scenario.link_overhead_bytes() << " B link overhead per packet\n";
}

void write_footer(std::ostream& out, const ExperimentResult& r, const std::string& json_path,
                  const std::string& plot_path) {
  double encode = 0, link = 0, receive = 0;
  for (const auto& run : r.results) {
    encode += run.seconds_encode;
    link += run.seconds_transmit;
    receive += run.seconds_receive;
  }
  out << "\n"
      << r.results.front().images << " images x " << r.methods.size() << " methods x " << r.results.size()
      << " scenario(s) in " << std::fixed << std::setprecision(1) << r.seconds << " s (encode " << encode << " s, link "
      << link << " s, receive" << (r.any_accuracy() ? " and classify " : " ") << receive << " s)";
  if (!json_path.empty()) out << "; JSON written to " << json_path;
  if (!plot_path.empty()) out << "; plot written to " << plot_path;
  out << "\n";
}

}  // namespace

std::string scenario_list_text() {
  std::string text;
  for (const std::string& n : scenario_names()) text += make_scenario(n).summary() + "\n";
  return text;
}

std::string experiment_text(const ExperimentPlan& plan, const ExperimentResult& result, const std::string& json_path,
                            const std::string& plot_path) {
  std::ostringstream out;  // one stream: its format flags carry over from part to part, as they always did
  write_header(out, plan, result);
  if (plan.table6) {
    write_table6(out, result.results);
  } else {
    write_table(out, result.results.front());
  }
  write_footer(out, result, json_path, plot_path);
  return out.str();
}

}  // namespace limitnet::sim
