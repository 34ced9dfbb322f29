// A serial, row-at-a-time reference evaluator for expressions: the oracle the block evaluator
// (expr/evaluator.hpp) is compared with in tests.
//
// It walks the parsed tree for one row at a time with dynamically typed values and restates
// the documented semantics independently (int64 wrapping via 128-bit arithmetic, floor
// division, promotion, three-valued logic), so that a bug in the binder's typing or in a
// kernel's loop shows up as a difference. Slow on purpose; tests only.
#pragma once

#include <cstdint>
#include <string>

#include "rankflow/expr/ast.hpp"
#include "rankflow/expr/evaluator.hpp"
#include "rankflow/table/table.hpp"

namespace rankflow::oracle {

struct ExprValue {
  expr::ValueType type = expr::ValueType::kNull;  // the static type, also for a null value
  bool null = true;
  std::int64_t i64 = 0;  // int64, date (days), timestamp (microseconds)
  double f64 = 0.0;
  bool boolean = false;
  std::string str;
};

// The value of `expression` on row `row` of `table` (column names resolved in its schema).
ExprValue evaluate_row(const expr::Expression& expression, const table::Table& table,
                       std::size_t row);

// Row `row` of a column as an ExprValue.
ExprValue cell(const table::Column& column, std::size_t row);

// "null", "int64 42", "string 'a'": for test failure messages.
std::string describe(const ExprValue& value);

}  // namespace rankflow::oracle
