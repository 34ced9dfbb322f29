// Recursive-descent parser, one function per precedence level (lowest first):
//
//   or < and < not < is [not] null < comparison < + - < * / // % < unary - < primary
//
// as in SQL (PostgreSQL's table): `not a = b` is `not (a = b)`, `a + 1 is null` is
// `(a + 1) is null`. Comparisons do not chain (`a < b < c` is an error, not a surprise).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "rankflow/core/text.hpp"
#include "lexer.hpp"
#include "messages.hpp"
#include "rankflow/core/text.hpp"
#include "rankflow/expr/ast.hpp"
#include "rankflow/table/datetime.hpp"

namespace rankflow::expr {
namespace {

// Deeper nesting is surely a generated or broken expression; refusing it keeps the recursive
// parser and binder far from the stack limit.
constexpr int kMaxDepth = 200;
// Long operator chains (a + b + c ...) parse in a loop but make deep trees, which the binder
// and evaluator walk recursively.
constexpr std::size_t kMaxHeight = 1000;

struct FunctionInfo {
  Function function;
  std::size_t min_args;
  std::size_t max_args;  // 0: no limit
  const char* usage;
};

constexpr FunctionInfo kFunctions[] = {
    {Function::kAbs, 1, 1, "abs(x)"},
    {Function::kSqrt, 1, 1, "sqrt(x)"},
    {Function::kLog, 1, 1, "log(x)"},
    {Function::kExp, 1, 1, "exp(x)"},
    {Function::kMin, 2, 0, "min(a, b, ...)"},
    {Function::kMax, 2, 0, "max(a, b, ...)"},
    {Function::kRound, 1, 2, "round(x) or round(x, digits)"},
    {Function::kYear, 1, 1, "year(d)"},
    {Function::kMonth, 1, 1, "month(d)"},
    {Function::kDay, 1, 1, "day(d)"},
};

std::unique_ptr<Node> make_node(NodeKind kind, Span span) {
  auto node = std::make_unique<Node>();
  node->kind = kind;
  node->span = span;
  return node;
}

class Parser {
 public:
  explicit Parser(const std::string& text) : text_(text), tokens_(tokenize(text)) {}

  std::unique_ptr<Node> parse_all() {
    if (current().kind == TokenKind::kEnd) fail_at(text_, current().span, "empty expression");
    auto root = parse_or();
    if (current().kind != TokenKind::kEnd)
      fail_at(text_, current().span,
              fmt::format("expected an operator or the end of the expression, found {}",
                          token_description(current(), text_)));
    return root;
  }

 private:
  const Token& current() const { return tokens_[pos_]; }
  const Token& ahead(std::size_t count) const {
    return tokens_[std::min(pos_ + count, tokens_.size() - 1)];
  }
  const Token& advance() { return tokens_[pos_++]; }
  bool at_keyword(const char* word) const { return is_keyword(current(), word); }
  static bool is_keyword(const Token& token, const char* word) {
    return token.kind == TokenKind::kIdentifier && !token.quoted && lower(token.text) == word;
  }

  std::unique_ptr<Node> binary(BinaryOp op, Span op_span, std::unique_ptr<Node> left,
                               std::unique_ptr<Node> right) {
    auto node = make_node(NodeKind::kBinary, {left->span.begin, right->span.end});
    node->binary_op = op;
    node->op_span = op_span;
    add_child(*node, std::move(left));
    add_child(*node, std::move(right));
    return node;
  }

  // The height of the tree is checked as it grows, so that no input (330,000 'or' terms) ever
  // builds a tree deeper than the binder and evaluator, which recurse, can take.
  void add_child(Node& node, std::unique_ptr<Node> child) {
    node.height = std::max(node.height, child->height + 1);
    if (node.height > kMaxHeight)
      fail_at(text_, node.op_span,
              fmt::format("expression too large: more than {} nested operations", kMaxHeight));
    node.children.push_back(std::move(child));
  }

  // Parses the right operand of the operator just consumed, with a message that names it.
  template <typename Next>
  std::unique_ptr<Node> operand_after(const Token& op, Next next) {
    if (current().kind == TokenKind::kEnd)
      fail_at(text_, current().span,
              fmt::format("expected a value after {}, found the end of the expression",
                          token_description(op, text_)));
    return (this->*next)();
  }

  std::unique_ptr<Node> parse_or() {
    auto left = parse_and();
    while (at_keyword("or")) {
      const Token op = advance();
      left = binary(BinaryOp::kOr, op.span, std::move(left), operand_after(op, &Parser::parse_and));
    }
    return left;
  }

