#include "rankflow/core/text.hpp"
#include "lexer.hpp"

#include <fmt/format.h>

#include "rankflow/core/error.hpp"

namespace rankflow::expr {
namespace {

bool is_ident_start(char ch) {
  // Bytes >= 0x80 are UTF-8 sequences: column names such as "température" need no quoting.
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
         static_cast<unsigned char>(ch) >= 0x80;
}
bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }
bool is_ident_char(char ch) { return is_ident_start(ch) || is_digit(ch); }

[[noreturn]] void fail(const std::string& text, Span span, const std::string& problem) {
  throw Error(ErrorKind::kConfig, describe_at(text, span, problem));
}

class Lexer {
 public:
  explicit Lexer(const std::string& text) : text_(text) {}

  std::vector<Token> run() {
    std::vector<Token> tokens;
    while (true) {
      skip_space();
      if (pos_ >= text_.size()) break;
      tokens.push_back(next());
    }
    tokens.push_back({TokenKind::kEnd, {text_.size(), text_.size()}, "", false});
    return tokens;
  }

 private:
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\r' || text_[pos_] == '\n'))
      ++pos_;
  }
  char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  Token make(TokenKind kind, std::size_t length) {
    Token token{kind, {pos_, pos_ + length}, text_.substr(pos_, length), false};
    pos_ += length;
    return token;
  }

  Token next() {
    const char ch = peek();
    if (is_digit(ch) || (ch == '.' && is_digit(peek(1)))) return number();
    if (is_ident_start(ch)) return identifier();
    if (ch == '`') return quoted_identifier();
    if (ch == '\'' || ch == '"') return string_literal();
    return punctuation();
  }

  Token number() {
    const std::size_t begin = pos_;
    bool is_float = false;
    while (is_digit(peek())) ++pos_;
    if (peek() == '.') {
      is_float = true;
      ++pos_;
      while (is_digit(peek())) ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      std::size_t ahead = 1;
      if (peek(1) == '+' || peek(1) == '-') ahead = 2;
      if (is_digit(peek(ahead))) {
        is_float = true;
        pos_ += ahead;
        while (is_digit(peek())) ++pos_;
      }
    }
    if (is_ident_char(peek()) || peek() == '.') {
      std::size_t end = pos_;
      while (end < text_.size() && (is_ident_char(text_[end]) || text_[end] == '.')) ++end;
      fail(text_, {begin, end},
           fmt::format("invalid number '{}'", excerpt(text_.substr(begin, end - begin))));
    }
    return {is_float ? TokenKind::kFloat : TokenKind::kInteger,
            {begin, pos_},
            text_.substr(begin, pos_ - begin),
            false};
  }

  Token identifier() {
    const std::size_t begin = pos_;
    while (is_ident_char(peek())) ++pos_;
    return {TokenKind::kIdentifier, {begin, pos_}, text_.substr(begin, pos_ - begin), false};
  }

  // `unit price`: any column name; a doubled `` is one backtick.
  Token quoted_identifier() {
    const std::size_t begin = pos_++;
    std::string name;
    while (true) {
      if (pos_ >= text_.size())
        fail(text_, {begin, begin + 1}, "unterminated `quoted column name`");
      if (text_[pos_] == '`') {
        if (peek(1) != '`') break;
        ++pos_;
      }
      name += text_[pos_++];
    }
    ++pos_;
    if (name.empty()) fail(text_, {begin, pos_}, "empty column name ``");
    return {TokenKind::kIdentifier, {begin, pos_}, std::move(name), true};
  }

  Token string_literal() {
    const std::size_t begin = pos_;
    const char quote = text_[pos_++];
    std::string value;
    while (true) {
      if (pos_ >= text_.size())
        fail(text_, {begin, begin + 1},
             fmt::format("unterminated string: this {} has no closing {}", quote, quote));
      const char ch = text_[pos_];
      if (ch == quote) {
        if (peek(1) != quote) break;  // '' inside '...' is one quote, as in SQL
        value += quote;
        pos_ += 2;
      } else if (ch == '\\') {
        value += escape();
      } else {
        value += ch;
        ++pos_;
      }
    }
    ++pos_;
    return {TokenKind::kString, {begin, pos_}, std::move(value), false};
  }

  char escape() {
    const char code = peek(1);
    char resolved = 0;
    switch (code) {
      case '\\':
        resolved = '\\';
        break;
      case '\'':
        resolved = '\'';
        break;
      case '"':
        resolved = '"';
        break;
      case 'n':
        resolved = '\n';
        break;
      case 't':
        resolved = '\t';
        break;
      case 'r':
        resolved = '\r';
        break;
      case '0':
        resolved = '\0';
        break;
      default:
        fail(text_, {pos_, pos_ + 2},
             fmt::format("unknown escape '\\{}' in a string (escapes are \\\\ \\' \\\" \\n \\t "
                         "\\r \\0)",
                         code == '\0' ? std::string() : std::string(1, code)));
    }
    pos_ += 2;
    return resolved;
  }

  Token punctuation() {
    const char ch = peek();
    const char after = peek(1);
    switch (ch) {
      case '(':
        return make(TokenKind::kLParen, 1);
      case ')':
        return make(TokenKind::kRParen, 1);
      case ',':
        return make(TokenKind::kComma, 1);
      case '+':
        return make(TokenKind::kPlus, 1);
      case '-':
        return make(TokenKind::kMinus, 1);
      case '*':
        return make(TokenKind::kStar, 1);
      case '%':
        return make(TokenKind::kPercent, 1);
      case '/':
        return after == '/' ? make(TokenKind::kSlashSlash, 2) : make(TokenKind::kSlash, 1);
      case '=':
        return make(TokenKind::kEq, after == '=' ? 2 : 1);
      case '<':
        if (after == '=') return make(TokenKind::kLe, 2);
        if (after == '>') return make(TokenKind::kNe, 2);
        return make(TokenKind::kLt, 1);
      case '>':
        return after == '=' ? make(TokenKind::kGe, 2) : make(TokenKind::kGt, 1);
      case '!':
        if (after == '=') return make(TokenKind::kNe, 2);
        fail(text_, {pos_, pos_ + 1}, "unexpected character '!' (write 'not')");
      case '&':
        fail(text_, {pos_, pos_ + (after == '&' ? 2 : 1)}, "unexpected '&' (write 'and')");
      case '|':
        fail(text_, {pos_, pos_ + (after == '|' ? 2 : 1)}, "unexpected '|' (write 'or')");
      default:
        break;
    }
    std::size_t length = 1;
    while (pos_ + length < text_.size() &&
           (static_cast<unsigned char>(text_[pos_ + length]) & 0xC0) == 0x80)
      ++length;
    fail(text_, {pos_, pos_ + length},
         fmt::format("unexpected character '{}'", text_.substr(pos_, length)));
  }

  const std::string& text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::vector<Token> tokenize(const std::string& text) { return Lexer(text).run(); }

std::string token_description(const Token& token, const std::string& text) {
  if (token.kind == TokenKind::kEnd) return "the end of the expression";
  return "'" + text.substr(token.span.begin, token.span.end - token.span.begin) + "'";
}

}  // namespace rankflow::expr
