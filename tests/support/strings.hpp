// Small string checks shared by the tests' assertions on messages and outputs.
#pragma once

#include <string>

namespace rankflow::test {

// True when `part` occurs in `text` (error messages, logs, file contents).
inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace rankflow::test
