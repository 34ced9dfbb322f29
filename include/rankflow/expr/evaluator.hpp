// Evaluator: an expression bound to a table schema, evaluated a whole block at a time.
//
//   expr::Expression where = expr::parse("qty > 5 and category != 'misc'");   // once
//   expr::Evaluator filter(where, source.schema(), expr::Use::kPredicate);    // types checked
//   while (source.next(block)) {
//     filter.select(block, selection);                                        // typed loops
//     ...
//   }
//
// Binding resolves every column to its index, checks types (errors point at the offending
// part of the text and say what was expected), inserts the int64 -> float64 and date ->
// timestamp promotions, and folds constant parts. Evaluation then runs one tight typed loop per
// operator per block (no per-row dispatch, no variant): `qty > 5` is a single loop comparing an
// int64 array with a constant. Nothing in an expression can run code, read files or call out.
//
// Local: no MPI, no collective. Not thread-safe: an Evaluator owns its scratch buffers, which
// it allocates on the first block and reuses (memory does not grow with the number of blocks).
//
// Semantics (docs/pipeline.md has the full reference):
//   int64 op int64 -> int64 for + - * // % (wrapping on overflow, as numpy); `/` is always
//   float64; int64 op float64 -> float64. `//` and `%` floor (Python, pandas): -7 // 2 = -4,
//   -7 % 2 = 1. Division or modulo by zero gives null (int and float alike).
//   Nulls propagate through arithmetic, comparisons and functions; and/or/not use SQL's
//   three-valued logic; a filter keeps the rows where the predicate is true.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "rankflow/expr/ast.hpp"
#include "rankflow/table/table.hpp"

namespace rankflow::expr {

// The type of an expression: a column type, or null for an expression that is always null
// (such as the literal `null`).
enum class ValueType : std::uint8_t { kNull, kBool, kInt64, kFloat64, kString, kDate, kTimestamp };

std::string_view value_type_name(ValueType type) noexcept;  // "null", "bool", "int64", ...
ValueType value_type_of(table::ColumnType type) noexcept;

// What the expression is for; binding checks the result type accordingly.
enum class Use : std::uint8_t {
  kAny,
  kPredicate,  // must be bool (or the null literal): [filter] where
  kColumn,     // must have a column type, not null: [derive] name = ...
};

class Evaluator {
 public:
  // Throws ConfigError pointing at the problem: unknown column (with a suggestion), operand
  // types an operator does not take, a string that is not a date, a result of the wrong type.
  Evaluator(const Expression& expression, const table::Schema& schema, Use use = Use::kAny);
  ~Evaluator();
  Evaluator(Evaluator&&) noexcept;
  Evaluator& operator=(Evaluator&&) noexcept;
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  ValueType type() const noexcept;
  // The column type of the result (bool for kNull, which only a predicate may have).
  table::ColumnType column_type() const noexcept;
  const Expression& expression() const noexcept;

  // `block` must have the schema the evaluator was bound to (or extend it with columns after
  // those). Fills `out`, which is cleared first (capacity kept) and retyped if needed, with one
  // value per row.
  void evaluate(const table::Table& block, table::Column& out);
  // For predicates: selection[row] = 1 where the expression is true, 0 where it is false or
  // null. `selection` is resized to the block's rows. Returns the number of rows selected.
  std::size_t select(const table::Table& block, std::vector<std::uint8_t>& selection);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rankflow::expr
