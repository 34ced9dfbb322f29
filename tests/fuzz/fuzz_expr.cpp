// fuzz_expr: the expression lexer, parser and binder, and the evaluator on a small block. The
// input is the expression text; it is bound against a schema with a column of every type (as a
// filter, as a derived column, and untyped) and evaluated on four rows, one of them null.
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "rankflow/core/error.hpp"
#include "rankflow/expr/ast.hpp"
#include "rankflow/expr/evaluator.hpp"

namespace rankflow::fuzz::expr {
namespace {

using table::ColumnType;

table::Table sample_block() {
  const table::Schema schema({{"qty", ColumnType::kInt64},
                              {"price", ColumnType::kFloat64},
                              {"ok", ColumnType::kBool},
                              {"name", ColumnType::kString},
                              {"day", ColumnType::kDate},
                              {"at", ColumnType::kTimestamp},
                              {"unit price", ColumnType::kFloat64}});
  table::Table block(schema);
  const std::int64_t ints[] = {0, -7, 9223372036854775807LL, 42};
  const double floats[] = {0.0, -0.5, 1e308, 3.25};
  const char* strings[] = {"", "a", "2024-02-29", "misc"};
  for (std::size_t row = 0; row < 4; ++row) {
    for (std::size_t col = 0; col < schema.size(); ++col) {
      table::Column& column = block.column(col);
      switch (column.type()) {
        case ColumnType::kInt64:
        case ColumnType::kDate:
        case ColumnType::kTimestamp: column.append_i64(ints[row]); break;
        case ColumnType::kFloat64: column.append_f64(floats[row]); break;
        case ColumnType::kBool: column.append_bool(row % 2 == 0); break;
        case ColumnType::kString: column.append_string(strings[row]); break;
      }
    }
  }
  for (std::size_t col = 0; col < schema.size(); ++col) block.column(col).set_null(1);
  return block;
}

}  // namespace

int fuzz_one(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  rankflow::expr::Expression expression;
  try {
    expression = rankflow::expr::parse(text);
  } catch (const Error& error) {
    fuzz_check(error.kind() == ErrorKind::kConfig, "a parse error is a config error");
    return 0;
  }
  static const table::Table block = sample_block();
  for (const auto use : {rankflow::expr::Use::kAny, rankflow::expr::Use::kPredicate,
                         rankflow::expr::Use::kColumn}) {
    try {
      rankflow::expr::Evaluator evaluator(expression, block.schema(), use);
      table::Column out;
      evaluator.evaluate(block, out);
      fuzz_check(out.size() == block.num_rows(), "one value per row");
      if (use == rankflow::expr::Use::kPredicate) {
        std::vector<std::uint8_t> selection;
        fuzz_check(evaluator.select(block, selection) <= block.num_rows(), "select counts rows");
      }
    } catch (const Error&) {
      // Unknown column, wrong types: a clear error is the answer.
    }
  }
  return 0;
}

}  // namespace rankflow::fuzz::expr
