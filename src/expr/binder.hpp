// The binder: syntax tree + schema -> typed evaluation nodes. Internal to expr/.
//
// Type rules (docs/pipeline.md states them for users):
//   arithmetic   int64 (+-*//%) int64 -> int64; `/` or any float64 operand -> float64
//   comparison   numbers with numbers (int64 promoted to float64 when mixed), strings with
//                strings, bool with bool, date/timestamp with date/timestamp (date promoted
//                to midnight), date/timestamp with a string constant (parsed here, once)
//   and/or/not   bool operands
//   null         the literal null takes the type its place needs; an operation on it is null
//                (folded here), except and/or/is null, which follow three-valued logic
// Every part whose operands are all constant is evaluated once here (constant folding).
#pragma once

#include <string>

#include "nodes.hpp"
#include "rankflow/table/table.hpp"

namespace rankflow::expr {

class Binder {
 public:
  Binder(const std::string& text, const table::Schema& schema) : text_(text), schema_(schema) {}

  // Throws ConfigError pointing at the part of the text that is wrong.
  NodePtr bind(const Node& node);

 private:
  NodePtr bind_literal(const Node& node);
  NodePtr bind_column(const Node& node);
  NodePtr bind_unary(const Node& node);
  NodePtr bind_is_null(const Node& node);
  NodePtr bind_binary(const Node& node);
  NodePtr bind_logic(const Node& node);
  NodePtr bind_arithmetic(const Node& node);
  NodePtr bind_compare(const Node& node);
  NodePtr bind_call(const Node& node);
  NodePtr bind_min_max(const Node& node);
  NodePtr bind_round(const Node& node);
  NodePtr bind_date_part(const Node& node);

  // Brings a date or timestamp side and a string constant side to the same type.
  void coerce_datetime_string(const Node& ast, NodePtr& side, ValueType target);
  // "column 'qty' is string" / "the left side is string", for type errors.
  std::string describe(const Node& ast, ValueType type, const char* fallback) const;
  [[noreturn]] void fail(Span span, const std::string& problem) const;

  const std::string& text_;
  const table::Schema& schema_;
};

// Helpers shared by the binder's files.
bool is_numeric(ValueType type);
bool is_datetime(ValueType type);
bool is_null_constant(const NodePtr& node);
// A constant child makes the whole node constant only if every child is one.
bool all_constant(const std::vector<NodePtr>& nodes);
// Evaluates a node whose children are all constants, once, into a constant.
NodePtr fold(NodePtr node);
// int64 -> float64 (date -> timestamp) promotion; constants are converted right away.
NodePtr promote(NodePtr node, ValueType target);
// For kernels that need vectors: constants become broadcasts (a null constant is retyped).
NodePtr vectorize(NodePtr node, ValueType type);

}  // namespace rankflow::expr
