// `limitnet inspect`: what is inside a packet file (.lnp) or a model bundle (.lnm), as the
// JSON summary and as text. Host tool (library limitnet_codec_inspect, not installed).
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace limitnet {

// The summary of a .lnp (per-packet structure, overhead, ranks covered) or a .lnm (parts,
// config, sections), told apart by the magic. Throws std::runtime_error naming the file
// when it is neither, or cannot be read.
nlohmann::json inspect_codec_file(const std::string& path);

// The text form of a summary from inspect_codec_file (newline-terminated lines).
std::string inspect_text(const nlohmann::json& summary);

}  // namespace limitnet
