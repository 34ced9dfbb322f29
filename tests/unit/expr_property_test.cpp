// Property test: random well-typed expressions over a random table with nulls, NaN, extreme
// integers and empty strings, evaluated block by block (tiny, uneven blocks, one evaluator
// reused) and compared row by row with the serial oracle (tests/oracle/expr_oracle.hpp).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "oracle/expr_oracle.hpp"
#include "rankflow/core/error.hpp"
#include "rankflow/expr/evaluator.hpp"
#include "table_builder.hpp"

namespace rankflow::expr {
namespace {

using oracle::ExprValue;

constexpr std::size_t kRows = 96;
constexpr int kExpressions = 3000;

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}

  std::size_t below(std::size_t count) {
    return std::uniform_int_distribution<std::size_t>(0, count - 1)(rng_);
  }
  bool chance(double probability) { return std::bernoulli_distribution(probability)(rng_); }
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[below(items.size())];
  }

  table::Table table() {
    std::vector<test::OptInt> i1, i2;
    std::vector<test::OptDouble> f1, f2;
    std::vector<test::OptBool> b1;
    std::vector<test::OptString> s1, s2, d1, t1;
    const std::vector<std::int64_t> ints = {0,
                                            1,
                                            -1,
                                            2,
                                            -2,
                                            3,
                                            7,
                                            -7,
                                            10,
                                            255,
                                            1000,
                                            std::numeric_limits<std::int64_t>::max(),
                                            std::numeric_limits<std::int64_t>::min()};
    const std::vector<double> floats = {0.0,
                                        -0.0,
                                        1.5,
                                        -2.25,
                                        0.1,
                                        3.0,
                                        1e300,
                                        -7.5,
                                        2.5,
                                        std::nan(""),
                                        std::numeric_limits<double>::infinity()};
    const std::vector<std::string> strings = {
        "", "a", "b", "misc", "Misc", "ab", "a b", "z\xC3\xA9", "miscella", "miscellaneous"};
    const std::vector<std::string> days = {"2024-02-29", "1969-12-31", "2000-01-01", "1970-01-01"};
    const std::vector<std::string> stamps = {"2024-02-29T23:59:59", "1969-12-31T23:59:59.5",
                                             "2000-01-01T00:00:00", "1970-01-01T00:00:00.000001"};
    for (std::size_t row = 0; row < kRows; ++row) {
      i1.push_back(chance(0.15) ? test::OptInt() : pick(ints));
      i2.push_back(chance(0.15) ? test::OptInt() : pick(ints));
      f1.push_back(chance(0.15) ? test::OptDouble() : pick(floats));
      f2.push_back(chance(0.15) ? test::OptDouble() : pick(floats));
      b1.push_back(chance(0.2) ? test::OptBool() : test::OptBool(chance(0.5)));
      s1.push_back(chance(0.15) ? test::OptString() : pick(strings));
      s2.push_back(chance(0.15) ? test::OptString() : pick(strings));
      d1.push_back(chance(0.15) ? test::OptString() : pick(days));
      t1.push_back(chance(0.15) ? test::OptString() : pick(stamps));
    }
    return test::make_table({{"i1", test::int_column(i1)},
                             {"i2", test::int_column(i2)},
                             {"f1", test::float_column(f1)},
                             {"f2", test::float_column(f2)},
                             {"b1", test::bool_column(b1)},
                             {"s1", test::string_column(s1)},
                             {"s2", test::string_column(s2)},
                             {"d1", test::date_column(d1)},
                             {"t1", test::timestamp_column(t1)}});
  }

  std::string expression(ValueType type, int depth) {
    const bool leaf = depth <= 0 || chance(0.25);
    switch (type) {
      case ValueType::kInt64:
        return leaf ? int_leaf() : int_expr(depth - 1);
      case ValueType::kFloat64:
        return leaf ? float_leaf() : float_expr(depth - 1);
      case ValueType::kBool:
        return leaf ? bool_leaf() : bool_expr(depth - 1);
      case ValueType::kString:
        return leaf || chance(0.5) ? string_leaf() : string_expr(depth - 1);
      case ValueType::kDate:
        return leaf || chance(0.6) ? pick<std::string>({"d1", "date '2000-01-01'", "null"})
                                   : fmt::format("{}({}, {})", pick<std::string>({"min", "max"}),
                                                 expression(ValueType::kDate, depth - 1),
                                                 expression(ValueType::kDate, depth - 1));
      default:
        return leaf || chance(0.6)
                   ? pick<std::string>({"t1", "timestamp '2000-01-01T12:00:00'"})
                   : fmt::format("max({}, {})", expression(ValueType::kDate, depth - 1),
                                 expression(ValueType::kTimestamp, depth - 1));
    }
  }

 private:
  std::string int_leaf() {
    return pick<std::string>({"i1", "i2", "i1", "i2", "0", "1", "-1", "2", "3", "-7", "1000",
                              "9223372036854775807", "-9223372036854775808", "null"});
  }
  std::string float_leaf() {
    return pick<std::string>({"f1", "f2", "f1", "f2", "0.0", "1.5", "-2.25", "1e300", "0.5"});
  }
  std::string bool_leaf() { return pick<std::string>({"b1", "b1", "true", "false", "null"}); }
  std::string string_leaf() {
    return pick<std::string>({"s1", "s2", "s1", "'misc'", "\"a\"", "''", "'z\xC3\xA9'",
                              "'miscella'", "'miscellaneous'"});
  }
  std::string numeric(int depth) {
    return expression(chance(0.5) ? ValueType::kInt64 : ValueType::kFloat64, depth);
  }

  std::string int_expr(int depth) {
    switch (below(7)) {
      case 0:
      case 1:
        return fmt::format("({} {} {})", expression(ValueType::kInt64, depth),
                           pick<std::string>({"+", "-", "*", "//", "%"}),
                           expression(ValueType::kInt64, depth));
      case 2:
        return fmt::format("-({})", expression(ValueType::kInt64, depth));
      case 3:
        return fmt::format("abs({})", expression(ValueType::kInt64, depth));
      case 4:
        return fmt::format("round({}, {})", expression(ValueType::kInt64, depth),
                           pick<std::string>({"-20", "-3", "-1", "0", "2"}));
      case 5:
        return fmt::format("{}({}, {})", pick<std::string>({"min", "max"}),
                           expression(ValueType::kInt64, depth),
                           expression(ValueType::kInt64, depth));
      default:
        return fmt::format(
            "{}({})", pick<std::string>({"year", "month", "day"}),
            expression(chance(0.5) ? ValueType::kDate : ValueType::kTimestamp, depth));
    }
  }

  std::string float_expr(int depth) {
    switch (below(7)) {
      case 0:
      case 1:
        return fmt::format("({} {} {})", numeric(depth),
                           pick<std::string>({"+", "-", "*", "/", "//", "%"}),
                           expression(ValueType::kFloat64, depth));
      case 2:
        return fmt::format("({} / {})", numeric(depth), numeric(depth));
      case 3:
        return fmt::format("{}({})", pick<std::string>({"sqrt", "log", "exp", "abs"}),
                           chance(0.5) ? expression(ValueType::kFloat64, depth) : numeric(depth));
      case 4:
        return fmt::format("round({}{})", expression(ValueType::kFloat64, depth),
                           pick<std::string>({"", ", 1", ", 2", ", -1", ", 400", ", -400"}));
      case 5:
        return fmt::format("{}({}, {}, {})", pick<std::string>({"min", "max"}),
                           expression(ValueType::kFloat64, depth), numeric(depth), numeric(depth));
      default:
        return fmt::format("-({})", expression(ValueType::kFloat64, depth));
    }
  }

  std::string comparison(int depth) {
    const std::string op = pick<std::string>({"=", "!=", "<", "<=", ">", ">="});
    switch (below(6)) {
      case 0:
        return fmt::format("({} {} {})", numeric(depth), op, numeric(depth));
      case 1:
        return fmt::format("({} {} {})", expression(ValueType::kString, depth), op,
                           expression(ValueType::kString, depth));
      case 2:
        return fmt::format("({} {} {})", expression(ValueType::kBool, depth), op,
                           expression(ValueType::kBool, depth));
      case 3:
        return fmt::format("(d1 {} {})", op,
                           pick<std::string>({"'2000-01-01'", "date '1970-01-01'", "t1", "d1"}));
      case 4:
        return fmt::format("({} {} t1)",
                           pick<std::string>({"'2000-01-01'", "'2024-02-29T23:59:59'", "d1"}), op);
      default:
        return fmt::format("({} {} {})", expression(ValueType::kInt64, depth), op,
                           expression(ValueType::kInt64, depth));
    }
  }

  std::string bool_expr(int depth) {
    switch (below(6)) {
      case 0:
      case 1:
        return comparison(depth);
      case 2:
        return fmt::format("({} {} {})", expression(ValueType::kBool, depth),
                           pick<std::string>({"and", "or"}), expression(ValueType::kBool, depth));
      case 3:
        return fmt::format("not ({})", expression(ValueType::kBool, depth));
      default: {
        const ValueType any =
            pick<ValueType>({ValueType::kInt64, ValueType::kFloat64, ValueType::kString,
                             ValueType::kBool, ValueType::kDate});
        return fmt::format("({} is {}null)", expression(any, depth), chance(0.5) ? "not " : "");
      }
    }
  }

  std::string string_expr(int depth) {
    return fmt::format("{}({}, {})", pick<std::string>({"min", "max"}),
                       expression(ValueType::kString, depth),
                       expression(ValueType::kString, depth));
  }

  std::mt19937_64 rng_;
};

