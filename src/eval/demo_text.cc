#include "eval/demo_text.h"

#include <iomanip>
#include <sstream>

#include "codec/host/model_file.h"

namespace limitnet::eval {

namespace {

// Top-1 and bytes delivered of each method, one row per grid time.
void write_link_table(std::ostream& out, const sim::SimulationResult& r) {
  out << "    t (s)";
  for (const sim::MethodCurve& c : r.curves) out << std::setw(10) << c.method << " top-1  bytes";
  out << "\n";
  for (size_t g = 0; g < r.curves.front().points.size(); ++g) {
    out << std::setw(9) << std::setprecision(0) << r.curves.front().points[g].t_ms / 1000.0;
    for (const sim::MethodCurve& c : r.curves) {
      const sim::TimePoint& p = c.points[g];
      out << std::setw(15) << std::setprecision(1) << 100 * p.top1 << "%" << std::setw(7) << std::setprecision(0)
          << p.bytes_delivered;
    }
    out << "\n";
  }
}

void write_curve(std::ostream& out, const DemoPlan& plan, const DemoResult& d) {
  const CurveResult& r = d.curve;
  out << "LimitNet demo on " << r.data << "\n"
      << "model: " << plan.model << " (" << d.preset << ", id " << model_id_text(d.model_id) << ")\n"
      << "device: encode each image into packets of at most " << plan.payload << " bytes; receiver: keep the first k\n"
      << "packets, decode, reconstruct, classify. Bytes = mean bytes on air per image, every byte counted.\n\n"
      << "classifier on the clean images: top-1 " << std::fixed << std::setprecision(1) << 100 * r.clean_top1 << "%\n\n"
      << "packets  mean bytes   top-1   top-5  latent values received\n";
  for (const auto& p : r.curve) {
    out << std::setw(7) << p.packets << std::setw(12) << std::setprecision(1) << p.bytes << std::setw(7) << 100 * p.top1
        << "%" << std::setw(7) << 100 * p.top5 << "%" << std::setw(15) << 100 * p.values_fraction << "%\n";
  }
  out << "\nexact round trip with all packets: " << r.exact_round_trips << " of " << r.images << " images\n";
}

}  // namespace

std::string demo_text(const DemoPlan& plan, const DemoResult& d) {
  std::ostringstream out;  // one stream: its format flags carry over from part to part, as they always did
  write_curve(out, plan, d);
  const ProgressiveStrip& strip = d.strip;
  out << "\nprogressive reconstructions (paper Fig. 1): " << strip.rows << " test images (";
  for (size_t i = 0; i < strip.classes.size(); ++i) out << (i ? ", " : "") << strip.classes[i];
  out << "); columns: the original, then after 1.." << strip.columns - 1 << " packets\n";
  out << "\naccuracy against time over a simulated link: " << d.scenario.summary() << "\n"
      << d.link.images << " test images, each captured at t = 0 and sent alone; LimitNet (most important first, "
      << "losses resent) vs progressive JPEG (quality 50, scan by scan); top-1 and mean bytes delivered\n";
  write_link_table(out, d.link);
  out << "\nwritten: " << d.png_path << " (" << strip.picture.width << "x" << strip.picture.height << " px), "
      << d.bytes_svg << ", " << d.time_svg << "\n"
      << std::setprecision(1) << d.seconds << " s\n";
  return out.str();
}

}  // namespace limitnet::eval
