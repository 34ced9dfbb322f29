#include "rankflow/core/text.hpp"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <iterator>

namespace rankflow {

std::string lower(std::string text) {
  for (char& c : text)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return text;
}

std::string trim(const std::string& text) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return text.substr(begin, end - begin);
}

std::string excerpt(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return fmt::format("{}... ({} bytes)", text.substr(0, cut), text.size());
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::string current;
  int depth = 0;
  char quote = 0;
  for (const char ch : text) {
    if (quote != 0) {
      if (ch == quote) quote = 0;
    } else if (ch == '"' || ch == '\'' || ch == '`') {
      quote = ch;
    } else if (ch == '(') {
      ++depth;
    } else if (ch == ')') {
      --depth;
    } else if (ch == ',' && depth == 0) {
      items.push_back(trim(current));
      current.clear();
      continue;
    }
    current += ch;
  }
  if (!trim(current).empty() || !items.empty()) items.push_back(trim(current));
  return items;
}

void append_float(std::string& out, double value) {
  char text[32];  // the longest shortest form: -2.2250738585072014e-308 (24)
  const char* const end = fmt::format_to(text, FMT_COMPILE("{}"), value);
  bool integral = true;  // only digits and a sign: no '.', no exponent, not inf or nan
  for (const char* pos = text; pos != end; ++pos) {
    if ((*pos < '0' || *pos > '9') && *pos != '-') {
      integral = false;
      break;
    }
  }
  out.append(text, static_cast<std::size_t>(end - text));
  if (integral) out.append(".0", 2);
}

std::string format_float(double value) {
  std::string text;
  append_float(text, value);
  return text;
}

std::string human_bytes(std::uint64_t bytes, int decimals) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(units)) {
    value /= 1024.0;
    ++unit;
  }
  if (unit == 0) return fmt::format("{} B", bytes);
  return fmt::format("{:.{}f} {}", value, value < 10 ? decimals : std::max(decimals - 1, 0),
                     units[unit]);
}

}  // namespace rankflow
