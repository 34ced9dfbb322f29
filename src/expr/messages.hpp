// Error messages shared by the parser and the binder. Internal to expr/.
#pragma once

#include <string>
#include <vector>

#include "rankflow/core/error.hpp"
#include "rankflow/expr/ast.hpp"

namespace rankflow::expr {

// A ConfigError pointing at `span` of `text` (see describe_at).
[[noreturn]] void fail_at(const std::string& text, Span span, const std::string& problem);

// " (did you mean 'qty'?)" for the closest candidate within a small edit distance, else "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

// The 1-based character (UTF-8 code point) position of byte `offset`, as messages show it.
std::size_t position_of(const std::string& text, std::size_t offset);

std::string join_names(const std::vector<std::string>& names);

}  // namespace rankflow::expr
