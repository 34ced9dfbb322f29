// The syntax tree of an expression, as the parser produces it: untyped, with the position of
// every node in the text so that later errors (unknown column, wrong type) can point at it.
//
// Purely local data: no MPI, no files. The binder (expr/evaluator.hpp) turns a tree into typed
// block kernels; the serial reference evaluator in tests/oracle/ walks the same tree row by row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace rankflow::expr {

// Byte offsets [begin, end) into the expression text.
struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;
};

enum class LiteralKind : std::uint8_t {
  kNull,
  kBool,
  kInt64,
  kFloat64,
  kString,
  kDate,
  kTimestamp
};

struct Literal {
  LiteralKind kind = LiteralKind::kNull;
  std::int64_t i64 = 0;  // int64; date: days since 1970-01-01; timestamp: microseconds, UTC
  double f64 = 0.0;
  bool boolean = false;
  std::string text;  // string literals, with escapes resolved
};

enum class BinaryOp : std::uint8_t {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kIntDiv,
  kMod,  // arithmetic
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,  // comparisons
  kAnd,
  kOr,  // three-valued logic
};

enum class UnaryOp : std::uint8_t { kNegate, kNot };

enum class Function : std::uint8_t {
  kAbs,
  kSqrt,
  kLog,
  kExp,
  kMin,
  kMax,
  kRound,
  kYear,
  kMonth,
  kDay,
};

enum class NodeKind : std::uint8_t { kLiteral, kColumn, kUnary, kBinary, kIsNull, kCall };

struct Node {
  Node() = default;
  // Frees the subtree without recursion (a tree may be as deep as its text is long while it is
  // being parsed and refused).
  ~Node();
  Node(Node&&) = default;
  Node& operator=(Node&&) = default;

  NodeKind kind = NodeKind::kLiteral;
  Span span;           // the whole node
  Span op_span;        // the operator or function name (kUnary, kBinary, kIsNull, kCall)
  Literal literal;     // kLiteral
  std::string column;  // kColumn
  BinaryOp binary_op = BinaryOp::kAdd;          // kBinary
  UnaryOp unary_op = UnaryOp::kNegate;          // kUnary
  bool negated = false;                         // kIsNull: "is not null"
  Function function = Function::kAbs;           // kCall
  std::vector<std::unique_ptr<Node>> children;  // operands / arguments, in order
  std::size_t height = 1;  // of the subtree (a leaf: 1), kept by the parser to bound it
};

std::string_view binary_op_text(BinaryOp op) noexcept;       // "+", "//", "=", "and", ...
std::string_view function_name(Function function) noexcept;  // "abs", ...
bool is_comparison(BinaryOp op) noexcept;
bool is_arithmetic(BinaryOp op) noexcept;

// A parsed expression: the text it came from and its tree. Cheap to copy (the tree is shared
// and immutable).
class Expression {
 public:
  Expression() = default;
  Expression(std::string text, std::shared_ptr<const Node> root)
      : text_(std::move(text)), root_(std::move(root)) {}

  const std::string& text() const noexcept { return text_; }
  const Node& root() const noexcept { return *root_; }
  bool empty() const noexcept { return root_ == nullptr; }
  // Names of the columns the expression reads, in order of first use.
  std::vector<std::string> columns() const;

 private:
  std::string text_;
  std::shared_ptr<const Node> root_;
};

// Parses `text` once. Throws ConfigError whose message says what was expected and where:
//   expected ')' at position 14
//     (qty > 5 and x
//                  ^
// Positions count characters from 1. Everything that does not need a schema is checked here
// (syntax, function names and argument counts, literal ranges), so validate_job can run it on
// a login node.
Expression parse(const std::string& text);

// The error message format shared by the parser and the binder: the problem, "at position N",
// and the text with a caret line under `span`.
std::string describe_at(const std::string& text, Span span, const std::string& problem);

}  // namespace rankflow::expr
