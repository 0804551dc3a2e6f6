// Internal: whole-file reading/writing and gzip inflation with DataError messages
// that name the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace limitnet::data::detail {

std::vector<uint8_t> read_file(const std::string& path);
void write_file(const std::string& path, const uint8_t* data, size_t size);

bool is_gzip(const std::vector<uint8_t>& bytes);
// Inflates a gzip stream (all members). Refuses output larger than max_out bytes so a
// corrupt or hostile file cannot exhaust memory.
std::vector<uint8_t> gunzip(const std::vector<uint8_t>& gz, const std::string& name, size_t max_out = size_t{4} << 30);
// read_file + gunzip when the content starts with the gzip magic.
std::vector<uint8_t> read_maybe_gzip(const std::string& path);

}  // namespace limitnet::data::detail
