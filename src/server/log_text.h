// Text that a sender controls (device ids, MQTT topics, HTTP paths, parser messages) on its
// way into the log: one log line must stay one line, and a terminal must not interpret it.
#pragma once
#include <string>
#include <string_view>

namespace limitnet::server {

// Printable ASCII is kept; a backslash becomes "\\", newline, carriage return and tab become
// "\n", "\r", "\t", and every other byte below 0x20, DEL and every byte >= 0x80 becomes
// "\xHH" (so NUL, ESC sequences and UTF-8 line separators cannot forge or hide a line).
std::string escape_log_text(std::string_view text);

}  // namespace limitnet::server
