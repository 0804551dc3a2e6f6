#include "model/judge_info.h"

#include <sstream>
#include <stdexcept>

namespace limitnet {

namespace {

std::string qualities_text(const std::vector<int>& qualities) {
  std::string out;
  for (int q : qualities) out += (out.empty() ? "" : ",") + std::to_string(q);
  return out;
}

// "1,2,3": integers in 1..100 separated by commas.
std::vector<int> parse_qualities(const std::string& text, const std::string& where) {
  std::vector<int> out;
  std::istringstream in(text);
  for (int q = 0; in >> q;) {
    if (q < 1 || q > 100) throw std::runtime_error(where + ": quality " + std::to_string(q) + " is outside 1..100");
    out.push_back(q);
    if (in.peek() == ',') in.get();
  }
  if (!in.eof()) throw std::runtime_error(where + ": qualities '" + text + "' are not a list of numbers");
  return out;
}

}  // namespace

void add_judge_info(BundleWriter* writer, const JudgeInfo& info) {
  std::ostringstream t;
  t.precision(17);
  t << "codec=" << info.codec << "\nqualities=" << qualities_text(info.qualities) << "\nepochs=" << info.epochs
    << "\nlr=" << info.lr << "\nclean_share=" << info.clean_share << "\nseed=" << info.seed
    << "\nimages=" << info.images << "\ntuned_from=" << info.tuned_from << "\n";
  const std::string text = t.str();
  writer->add(kJudgeSection, DType::kText, {static_cast<uint32_t>(text.size())}, text.data());
}

std::optional<JudgeInfo> read_judge_info(const BundleView& bundle, const std::string& path) {
  BundleTensor t;
  if (!bundle.find(kJudgeSection, &t)) return std::nullopt;
  const std::string where = path + ": judge section";
  if (t.dtype != DType::kText) throw std::runtime_error(where + " is not text");
  JudgeInfo info;
  std::istringstream in(std::string(reinterpret_cast<const char*>(t.data), t.bytes));
  std::string line;
  try {
    while (std::getline(in, line)) {
      const size_t eq = line.find('=');
      if (eq == std::string::npos) continue;
      const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
      if (key == "codec") info.codec = value;
      if (key == "qualities") info.qualities = parse_qualities(value, where);
      if (key == "epochs") info.epochs = std::stoi(value);
      if (key == "lr") info.lr = std::stod(value);
      if (key == "clean_share") info.clean_share = std::stod(value);
      if (key == "seed") info.seed = std::stoull(value);
      if (key == "images") info.images = std::stoull(value);
      if (key == "tuned_from") info.tuned_from = value;
    }
  } catch (const std::logic_error&) {  // std::stoi and friends: not a number
    throw std::runtime_error(where + ": line '" + line + "' is not a number");
  }
  if (info.codec.empty()) throw std::runtime_error(where + " names no codec");
  return info;
}

}  // namespace limitnet
