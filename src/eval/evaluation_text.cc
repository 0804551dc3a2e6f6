#include "eval/evaluation_text.h"

#include <iomanip>
#include <sstream>

#include "codec/host/model_file.h"
#include "model/int8_encoder.h"

namespace limitnet::eval {

namespace {

// Text table of one baseline.
void write_method(std::ostream& out, const MethodCurve& c) {
  out << "\n" << c.name << ": bytes = " << c.bytes_counted << "\n";
  const bool codec = !c.points.empty() && c.points.front().quality > 0;
  const bool scans = !c.points.empty() && c.points.front().scans > 0;
  const bool packets = !c.points.empty() && c.points.front().packets > 0;
  if (scans) {
    out << "  scans quality   bytes  headers   top-1   top-5  PSNR dB\n";
  } else if (codec) {
    out << "quality   bytes  headers   top-1   top-5  PSNR dB\n";
  } else if (packets) {
    out << "packets   bytes   top-1   top-5\n";
  } else {
    out << "  bytes   top-1   top-5   bundle\n";
  }
  for (const MethodPoint& p : c.points) {
    out << std::fixed;
    if (scans) out << std::setw(7) << p.scans << std::setw(8) << p.quality;
    if (codec && !scans) out << std::setw(7) << p.quality;
    if (packets) out << std::setw(7) << p.packets;
    out << std::setw(8) << std::setprecision(1) << p.bytes;
    if (codec) out << std::setw(9) << p.header_bytes;
    out << std::setw(7) << std::setprecision(2) << 100 * p.top1 << "%" << std::setw(7) << 100 * p.top5 << "%";
    if (codec) out << std::setw(9) << std::setprecision(1) << p.psnr_db;
    if (!p.model.empty() && !packets) out << "   " << p.model;
    out << "\n";
  }
  for (const std::string& n : c.notes) out << "  note: " << n << "\n";
  out << "  (" << std::setprecision(0) << c.seconds << " s";
  if (c.reused_verdicts > 0) out << "; " << c.reused_verdicts << " pictures identical to ones already judged";
  out << ")\n";
}

// BD-rate and BD-accuracy cells of one row of the BD tables.
std::string bd_cells(const BdComparison& bd) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1);
  if (bd.rate_pct) {
    out << std::setw(10) << *bd.rate_pct << "%";
  } else {
    out << std::setw(11) << "n/a";
  }
  if (bd.acc_pp) {
    out << std::setw(8) << std::setprecision(2) << *bd.acc_pp << " pp";
  } else {
    out << std::setw(11) << "n/a";
  }
  return out.str();
}

void write_bd(std::ostream& out, const std::vector<MethodCurve>& methods, const std::vector<BdComparison>& bd) {
  out << "\nBjontegaard deltas of LimitNet against each baseline (top-1, pchip):\n"
      << "  BD-rate < 0: LimitNet needs fewer bytes for the same top-1; BD-acc > 0: LimitNet is more accurate for "
         "the same bytes\n"
      << "baseline          BD-rate     BD-acc\n";
  for (size_t i = 0; i < methods.size(); ++i) {
    out << std::left << std::setw(14) << methods[i].name << std::right << bd_cells(bd[i]) << "\n";
  }
  for (size_t i = 0; i < methods.size(); ++i) {
    if (!bd[i].rate_pct) out << "  " << methods[i].name << " BD-rate n/a: " << bd[i].rate_reason << "\n";
    if (!bd[i].acc_pp) out << "  " << methods[i].name << " BD-acc n/a: " << bd[i].acc_reason << "\n";
  }
}

// Each codec under its tuned judge (--codec-judge): its curve, then LimitNet's deltas under
// both judges side by side.
void write_tuned(std::ostream& out, const EvaluationResult& result) {
  if (result.tuned.empty()) return;
  for (const TunedJudgeCurve& t : result.tuned) {
    std::string qualities;
    for (int q : t.qualities) qualities += (qualities.empty() ? "" : ",") + std::to_string(q);
    out << "\n"
        << t.curve.name << " under its tuned judge " << t.judge << " (tuned for " << t.tuned_for << " at qualities "
        << qualities << "; clean images: top-1 " << std::fixed << std::setprecision(2) << 100 * t.judge_clean_top1
        << "%)";
    write_method(out, t.curve);
  }
  out << "\nBjontegaard deltas of LimitNet under the clean and the codec-tuned judge:\n"
      << "baseline       clean: BD-rate     BD-acc   tuned: BD-rate     BD-acc\n";
  for (const TunedJudgeCurve& t : result.tuned) {
    for (size_t i = 0; i < result.methods.size(); ++i) {
      if (result.methods[i].name != t.curve.name) continue;
      out << std::left << std::setw(14) << t.curve.name << std::right << "   " << bd_cells(result.bd[i]) << "   "
          << bd_cells(t.bd) << "\n";
    }
  }
  for (const TunedJudgeCurve& t : result.tuned) {
    if (!t.bd.rate_pct) out << "  " << t.curve.name << " (tuned judge) BD-rate n/a: " << t.bd.rate_reason << "\n";
    if (!t.bd.acc_pp) out << "  " << t.curve.name << " (tuned judge) BD-acc n/a: " << t.bd.acc_reason << "\n";
  }
}

// LimitNet's curve: one row per packet prefix.
void write_curve(std::ostream& out, const EvaluationPlan& plan, const EvaluationResult& result) {
  const CurveResult& r = result.curve;
  out << "model " << plan.model << " (" << result.preset << ", " << model_id_text(result.model_id) << ") on " << r.data
      << "\n"
      << "clean images: top-1 " << std::fixed << std::setprecision(2) << 100 * r.clean_top1 << "%, top-5 "
      << 100 * r.clean_top5 << "%\n"
      << "packets of at most " << plan.payload << " bytes; bytes = mean bytes on air per image, all framing counted\n";
  if (r.network == EncodeNetwork::kInt8) {
    out << "packets made by the int8 device runtime (the firmware's packets byte for byte)\n";
  }
  if (plan.flip_average) out << "every classifier averages each picture with its mirror image (--flip-average)\n";
  out << "packets   bytes   top-1   top-5   latent received\n";
  for (const CurvePoint& p : r.curve) {
    out << std::setw(7) << p.packets << std::setw(8) << std::setprecision(1) << p.bytes << std::setw(7)
        << std::setprecision(2) << 100 * p.top1 << "%" << std::setw(7) << 100 * p.top5 << "%" << std::setw(15)
        << std::setprecision(1) << 100 * p.values_fraction << "%\n";
  }
  out << "(" << std::setprecision(0) << r.seconds << " s)\n";
}

}  // namespace

std::string evaluation_text(const EvaluationPlan& plan, const EvaluationResult& result) {
  std::ostringstream out;  // one stream: its format flags carry over from part to part, as they always did
  write_curve(out, plan, result);
  if (result.baselines.empty()) return out.str();
  if (result.judge_clean_top1) {
    out << "\ncodec baselines judged by " << plan.baseline_judge << "'s classifier (clean images: top-1 "
        << std::setprecision(2) << 100 * *result.judge_clean_top1 << "%)\n";
  }
  for (const MethodCurve& c : result.methods) write_method(out, c);
  write_bd(out, result.methods, result.bd);
  write_tuned(out, result);
  out << "\ntotal " << std::setprecision(0) << result.seconds << " s\n";
  return out.str();
}

}  // namespace limitnet::eval