  std::unique_ptr<Node> parse_and() {
    auto left = parse_not();
    while (at_keyword("and")) {
      const Token op = advance();
      left =
          binary(BinaryOp::kAnd, op.span, std::move(left), operand_after(op, &Parser::parse_not));
    }
    return left;
  }

  std::unique_ptr<Node> parse_not() {
    if (!at_keyword("not")) return parse_is();
    const Token op = advance();
    DepthGuard guard(this, op.span);
    auto operand = operand_after(op, &Parser::parse_not);
    auto node = make_node(NodeKind::kUnary, {op.span.begin, operand->span.end});
    node->unary_op = UnaryOp::kNot;
    node->op_span = op.span;
    add_child(*node, std::move(operand));
    return node;
  }

  std::unique_ptr<Node> parse_is() {
    auto operand = parse_comparison();
    while (at_keyword("is")) {
      const Token is = advance();
      bool negated = false;
      if (at_keyword("not")) {
        advance();
        negated = true;
      }
      if (!at_keyword("null"))
        fail_at(text_, current().span,
                fmt::format("expected 'null' after '{}', found {} ('is' only tests for null)",
                            negated ? "is not" : "is", token_description(current(), text_)));
      const Token null_token = advance();
      auto node = make_node(NodeKind::kIsNull, {operand->span.begin, null_token.span.end});
      node->op_span = {is.span.begin, null_token.span.end};
      node->negated = negated;
      add_child(*node, std::move(operand));
      operand = std::move(node);
    }
    return operand;
  }

  static bool comparison_op(TokenKind kind, BinaryOp* op) {
    switch (kind) {
      case TokenKind::kEq:
        *op = BinaryOp::kEq;
        return true;
      case TokenKind::kNe:
        *op = BinaryOp::kNe;
        return true;
      case TokenKind::kLt:
        *op = BinaryOp::kLt;
        return true;
      case TokenKind::kLe:
        *op = BinaryOp::kLe;
        return true;
      case TokenKind::kGt:
        *op = BinaryOp::kGt;
        return true;
      case TokenKind::kGe:
        *op = BinaryOp::kGe;
        return true;
      default:
        return false;
    }
  }

  std::unique_ptr<Node> parse_comparison() {
    auto left = parse_additive();
    BinaryOp op = BinaryOp::kEq;
    if (!comparison_op(current().kind, &op)) return left;
    const Token op_token = advance();
    auto node = binary(op, op_token.span, std::move(left),
                       operand_after(op_token, &Parser::parse_additive));
    BinaryOp again = BinaryOp::kEq;
    if (comparison_op(current().kind, &again))
      fail_at(text_, current().span,
              "comparisons do not chain: write 'a < b and b < c' instead of 'a < b < c'");
    return node;
  }

  std::unique_ptr<Node> parse_additive() {
    auto left = parse_multiplicative();
    while (current().kind == TokenKind::kPlus || current().kind == TokenKind::kMinus) {
      const Token op = advance();
      const BinaryOp kind = op.kind == TokenKind::kPlus ? BinaryOp::kAdd : BinaryOp::kSub;
      left =
          binary(kind, op.span, std::move(left), operand_after(op, &Parser::parse_multiplicative));
    }
    return left;
  }

  std::unique_ptr<Node> parse_multiplicative() {
    auto left = parse_unary();
    while (true) {
      BinaryOp kind = BinaryOp::kMul;
      switch (current().kind) {
        case TokenKind::kStar:
          kind = BinaryOp::kMul;
          break;
        case TokenKind::kSlash:
          kind = BinaryOp::kDiv;
          break;
        case TokenKind::kSlashSlash:
          kind = BinaryOp::kIntDiv;
          break;
        case TokenKind::kPercent:
          kind = BinaryOp::kMod;
          break;
        default:
          return left;
      }
      const Token op = advance();
      left = binary(kind, op.span, std::move(left), operand_after(op, &Parser::parse_unary));
    }
  }

  std::unique_ptr<Node> parse_unary() {
    if (current().kind != TokenKind::kMinus && current().kind != TokenKind::kPlus)
      return parse_primary();
    const Token op = advance();
    DepthGuard guard(this, op.span);
    // "-9223372036854775808" is a literal of its own: its magnitude alone does not fit int64.
    if (op.kind == TokenKind::kMinus && current().kind == TokenKind::kInteger &&
        current().span.begin == op.span.end)
      return integer_literal(advance(), op.span.begin, "-");
    auto operand = operand_after(op, &Parser::parse_unary);
    if (op.kind == TokenKind::kPlus) return operand;
    auto node = make_node(NodeKind::kUnary, {op.span.begin, operand->span.end});
    node->unary_op = UnaryOp::kNegate;
    node->op_span = op.span;
    add_child(*node, std::move(operand));
    return node;
  }

