// Architecture files: a network description in JSON (schema and an example in
// docs/TRAINING.md), what `limitnet train --arch` and `limitnet model init --arch` read,
// and the architecture of a bundle. Host only: errors are std::invalid_argument /
// std::runtime_error naming the file and the key ("gray96.json: encoder[1].in: ...").
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "codec/bundle/bundle.h"
#include "codec/presets.h"

namespace limitnet {

// Parses and checks (check_arch) an architecture; `source` names it in errors.
ArchSpec parse_arch_json(const std::string& text, const std::string& source);
// The same from a file.
ArchSpec read_arch_file(const std::string& path);
// The JSON form parse_arch_json() reads back to the same architecture.
nlohmann::json arch_to_json(const ArchSpec& arch);
// Throws std::invalid_argument("<source>: <key>: <reason>") unless check_arch() accepts it.
void require_valid_arch(const ArchSpec& arch, const std::string& source);
// --preset NAME or --arch FILE (the file wins when both are given).
ArchSpec select_arch(const std::string& preset, const std::string& arch_file);
// A bundle's architecture (its arch section, or its preset for older bundles).
// Throws std::runtime_error("<name>: ...").
ArchSpec bundle_arch(const BundleView& bundle, const std::string& name);
// "paper224, cifar32, fmnist28".
std::string preset_names();

}  // namespace limitnet