// Splits `table` into consecutive blocks of random sizes (zero-row blocks included).
std::vector<table::Table> blocks(const table::Table& table, Generator& gen) {
  std::vector<table::Table> result;
  std::size_t row = 0;
  while (row < table.num_rows()) {
    table::Table block(table.schema());
    const std::size_t size = gen.below(18);
    for (std::size_t idx = 0; idx < size && row < table.num_rows(); ++idx)
      block.append_row(table, row++);
    result.push_back(std::move(block));
  }
  return result;
}

bool same(const ExprValue& expected, const table::Column& column, std::size_t row) {
  const ExprValue actual = oracle::cell(column, row);
  if (expected.null || actual.null) return expected.null == actual.null;
  switch (column.type()) {
    case table::ColumnType::kFloat64:
      return (std::isnan(expected.f64) && std::isnan(actual.f64)) || expected.f64 == actual.f64;
    case table::ColumnType::kBool:
      return expected.boolean == actual.boolean;
    case table::ColumnType::kString:
      return expected.str == actual.str;
    default:
      return expected.i64 == actual.i64;
  }
}

void check_expression(const std::string& text, const table::Table& table,
                      const std::vector<table::Table>& parts) {
  const Expression expression = parse(text);
  Evaluator evaluator(expression, table.schema());
  table::Column out;
  std::vector<std::uint8_t> selection;
  std::size_t global_row = 0;
  for (const table::Table& block : parts) {
    evaluator.evaluate(block, out);
    ASSERT_EQ(out.size(), block.num_rows()) << text;
    const bool predicate = evaluator.type() == ValueType::kBool;
    if (predicate) evaluator.select(block, selection);
    for (std::size_t row = 0; row < block.num_rows(); ++row, ++global_row) {
      const ExprValue expected = oracle::evaluate_row(expression, table, global_row);
      if (expected.type != ValueType::kNull) {
        ASSERT_EQ(expected.type, evaluator.type()) << text;
      }
      ASSERT_TRUE(same(expected, out, row))
          << text << "\nrow " << global_row << ": expected " << oracle::describe(expected)
          << ", got " << oracle::describe(oracle::cell(out, row));
      if (predicate) {
        ASSERT_EQ(selection[row], !expected.null && expected.boolean ? 1 : 0) << text;
      }
    }
  }
}

TEST(ExprProperty, BlockEvaluatorMatchesRowOracle) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    Generator gen(seed);
    const table::Table table = gen.table();
    for (int idx = 0; idx < kExpressions / 3; ++idx) {
      const ValueType type =
          gen.pick<ValueType>({ValueType::kInt64, ValueType::kFloat64, ValueType::kBool,
                               ValueType::kBool, ValueType::kString, ValueType::kTimestamp});
      const std::string text = gen.expression(type, 4);
      SCOPED_TRACE(text);
      const std::vector<table::Table> parts = blocks(table, gen);
      ASSERT_NO_FATAL_FAILURE(check_expression(text, table, parts)) << "seed " << seed;
    }
  }
}

}  // namespace
}  // namespace rankflow::expr
