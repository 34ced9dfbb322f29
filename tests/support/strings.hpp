// Small string checks shared by the tests' assertions on messages and outputs.
#pragma once

#include <string>
#include <vector>

namespace rankflow::test {

// True when `part` occurs in `text` (error messages, logs, file contents).
inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The lines of `text`, without their newlines.
inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

}  // namespace rankflow::test
