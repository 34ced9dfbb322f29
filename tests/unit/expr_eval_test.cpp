// The block evaluator: every operator and function, null semantics, promotion, type errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "rankflow/core/error.hpp"
#include "rankflow/expr/evaluator.hpp"
#include "table_builder.hpp"

namespace rankflow::expr {
namespace {

using test::bool_column;
using test::date_column;
using test::float_column;
using test::int_column;
using test::make_table;
using test::string_column;
using test::timestamp_column;

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

// Rows as text: "null" for null, Column::format otherwise.
std::vector<std::string> rows(const table::Column& column) {
  std::vector<std::string> out;
  for (std::size_t row = 0; row < column.size(); ++row)
    out.push_back(column.is_valid(row) ? column.format(row) : "null");
  return out;
}

struct Result {
  ValueType type;
  std::vector<std::string> values;
};

Result eval(const table::Table& table, const std::string& text) {
  Evaluator evaluator(parse(text), table.schema());
  table::Column out;
  evaluator.evaluate(table, out);
  EXPECT_EQ(out.size(), table.num_rows());
  return {evaluator.type(), rows(out)};
}

std::vector<std::string> values(const table::Table& table, const std::string& text) {
  return eval(table, text).values;
}

std::string bind_error(const table::Table& table, const std::string& text, Use use = Use::kAny) {
  try {
    Evaluator evaluator(parse(text), table.schema(), use);
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
    return error.what();
  }
  ADD_FAILURE() << "no error for: " << text;
  return "";
}

using V = std::vector<std::string>;

table::Table numbers() {
  return make_table({{"i", int_column({7, -7, 7, -7, 0, std::nullopt})},
                     {"j", int_column({2, 2, -2, -2, 0, 3})},
                     {"f", float_column({1.5, -2.5, 0.5, -0.5, 0.0, std::nullopt})}});
}

TEST(ExprEval, IntegerArithmetic) {
  const table::Table table = numbers();
  EXPECT_EQ(values(table, "i + j"), (V{"9", "-5", "5", "-9", "0", "null"}));
  EXPECT_EQ(values(table, "i - j"), (V{"5", "-9", "9", "-5", "0", "null"}));
  EXPECT_EQ(values(table, "i * j"), (V{"14", "-14", "-14", "14", "0", "null"}));
  EXPECT_EQ(eval(table, "i * j").type, ValueType::kInt64);
  EXPECT_EQ(values(table, "-i"), (V{"-7", "7", "-7", "7", "0", "null"}));
}

TEST(ExprEval, FloorDivisionAndModuloFollowPython) {
  const table::Table table = numbers();
  // 7//2=3, -7//2=-4, 7//-2=-4, -7//-2=3; 0//0 is null (division by zero).
  EXPECT_EQ(values(table, "i // j"), (V{"3", "-4", "-4", "3", "null", "null"}));
  EXPECT_EQ(values(table, "i % j"), (V{"1", "1", "-1", "-1", "null", "null"}));
  EXPECT_EQ(eval(table, "i // j").type, ValueType::kInt64);
}

TEST(ExprEval, TrueDivisionIsFloatAndByZeroIsNull) {
  const table::Table table = numbers();
  const Result result = eval(table, "i / j");
  EXPECT_EQ(result.type, ValueType::kFloat64);
  EXPECT_EQ(result.values, (V{"3.5", "-3.5", "-3.5", "3.5", "null", "null"}));
  EXPECT_EQ(values(table, "f / 0"), (V{"null", "null", "null", "null", "null", "null"}));
  EXPECT_EQ(values(table, "f / 0.0 is null"), (V{"true", "true", "true", "true", "true", "true"}));
  EXPECT_EQ(values(table, "1 / 0"), (V{"null", "null", "null", "null", "null", "null"}));
  EXPECT_EQ(values(table, "5 % 0"), (V{"null", "null", "null", "null", "null", "null"}));
}

TEST(ExprEval, FloatFloorDivisionAndModulo) {
  const table::Table table = numbers();
  EXPECT_EQ(values(table, "f // 1"), (V{"1.0", "-3.0", "0.0", "-1.0", "0.0", "null"}));
  EXPECT_EQ(values(table, "f % 1"), (V{"0.5", "0.5", "0.5", "0.5", "0.0", "null"}));
  EXPECT_EQ(values(table, "-7.0 % 2"), (V{"1.0", "1.0", "1.0", "1.0", "1.0", "1.0"}));
  EXPECT_EQ(values(table, "7.5 % -2"), (V{"-0.5", "-0.5", "-0.5", "-0.5", "-0.5", "-0.5"}));
}

TEST(ExprEval, MixedIntFloatPromotesToFloat) {
  const table::Table table = numbers();
  const Result result = eval(table, "i + f");
  EXPECT_EQ(result.type, ValueType::kFloat64);
  EXPECT_EQ(result.values, (V{"8.5", "-9.5", "7.5", "-7.5", "0.0", "null"}));
  EXPECT_EQ(eval(table, "j * 1.0").type, ValueType::kFloat64);
  EXPECT_EQ(eval(table, "j * 2").type, ValueType::kInt64);
}

TEST(ExprEval, IntegerOverflowWraps) {
  const table::Table table =
      make_table({{"x", int_column({kMax, kMin, kMin})}, {"y", int_column({1, -1, 2})}});
  EXPECT_EQ(values(table, "x + y"),
            (V{std::to_string(kMin), std::to_string(kMax), "-9223372036854775806"}));
  EXPECT_EQ(values(table, "-x"),
            (V{std::to_string(-kMax), std::to_string(kMin), std::to_string(kMin)}));
  EXPECT_EQ(values(table, "x // y"),
            (V{std::to_string(kMax), std::to_string(kMin), std::to_string(kMin / 2)}));
  EXPECT_EQ(values(table, "x % y"), (V{"0", "0", "0"}));
  EXPECT_EQ(values(table, "abs(x)"),
            (V{std::to_string(kMax), std::to_string(kMin), std::to_string(kMin)}));
  EXPECT_EQ(values(table, "x * 2"), (V{"-2", "0", "0"}));
}

TEST(ExprEval, Comparisons) {
  const table::Table table = numbers();
  EXPECT_EQ(values(table, "i > j"), (V{"true", "false", "true", "false", "false", "null"}));
  EXPECT_EQ(values(table, "i >= 7"), (V{"true", "false", "true", "false", "false", "null"}));
  EXPECT_EQ(values(table, "i < 0"), (V{"false", "true", "false", "true", "false", "null"}));
  EXPECT_EQ(values(table, "i <= -7"), (V{"false", "true", "false", "true", "false", "null"}));
  EXPECT_EQ(values(table, "i = 7"), (V{"true", "false", "true", "false", "false", "null"}));
  EXPECT_EQ(values(table, "i == 7"), values(table, "i = 7"));
  EXPECT_EQ(values(table, "i != 7"), (V{"false", "true", "false", "true", "true", "null"}));
  EXPECT_EQ(values(table, "7 = i"), values(table, "i = 7"));
  // int64 against float64 compares as float64.
  EXPECT_EQ(values(table, "i > f"), (V{"true", "false", "true", "false", "false", "null"}));
  EXPECT_EQ(values(table, "j = 2.0"), (V{"true", "true", "false", "false", "false", "false"}));
}

TEST(ExprEval, NaNComparesFalseExceptNotEqual) {
  const table::Table table = make_table({{"x", float_column({std::nan(""), 1.0})}});
  EXPECT_EQ(values(table, "x = x"), (V{"false", "true"}));
  EXPECT_EQ(values(table, "x != x"), (V{"true", "false"}));
  EXPECT_EQ(values(table, "x < 2"), (V{"false", "true"}));
}

table::Table words() {
  return make_table({{"category", string_column({"misc", "books", "", std::nullopt, "Zebra",
                                                 "\xC3\xA9t\xC3\xA9"})},
                     {"other", string_column({"misc", "book", "a", "x", "apple", "e"})}});
}

TEST(ExprEval, StringEqualityAndOrdering) {
  const table::Table table = words();
  EXPECT_EQ(values(table, "category != \"misc\""),
            (V{"false", "true", "true", "null", "true", "true"}));
  EXPECT_EQ(values(table, "category = 'misc'"),
            (V{"true", "false", "false", "null", "false", "false"}));
  EXPECT_EQ(values(table, "category = other"),
            (V{"true", "false", "false", "null", "false", "false"}));
  // Bytewise (code point) order: "" < "Zebra" < "apple" < "books" < "misc" < "été".
  EXPECT_EQ(values(table, "category < other"),
            (V{"false", "false", "true", "null", "true", "false"}));
  EXPECT_EQ(values(table, "category >= 'b'"),
            (V{"true", "true", "false", "null", "false", "true"}));
  EXPECT_EQ(values(table, "'a' < 'b'"), (V{"true", "true", "true", "true", "true", "true"}));
}

TEST(ExprEval, StringResults) {
  const table::Table table = words();
  const Result result = eval(table, "max(category, other)");
  EXPECT_EQ(result.type, ValueType::kString);
  EXPECT_EQ(result.values, (V{"misc", "books", "a", "null", "apple", "\xC3\xA9t\xC3\xA9"}));
  EXPECT_EQ(values(table, "min(category, other, 'b')"), (V{"b", "b", "", "null", "Zebra", "b"}));
  EXPECT_EQ(values(table, "other"), (V{"misc", "book", "a", "x", "apple", "e"}));
  EXPECT_EQ(values(table, "'const'"), (V{"const", "const", "const", "const", "const", "const"}));
}

table::Table flags() {
  // Every pair of (true, false, null).
  return make_table({{"a", bool_column({true, true, true, false, false, false, std::nullopt,
                                        std::nullopt, std::nullopt})},
                     {"b", bool_column({true, false, std::nullopt, true, false, std::nullopt, true,
                                        false, std::nullopt})}});
}

TEST(ExprEval, ThreeValuedAnd) {
  EXPECT_EQ(values(flags(), "a and b"),
            (V{"true", "false", "null", "false", "false", "false", "null", "false", "null"}));
}

TEST(ExprEval, ThreeValuedOr) {
  EXPECT_EQ(values(flags(), "a or b"),
            (V{"true", "true", "true", "true", "false", "null", "true", "null", "null"}));
}

TEST(ExprEval, NotAndIsNull) {
  const table::Table table = flags();
  EXPECT_EQ(values(table, "not b"),
            (V{"false", "true", "null", "false", "true", "null", "false", "true", "null"}));
  EXPECT_EQ(values(table, "b is null"),
            (V{"false", "false", "true", "false", "false", "true", "false", "false", "true"}));
  EXPECT_EQ(values(table, "b is not null"),
            (V{"true", "true", "false", "true", "true", "false", "true", "true", "false"}));
  EXPECT_EQ(values(table, "a = b"),
            (V{"true", "false", "null", "false", "true", "null", "null", "null", "null"}));
  EXPECT_EQ(values(table, "a > b"),
            (V{"false", "true", "null", "false", "false", "null", "null", "null", "null"}));
}

TEST(ExprEval, LogicWithConstants) {
  const table::Table table = flags();
  EXPECT_EQ(values(table, "b and null"),
            (V{"null", "false", "null", "null", "false", "null", "null", "false", "null"}));
  EXPECT_EQ(values(table, "b or null"),
            (V{"true", "null", "null", "true", "null", "null", "true", "null", "null"}));
  EXPECT_EQ(values(table, "b and true"), values(table, "b"));
  EXPECT_EQ(values(table, "false and b"), V(9, "false"));
  EXPECT_EQ(values(table, "true or b"), V(9, "true"));
  EXPECT_EQ(values(table, "null and false"), V(9, "false"));
  EXPECT_EQ(values(table, "null or false"), V(9, "null"));
  EXPECT_EQ(values(table, "not null"), V(9, "null"));
  EXPECT_EQ(values(table, "null is null"), V(9, "true"));
}

TEST(ExprEval, NullLiteralPropagates) {
  const table::Table table = numbers();
  Result result = eval(table, "i + null");
  EXPECT_EQ(result.type, ValueType::kInt64);
  EXPECT_EQ(result.values, V(6, "null"));
  EXPECT_EQ(eval(table, "f * null").type, ValueType::kFloat64);
  EXPECT_EQ(eval(table, "null / null").type, ValueType::kFloat64);
  EXPECT_EQ(eval(table, "i = null").values, V(6, "null"));  // as in SQL: use 'is null'
  EXPECT_EQ(eval(table, "sqrt(null)").type, ValueType::kFloat64);
  EXPECT_EQ(eval(table, "max(i, null)").values, V(6, "null"));
  EXPECT_EQ(eval(table, "(i + null) is null").values, V(6, "true"));
}

TEST(ExprEval, MathFunctions) {
  const table::Table table =
      make_table({{"x", float_column({4.0, -4.0, 0.0, std::nullopt, std::exp(1.0)})},
                  {"n", int_column({-3, 3, 0, std::nullopt, 1})}});
  EXPECT_EQ(values(table, "abs(x)"), (V{"4.0", "4.0", "0.0", "null", "2.718281828459045"}));
  EXPECT_EQ(values(table, "abs(n)"), (V{"3", "3", "0", "null", "1"}));
  EXPECT_EQ(eval(table, "abs(n)").type, ValueType::kInt64);
  EXPECT_EQ(values(table, "sqrt(x)"), (V{"2.0", "null", "0.0", "null", "1.6487212707001282"}));
  EXPECT_EQ(values(table, "log(x)"), (V{"1.3862943611198906", "null", "null", "null", "1.0"}));
  EXPECT_EQ(values(table, "exp(n)"),
            (V{"0.049787068367863944", "20.085536923187668", "1.0", "null", "2.718281828459045"}));
  EXPECT_EQ(eval(table, "sqrt(n)").type, ValueType::kFloat64);
  EXPECT_EQ(values(table, "sqrt(4)"), V(5, "2.0"));
}

TEST(ExprEval, MinMaxOfNumbers) {
  const table::Table table = numbers();
  EXPECT_EQ(values(table, "min(i, j)"), (V{"2", "-7", "-2", "-7", "0", "null"}));
  EXPECT_EQ(values(table, "max(i, j, 5)"), (V{"7", "5", "7", "5", "5", "null"}));
  const Result mixed = eval(table, "max(j, f)");
  EXPECT_EQ(mixed.type, ValueType::kFloat64);
  EXPECT_EQ(mixed.values, (V{"2.0", "2.0", "0.5", "-0.5", "0.0", "null"}));
  EXPECT_EQ(values(table, "min(1, 2.5)"), V(6, "1.0"));
}

TEST(ExprEval, Round) {
  const table::Table table =
      make_table({{"x", float_column({2.5, -2.5, 1.2345, 1234.5, std::nullopt})},
                  {"n", int_column({1234, -1250, 1249, 5, std::nullopt})}});
  EXPECT_EQ(values(table, "round(x)"),
            (V{"3.0", "-3.0", "1.0", "1235.0", "null"}));  // half away from 0
  EXPECT_EQ(values(table, "round(x, 2)"), (V{"2.5", "-2.5", "1.23", "1234.5", "null"}));
  EXPECT_EQ(values(table, "round(x, -2)"), (V{"0.0", "-0.0", "0.0", "1200.0", "null"}));
  EXPECT_EQ(values(table, "round(n, -2)"), (V{"1200", "-1300", "1200", "0", "null"}));
  EXPECT_EQ(values(table, "round(n, 1)"), (V{"1234", "-1250", "1249", "5", "null"}));
  EXPECT_EQ(values(table, "round(n, -1)"), (V{"1230", "-1250", "1250", "10", "null"}));
  EXPECT_EQ(values(table, "round(n, -40)"), (V{"0", "0", "0", "0", "null"}));
  EXPECT_EQ(values(table, "round(x, 400)"), (V{"2.5", "-2.5", "1.2345", "1234.5", "null"}));
  EXPECT_EQ(values(table, "round(x, -400)"), (V{"0.0", "0.0", "0.0", "0.0", "null"}));
  EXPECT_EQ(eval(table, "round(n)").type, ValueType::kInt64);
  EXPECT_EQ(values(table, "round(x, 1 + 1)"), values(table, "round(x, 2)"));
}

table::Table dates() {
  return make_table({{"d", date_column({"2024-02-29", "1969-12-31", "2000-01-01", std::nullopt})},
                     {"ts", timestamp_column({"2024-02-29T23:59:59", "1969-12-31T23:59:59.5",
                                              "2000-01-01T00:00:00", std::nullopt})}});
}

TEST(ExprEval, DateParts) {
  const table::Table table = dates();
  EXPECT_EQ(values(table, "year(d)"), (V{"2024", "1969", "2000", "null"}));
  EXPECT_EQ(values(table, "month(d)"), (V{"2", "12", "1", "null"}));
  EXPECT_EQ(values(table, "day(d)"), (V{"29", "31", "1", "null"}));
  // Before 1970 a timestamp still falls on its own day (floor, not truncation).
  EXPECT_EQ(values(table, "day(ts)"), (V{"29", "31", "1", "null"}));
  EXPECT_EQ(values(table, "year(ts) * 10000 + month(ts) * 100 + day(ts)"),
            (V{"20240229", "19691231", "20000101", "null"}));
  EXPECT_EQ(values(table, "year(date '2031-07-04')"), V(4, "2031"));
}

TEST(ExprEval, DateComparisons) {
  const table::Table table = dates();
  EXPECT_EQ(values(table, "d >= '2000-01-01'"), (V{"true", "false", "true", "null"}));
  EXPECT_EQ(values(table, "d < date '2000-01-01'"), (V{"false", "true", "false", "null"}));
  EXPECT_EQ(values(table, "'2000-01-01' = d"), (V{"false", "false", "true", "null"}));
  // A date is midnight when compared with a timestamp.
  EXPECT_EQ(values(table, "ts > d"), (V{"true", "true", "false", "null"}));
  EXPECT_EQ(values(table, "ts >= '2000-01-01'"), (V{"true", "false", "true", "null"}));
  EXPECT_EQ(values(table, "ts < '1970-01-01T00:00:00Z'"), (V{"false", "true", "false", "null"}));
  EXPECT_EQ(values(table, "max(d, ts)"), (V{"2024-02-29T23:59:59", "1969-12-31T23:59:59.500000",
                                            "2000-01-01T00:00:00", "null"}));
  EXPECT_EQ(eval(table, "min(d, date '2001-01-01')").type, ValueType::kDate);
}

TEST(ExprEval, ColumnTypesPassThrough) {
  const table::Table table = dates();
  EXPECT_EQ(eval(table, "d").type, ValueType::kDate);
  EXPECT_EQ(eval(table, "d").values, (V{"2024-02-29", "1969-12-31", "2000-01-01", "null"}));
  EXPECT_EQ(eval(flags(), "a").type, ValueType::kBool);
}

TEST(ExprEval, SelectKeepsOnlyTrueRows) {
  const table::Table table = flags();
  Evaluator filter(parse("a and b is not null or a is null and b"), table.schema(),
                   Use::kPredicate);
  std::vector<std::uint8_t> selection;
  // (a and b is not null) or (a is null and b): rows (T,T), (T,F) and (N,T).
  EXPECT_EQ(filter.select(table, selection), 3u);
  EXPECT_EQ(selection, (std::vector<std::uint8_t>{1, 1, 0, 0, 0, 0, 1, 0, 0}));
  Evaluator never(parse("null"), table.schema(), Use::kPredicate);
  EXPECT_EQ(never.select(table, selection), 0u);
  EXPECT_EQ(selection, std::vector<std::uint8_t>(9, 0));
  Evaluator always(parse("1 < 2"), table.schema(), Use::kPredicate);
  EXPECT_EQ(always.select(table, selection), 9u);
}

TEST(ExprEval, IssueFilterAndDerive) {
  const table::Table table =
      make_table({{"qty", int_column({3, 6, 10, std::nullopt, 8})},
                  {"category", string_column({"a", "misc", "b", "c", std::nullopt})},
                  {"value", float_column({1.0, 2.0, 2.5, 4.0, 0.5})}});
  Evaluator where(parse("qty > 5 and category != \"misc\""), table.schema(), Use::kPredicate);
  std::vector<std::uint8_t> selection;
  EXPECT_EQ(where.select(table, selection), 1u);
  EXPECT_EQ(selection, (std::vector<std::uint8_t>{0, 0, 1, 0, 0}));
  Evaluator revenue(parse("value * qty"), table.schema(), Use::kColumn);
  EXPECT_EQ(revenue.column_type(), table::ColumnType::kFloat64);
  table::Column out;
  revenue.evaluate(table, out);
  EXPECT_EQ(rows(out), (V{"3.0", "12.0", "25.0", "null", "4.0"}));
}

TEST(ExprEval, EmptyBlockAndBufferReuse) {
  Evaluator evaluator(parse("i * 2 + j"), numbers().schema());
  table::Column out;
  const table::Table empty =
      make_table({{"i", int_column({})}, {"j", int_column({})}, {"f", float_column({})}});
  evaluator.evaluate(empty, out);
  EXPECT_EQ(out.size(), 0u);
  evaluator.evaluate(numbers(), out);
  EXPECT_EQ(rows(out), (V{"16", "-12", "12", "-16", "0", "null"}));
  const table::Table small =
      make_table({{"i", int_column({1})}, {"j", int_column({1})}, {"f", float_column({1.0})}});
  evaluator.evaluate(small, out);
  EXPECT_EQ(rows(out), (V{"3"}));
}

TEST(ExprEval, UnknownColumnSuggestsAndPoints) {
  const table::Table table =
      make_table({{"qty", int_column({1})}, {"category", string_column({"a"})}});
  EXPECT_EQ(bind_error(table, "qyt > 5 and category != \"misc\""),
            "unknown column 'qyt' (did you mean 'qty'?) at position 1\n"
            "    qyt > 5 and category != \"misc\"\n"
            "    ^~~");
  EXPECT_EQ(bind_error(table, "qty > 5 and categroy = 'a'"),
            "unknown column 'categroy' (did you mean 'category'?) at position 13\n"
            "    qty > 5 and categroy = 'a'\n"
            "                ^~~~~~~~");
  EXPECT_NE(
      bind_error(table, "zzz > 1").find("unknown column 'zzz'; the columns are: qty, category"),
      std::string::npos);
}

TEST(ExprEval, TypeErrorsPointAtTheOperand) {
  const table::Table table = make_table({{"qty", int_column({1})},
                                         {"category", string_column({"a"})},
                                         {"ok", bool_column({true})},
                                         {"d", date_column({"2024-01-01"})}});
  EXPECT_EQ(bind_error(table, "qty + category"),
            "'+' needs numbers, but column 'category' is string (strings cannot be added) at "
            "position 7\n"
            "    qty + category\n"
            "          ^~~~~~~~");
  EXPECT_NE(
      bind_error(table, "category = 5").find("'=' cannot compare string with int64 at position 10"),
      std::string::npos);
  EXPECT_NE(bind_error(table, "qty and ok")
                .find("'and' needs true/false values, but column 'qty' "
                      "is int64 (write 'x != 0' to test a number)"),
            std::string::npos);
  EXPECT_NE(bind_error(table, "not qty")
                .find("'not' needs a true/false value, but column 'qty' is int64"),
            std::string::npos);
  EXPECT_NE(bind_error(table, "-category").find("'-' needs a number"), std::string::npos);
  EXPECT_NE(bind_error(table, "sqrt(category)")
                .find("sqrt needs a number, but column 'category' is string"),
            std::string::npos);
  EXPECT_NE(bind_error(table, "year(qty)")
                .find("year needs a date or timestamp, but column 'qty' is int64"),
            std::string::npos);
  EXPECT_NE(bind_error(table, "max(qty, category)").find("max needs arguments of one kind"),
            std::string::npos);
  EXPECT_NE(
      bind_error(table, "round(qty, qty)").find("round's digits must be a whole-number constant"),
      std::string::npos);
  EXPECT_NE(bind_error(table, "d + 1").find("(date arithmetic is not supported yet)"),
            std::string::npos);
  EXPECT_NE(bind_error(table, "d > '2024-13-01'")
                .find("'2024-13-01' is not a date (expected YYYY-MM-DD) at position 5"),
            std::string::npos);
  EXPECT_NE(
      bind_error(table, "d = category").find("(compare with a literal such as date '2024-01-31')"),
      std::string::npos);
  EXPECT_NE(bind_error(table, "ok < 1").find("'<' cannot compare bool with int64"),
            std::string::npos);
}

TEST(ExprEval, UseChecksTheResultType) {
  const table::Table table = make_table({{"qty", int_column({1})}});
  EXPECT_EQ(bind_error(table, "qty * 2", Use::kPredicate),
            "a filter needs a true/false condition, but this expression is int64 (compare it, "
            "e.g. 'qty > 0') at position 1\n"
            "    qty * 2\n"
            "    ^~~~~~~");
  EXPECT_NE(bind_error(table, "null", Use::kColumn).find("always null"), std::string::npos);
  EXPECT_NO_THROW(Evaluator(parse("null"), table.schema(), Use::kPredicate));
  EXPECT_NO_THROW(Evaluator(parse("qty > 0"), table.schema(), Use::kColumn));
}

}  // namespace
}  // namespace rankflow::expr
