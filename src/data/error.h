// Error type of limitnet_data: every failure to read or interpret data (bad file,
// unsupported format, inconsistent dataset) is reported as a DataError whose message
// names the file or directory and the reason, so a user can fix the input directly.
#pragma once

#include <stdexcept>
#include <string>

namespace limitnet::data {

class DataError : public std::runtime_error {
 public:
  explicit DataError(const std::string& what) : std::runtime_error(what) {}
  // Message "<where>: <reason>"; `where` is a file or directory path.
  DataError(const std::string& where, const std::string& reason) : std::runtime_error(where + ": " + reason) {}
};

}  // namespace limitnet::data
