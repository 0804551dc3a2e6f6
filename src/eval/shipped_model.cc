#include "eval/shipped_model.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

namespace limitnet::eval {

std::string shipped_model_path(const std::string& source_dir) {
  namespace fs = std::filesystem;
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("LIMITNET_MODELS")) candidates.push_back(fs::path(env) / "fmnist28/model.lnm");
  candidates.push_back(fs::path(source_dir) / "models/fmnist28/model.lnm");
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(exe.parent_path() / "../share/limitnet/models/fmnist28/model.lnm");
  for (const fs::path& p : candidates) {
    if (fs::exists(p)) return p.string();
  }
  return "";
}

}  // namespace limitnet::eval
