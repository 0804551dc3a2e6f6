#include "model/judge_info.h"

#include <algorithm>
#include <filesystem>
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

std::vector<CodecJudgeSpec> parse_codec_judges(const std::vector<std::string>& specs,
                                               const std::vector<std::string>& known,
                                               const std::vector<std::string>& listed, const std::string& listed_flag) {
  auto contains = [](const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  std::vector<CodecJudgeSpec> given;
  for (const std::string& spec : specs) {
    const size_t eq = spec.find('=');
    const std::string codec = spec.substr(0, eq == std::string::npos ? 0 : eq);
    const std::string path = eq == std::string::npos ? "" : spec.substr(eq + 1);
    if (!contains(known, codec) || path.empty()) {
      std::string names;
      for (const std::string& k : known) names += (names.empty() ? "" : ", ") + k;
      throw std::invalid_argument("--codec-judge expects CODEC=PATH with CODEC one of " + names + ", got '" + spec +
                                  "'");
    }
    if (!contains(listed, codec))
      throw std::invalid_argument("--codec-judge " + codec + "=... was given but " + listed_flag + " does not name " +
                                  codec);
    if (!std::filesystem::is_regular_file(path))
      throw std::invalid_argument(path + ": no such file (--codec-judge " + codec + ")");
    for (const CodecJudgeSpec& g : given) {
      if (g.codec == codec) throw std::invalid_argument("--codec-judge " + codec + " given twice");
    }
    given.push_back({codec, path});
  }
  std::vector<CodecJudgeSpec> out;
  for (const std::string& codec : listed) {
    for (const CodecJudgeSpec& g : given) {
      if (g.codec == codec) out.push_back(g);
    }
  }
  return out;
}

bool judge_fits(const std::string& tuned_for, const std::string& codec) {
  auto family = [](const std::string& c) { return c == "jpeg-abbrev" ? std::string("jpeg") : c; };
  return family(tuned_for) == family(codec);
}

JudgeInfo require_codec_judge(const BundleView& bundle, const CodecJudgeSpec& spec) {
  const std::optional<JudgeInfo> info = read_judge_info(bundle, spec.path);
  if (!info) {
    throw std::invalid_argument(spec.path +
                                ": has no judge section, so it is not a codec-tuned judge (make one with "
                                "`limitnet tune-judge --codec " +
                                spec.codec + "`)");
  }
  if (!judge_fits(info->codec, spec.codec)) {
    throw std::invalid_argument(spec.path + ": is tuned for " + info->codec + ", but --codec-judge gives it for " +
                                spec.codec);
  }
  return *info;
}

}  // namespace limitnet
