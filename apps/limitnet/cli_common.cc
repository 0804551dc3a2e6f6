#include "cli_common.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <utility>
#include <fstream>
#include <iostream>
#include <sstream>

#include "data/image_io.h"
#include "data/resize.h"

namespace limitnet::cli {

namespace {
std::vector<std::pair<int, RegisterFn>>& registry() {
  static std::vector<std::pair<int, RegisterFn>> r;  // function-local: safe during static init
  return r;
}
}  // namespace

SubcommandRegistrar::SubcommandRegistrar(int order, RegisterFn fn) { registry().emplace_back(order, fn); }

void register_all_subcommands(CLI::App& app) {
  auto r = registry();
  std::stable_sort(r.begin(), r.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& entry : r) entry.second(app);
}

data::Image load_frame(const std::string& path, int size, int channels) {
  data::Image img = data::read_image(path, channels);
  if (img.width != size || img.height != size) img = data::center_crop_resize(img, size, size);
  return img;
}

std::vector<size_t> parse_index_list(const std::string& text, size_t count) {
  std::vector<size_t> out;
  std::stringstream ss(text);
  std::string token;
  auto number = [&](const std::string& s) -> size_t {
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) {
      throw CliError("bad packet index '" + s + "' in '" + text + "' (expected e.g. 0,2,5-7)");
    }
    const size_t v = std::stoul(s);
    if (v >= count) {
      throw CliError("packet index " + s + " out of range: the file has " + std::to_string(count) + " packets (0.." +
                     std::to_string(count - 1) + ")");
    }
    return v;
  };
  while (std::getline(ss, token, ',')) {
    const size_t dash = token.find('-');
    if (dash == std::string::npos) {
      out.push_back(number(token));
    } else {
      const size_t a = number(token.substr(0, dash)), b = number(token.substr(dash + 1));
      if (b < a) throw CliError("bad packet range '" + token + "'");
      for (size_t i = a; i <= b; ++i) out.push_back(i);
    }
  }
  if (out.empty()) throw CliError("empty packet list");
  return out;
}

namespace {
void write_npy_raw(const std::string& path, const void* data, size_t bytes, const char* descr,
                   const std::vector<size_t>& shape) {
  std::string dims;
  for (size_t d : shape) dims += std::to_string(d) + ", ";
  if (shape.size() > 1) dims.erase(dims.size() - 2);
  std::string header = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  const uint16_t len = static_cast<uint16_t>(header.size());
  f.write("\x93NUMPY\x01\x00", 8);
  f.put(static_cast<char>(len & 0xFF));
  f.put(static_cast<char>(len >> 8));
  f << header;
  f.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
  if (!f) throw CliError(path + ": cannot write");
}
size_t product(const std::vector<size_t>& shape) {
  size_t n = 1;
  for (size_t d : shape) n *= d;
  return n;
}
}  // namespace

void write_npy(const std::string& path, const float* data, const std::vector<size_t>& shape) {
  write_npy_raw(path, data, product(shape) * sizeof(float), "<f4", shape);
}
void write_npy(const std::string& path, const uint8_t* data, const std::vector<size_t>& shape) {
  write_npy_raw(path, data, product(shape), "|u1", shape);
}

namespace {
char** g_argv = nullptr;
}  // namespace

void remember_command_line(char** argv) { g_argv = argv; }

void exec_torch_program() {
#ifdef LIMITNET_CLI_TORCH_PROGRAM
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
  const std::string program = (self.parent_path() / LIMITNET_CLI_TORCH_PROGRAM).string();
  if (access(program.c_str(), X_OK) != 0) {
    throw CliError("this command needs libtorch, which is in " + program +
                   ", and that program is missing: build it (cmake --build build --target " +
                   LIMITNET_CLI_TORCH_PROGRAM + ")");
  }
  execv(program.c_str(), g_argv);
  throw CliError(program + ": cannot start: " + std::strerror(errno));
#endif
}

void print_json(const nlohmann::json& j) { std::cout << j.dump(2) << std::endl; }

void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::trunc);
  if (!f) throw CliError("cannot write '" + path + "'");
  f << text;
  if (!f) throw CliError("cannot write '" + path + "'");
}

}  // namespace limitnet::cli
