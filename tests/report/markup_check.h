// A small well-formedness check for the SVG and HTML the report writes: tags balance and
// nest, attribute values are quoted, '&' starts an entity, no stray '<'. Not a validator;
// enough to catch broken escaping or an unclosed element. HTML void elements (<br>,
// <meta>) may be left open when `html` is true.
#pragma once
#include <string>

namespace limitnet::report::testing {

// "" when well-formed, else a description with the byte offset of the first problem.
std::string markup_problem(const std::string& text, bool html);

// How many times `needle` occurs in `text`.
size_t count_of(const std::string& text, const std::string& needle);

std::string read_text(const std::string& path);

}  // namespace limitnet::report::testing