  std::unique_ptr<Node> integer_literal(const Token& token, std::size_t begin,
                                        const std::string& sign) {
    const std::string digits = sign + token.text;
    std::int64_t value = 0;
    const auto result = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (result.ec != std::errc() || result.ptr != digits.data() + digits.size())
      fail_at(
          text_, {begin, token.span.end},
          fmt::format("integer {} does not fit in int64 (write {}.0 for a float)", digits, digits));
    auto node = make_node(NodeKind::kLiteral, {begin, token.span.end});
    node->literal.kind = LiteralKind::kInt64;
    node->literal.i64 = value;
    return node;
  }

  std::unique_ptr<Node> float_literal(const Token& token) {
    errno = 0;
    const double value = std::strtod(token.text.c_str(), nullptr);
    if (errno == ERANGE && std::isinf(value))
      fail_at(text_, token.span, fmt::format("number {} is too large for float64", token.text));
    auto node = make_node(NodeKind::kLiteral, token.span);
    node->literal.kind = LiteralKind::kFloat64;
    node->literal.f64 = value;
    return node;
  }

  std::unique_ptr<Node> parse_primary() {
    const Token& token = current();
    switch (token.kind) {
      case TokenKind::kInteger:
        return integer_literal(advance(), token.span.begin, "");
      case TokenKind::kFloat:
        return float_literal(advance());
      case TokenKind::kString: {
        auto node = make_node(NodeKind::kLiteral, token.span);
        node->literal.kind = LiteralKind::kString;
        node->literal.text = advance().text;
        return node;
      }
      case TokenKind::kLParen:
        return parenthesized();
      case TokenKind::kIdentifier:
        return identifier();
      default:
        break;
    }
    fail_at(text_, token.span,
            fmt::format("expected a value (a column, number, string, function call or '('), "
                        "found {}",
                        token_description(token, text_)));
  }

  std::unique_ptr<Node> parenthesized() {
    const Token open = advance();
    DepthGuard guard(this, open.span);
    auto inner = operand_after(open, &Parser::parse_or);
    if (current().kind != TokenKind::kRParen)
      fail_at(
          text_, current().span,
          fmt::format("expected ')' to close the '(' at position {}, found {}",
                      position_of(text_, open.span.begin), token_description(current(), text_)));
    const Token close = advance();
    inner->span = {open.span.begin, close.span.end};
    return inner;
  }

  std::unique_ptr<Node> identifier() {
    const Token& token = current();
    if (!token.quoted) {
      const std::string word = lower(token.text);
      if (word == "true" || word == "false" || word == "null") return keyword_literal(word);
      if ((word == "date" || word == "timestamp") && ahead(1).kind == TokenKind::kString)
        return datetime_literal(word == "date");
      // `a = not b`: SQL would refuse it; reading it as `a = (not b)` is what was meant.
      if (word == "not") return parse_not();
      if (word == "and" || word == "or" || word == "is")
        fail_at(text_, token.span,
                fmt::format("expected a value, found '{}' (a column of that name is written "
                            "`{}`)",
                            token.text, token.text));
      if (ahead(1).kind == TokenKind::kLParen) return call();
    }
    auto node = make_node(NodeKind::kColumn, token.span);
    node->column = advance().text;
    return node;
  }

  std::unique_ptr<Node> keyword_literal(const std::string& word) {
    auto node = make_node(NodeKind::kLiteral, advance().span);
    if (word == "null") {
      node->literal.kind = LiteralKind::kNull;
    } else {
      node->literal.kind = LiteralKind::kBool;
      node->literal.boolean = word == "true";
    }
    return node;
  }

  std::unique_ptr<Node> datetime_literal(bool is_date) {
    const Token keyword = advance();
    const Token value = advance();
    auto node = make_node(NodeKind::kLiteral, {keyword.span.begin, value.span.end});
    node->literal.kind = is_date ? LiteralKind::kDate : LiteralKind::kTimestamp;
    const bool ok = is_date ? table::parse_date(value.text, &node->literal.i64)
                            : table::parse_timestamp(value.text, &node->literal.i64);
    if (!ok)
      fail_at(text_, value.span,
              is_date ? fmt::format("'{}' is not a date (expected YYYY-MM-DD)", excerpt(value.text))
                      : fmt::format("'{}' is not a timestamp (expected YYYY-MM-DDTHH:MM:SS, "
                                    "optional .fraction and Z or +HH:MM)",
                                    excerpt(value.text)));
    return node;
  }

  std::unique_ptr<Node> call();

