// The expression lexer: text to tokens, each with its byte span. Internal to expr/.
#pragma once

#include <string>
#include <vector>

#include "rankflow/expr/ast.hpp"

namespace rankflow::expr {

enum class TokenKind : std::uint8_t {
  kEnd,
  kInteger,     // 42 (text kept: range is checked by the parser, which knows about unary minus)
  kFloat,       // 4.2, 1e-3, .5
  kString,      // 'a' or "a", escapes resolved into `text`
  kIdentifier,  // qty, `unit price` (quoted: never a keyword)
  kLParen,
  kRParen,
  kComma,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kSlashSlash,
  kPercent,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  Span span;
  std::string text;     // identifier name, string value, number text
  bool quoted = false;  // identifier written in backticks
};

// Throws ConfigError (via describe_at) on an unexpected character or an unterminated string.
std::vector<Token> tokenize(const std::string& text);

// A token as the user wrote it, for messages: "')'", "'and'", "the end of the expression".
std::string token_description(const Token& token, const std::string& text);

}  // namespace rankflow::expr
