// Shared helpers of the `limitnet` subcommands: error reporting, common flags, loading
// inputs, writing outputs. Every subcommand reports failures by throwing CliError (or any
// std::exception); main() prints "limitnet <sub>: error: <message>" and exits with 1.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "codec/codec_model.h"
#include "data/image.h"

namespace limitnet::cli {

struct CliError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Each subcommand lives in its own cmd_<name>.cc (compiled by a glob in CMakeLists.txt)
// and registers itself with LIMITNET_SUBCOMMAND(order, function); main() adds them in
// ascending `order`, which is the order `limitnet --help` lists them in.
using RegisterFn = void (*)(CLI::App& app);
struct SubcommandRegistrar {
  SubcommandRegistrar(int order, RegisterFn fn);
};
void register_all_subcommands(CLI::App& app);
#define LIMITNET_SUBCOMMAND(order, fn) static const ::limitnet::cli::SubcommandRegistrar fn##_registrar(order, fn)

// Reads an image and converts it to the model's input: channels converted (gray <-> RGB),
// centre-cropped to square and resized to `size` pixels. The conversions are documented
// in docs/CLI.md; they never fail silently.
data::Image load_frame(const std::string& path, int size, int channels);

// "0,2,5-7" -> {0,2,5,6,7}. Throws CliError naming the bad token or an index >= count.
std::vector<size_t> parse_index_list(const std::string& text, size_t count);

// Writes a float32 or uint8 array as NumPy .npy (C order).
// Writes `text` to `path` (replacing it); CliError naming the path on failure.
void write_text_file(const std::string& path, const std::string& text);
void write_npy(const std::string& path, const float* data, const std::vector<size_t>& shape);
void write_npy(const std::string& path, const uint8_t* data, const std::vector<size_t>& shape);

// Prints JSON (pretty) to stdout.
void print_json(const nlohmann::json& j);

// The program beside this one that links libtorch (docs/CLI.md: two programs). main()
// remembers its arguments; exec_torch_program() replaces this process with
// `<dir of /proc/self/exe>/limitnet-torch` and the same arguments. It returns only in a
// build without libtorch (nothing to run: the caller says so); it throws CliError when the
// program is missing or cannot start.
void remember_command_line(char** argv);
void exec_torch_program();

}  // namespace limitnet::cli