  struct DepthGuard {
    DepthGuard(Parser* parser, Span span) : parser_(parser) {
      if (++parser_->depth_ > kMaxDepth)
        fail_at(parser_->text_, span,
                fmt::format("expression nested more than {} levels deep", kMaxDepth));
    }
    ~DepthGuard() { --parser_->depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    Parser* parser_;
  };

  const std::string& text_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

const FunctionInfo* find_function(const std::string& name) {
  for (const FunctionInfo& info : kFunctions)
    if (function_name(info.function) == name) return &info;
  return nullptr;
}

std::unique_ptr<Node> Parser::call() {
  const Token name = advance();
  const FunctionInfo* info = find_function(lower(name.text));
  if (info == nullptr) {
    std::vector<std::string> names;
    for (const FunctionInfo& known : kFunctions) names.emplace_back(function_name(known.function));
    fail_at(text_, name.span,
            fmt::format("unknown function '{}'{}; the functions are: {}", excerpt(name.text),
                        did_you_mean(lower(name.text), names), join_names(names)));
  }
  const Token open = advance();
  DepthGuard guard(this, open.span);
  auto node = make_node(NodeKind::kCall, name.span);
  node->function = info->function;
  node->op_span = name.span;
  if (current().kind != TokenKind::kRParen) {
    while (true) {
      add_child(*node, operand_after(open, &Parser::parse_or));
      if (current().kind != TokenKind::kComma) break;
      advance();
    }
  }
  if (current().kind != TokenKind::kRParen)
    fail_at(text_, current().span,
            fmt::format("expected ',' or ')' in the call of {} at position {}, found {}", name.text,
                        position_of(text_, name.span.begin), token_description(current(), text_)));
  node->span.end = advance().span.end;
  const std::size_t count = node->children.size();
  if (count < info->min_args || (info->max_args != 0 && count > info->max_args))
    fail_at(text_, node->span,
            fmt::format(
                "{} takes {}, got {} argument{} (usage: {})", function_name(info->function),
                info->max_args == 0 ? fmt::format("at least {} arguments", info->min_args)
                : info->min_args == info->max_args
                    ? fmt::format("{} argument{}", info->min_args, info->min_args == 1 ? "" : "s")
                    : fmt::format("{} to {} arguments", info->min_args, info->max_args),
                count, count == 1 ? "" : "s", info->usage));
  return node;
}

void collect_columns(const Node& node, std::vector<std::string>* names) {
  if (node.kind == NodeKind::kColumn &&
      std::find(names->begin(), names->end(), node.column) == names->end())
    names->push_back(node.column);
  for (const auto& child : node.children) collect_columns(*child, names);
}

}  // namespace

Node::~Node() {
  // Children's children are moved to a flat list before they are freed, so each node freed
  // here has no children left and no destructor recurses.
  std::vector<std::unique_ptr<Node>> pending = std::move(children);
  while (!pending.empty()) {
    std::unique_ptr<Node> node = std::move(pending.back());
    pending.pop_back();
    for (auto& child : node->children) pending.push_back(std::move(child));
    node->children.clear();
  }
}

Expression parse(const std::string& text) {
  std::shared_ptr<const Node> root = Parser(text).parse_all();
  return Expression(text, std::move(root));
}

std::vector<std::string> Expression::columns() const {
  std::vector<std::string> names;
  if (root_) collect_columns(*root_, &names);
  return names;
}

std::string_view binary_op_text(BinaryOp op) noexcept {
  switch (op) {
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kIntDiv:
      return "//";
    case BinaryOp::kMod:
      return "%";
    case BinaryOp::kEq:
      return "=";
    case BinaryOp::kNe:
      return "!=";
    case BinaryOp::kLt:
      return "<";
    case BinaryOp::kLe:
      return "<=";
    case BinaryOp::kGt:
      return ">";
    case BinaryOp::kGe:
      return ">=";
    case BinaryOp::kAnd:
      return "and";
    case BinaryOp::kOr:
      return "or";
  }
  return "?";
}

std::string_view function_name(Function function) noexcept {
  switch (function) {
    case Function::kAbs:
      return "abs";
    case Function::kSqrt:
      return "sqrt";
    case Function::kLog:
      return "log";
    case Function::kExp:
      return "exp";
    case Function::kMin:
      return "min";
    case Function::kMax:
      return "max";
    case Function::kRound:
      return "round";
    case Function::kYear:
      return "year";
    case Function::kMonth:
      return "month";
    case Function::kDay:
      return "day";
  }
  return "?";
}

bool is_comparison(BinaryOp op) noexcept { return op >= BinaryOp::kEq && op <= BinaryOp::kGe; }
bool is_arithmetic(BinaryOp op) noexcept { return op <= BinaryOp::kMod; }

}  // namespace rankflow::expr
