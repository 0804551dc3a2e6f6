#include "markup_check.h"

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

namespace limitnet::report::testing {
namespace {

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == ':' || c == '_'; }

std::string at(size_t pos, const std::string& what) { return "offset " + std::to_string(pos) + ": " + what; }

// Checks an entity starting at text[pos] == '&'; returns its length or 0.
size_t entity_length(const std::string& text, size_t pos) {
  size_t end = text.find(';', pos);
  if (end == std::string::npos || end - pos > 10) return 0;
  const std::string body = text.substr(pos + 1, end - pos - 1);
  static const std::set<std::string> named = {"amp", "lt", "gt", "quot", "apos", "nbsp"};
  if (named.count(body)) return end - pos + 1;
  if (body.size() > 1 && body[0] == '#') {
    for (size_t i = 1; i < body.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(body[i]))) return 0;
    }
    return end - pos + 1;
  }
  return 0;
}

}  // namespace

std::string markup_problem(const std::string& text, bool html) {
  static const std::set<std::string> void_elements = {"br", "meta", "hr", "img", "input", "link"};
  std::vector<std::string> open;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '&') {
      const size_t n = entity_length(text, i);
      if (n == 0) return at(i, "'&' that starts no entity");
      i += n;
      continue;
    }
    if (c == '>') return at(i, "stray '>' in text");
    if (c != '<') {
      ++i;
      continue;
    }
    if (text.compare(i, 4, "<!--") == 0) {
      const size_t end = text.find("-->", i);
      if (end == std::string::npos) return at(i, "unclosed comment");
      i = end + 3;
      continue;
    }
    if (text.compare(i, 2, "<!") == 0) {  // <!DOCTYPE html>
      const size_t end = text.find('>', i);
      if (end == std::string::npos) return at(i, "unclosed declaration");
      i = end + 1;
      continue;
    }
    const bool closing = i + 1 < text.size() && text[i + 1] == '/';
    size_t p = i + (closing ? 2 : 1);
    const size_t name_start = p;
    while (p < text.size() && name_char(text[p])) ++p;
    const std::string name = text.substr(name_start, p - name_start);
    if (name.empty()) return at(i, "'<' that starts no tag");
    // Attributes: name="value" (value without '<'), until '>' or '/>'.
    bool self_closing = false;
    while (true) {
      while (p < text.size() && std::isspace(static_cast<unsigned char>(text[p]))) ++p;
      if (p >= text.size()) return at(i, "unclosed tag <" + name);
      if (text[p] == '>') {
        ++p;
        break;
      }
      if (text.compare(p, 2, "/>") == 0) {
        self_closing = true;
        p += 2;
        break;
      }
      if (closing) return at(p, "attributes in closing tag </" + name);
      const size_t attr_start = p;
      while (p < text.size() && name_char(text[p])) ++p;
      if (p == attr_start) return at(p, "bad character in tag <" + name);
      if (p >= text.size() || text[p] != '=') return at(p, "attribute without a value in <" + name);
      ++p;
      if (p >= text.size() || text[p] != '"') return at(p, "unquoted attribute value in <" + name);
      const size_t end = text.find('"', p + 1);
      if (end == std::string::npos) return at(p, "unterminated attribute value in <" + name);
      const std::string value = text.substr(p + 1, end - p - 1);
      if (value.find('<') != std::string::npos) return at(p, "'<' inside an attribute value of <" + name);
      for (size_t a = value.find('&'); a != std::string::npos; a = value.find('&', a + 1)) {
        if (entity_length(value, a) == 0) return at(p + 1 + a, "'&' that starts no entity in an attribute of <" + name);
      }
      p = end + 1;
    }
    if (closing) {
      if (open.empty() || open.back() != name) {
        return at(i, "</" + name + "> closes " + (open.empty() ? std::string("nothing") : "<" + open.back() + ">"));
      }
      open.pop_back();
    } else if (!self_closing && !(html && void_elements.count(name))) {
      open.push_back(name);
      // Raw text elements hold CSS or scripts: skip to their end tag.
      if (name == "style" || name == "script") {
        const size_t end = text.find("</" + name + ">", p);
        if (end == std::string::npos) return at(i, "unclosed <" + name + ">");
        p = end;
      }
    }
    i = p;
  }
  if (!open.empty()) return "unclosed <" + open.back() + "> at the end";
  return "";
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + needle.size())) ++n;
  return n;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace limitnet::report::testing
