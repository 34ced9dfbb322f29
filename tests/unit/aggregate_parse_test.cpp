// parse_aggregate / parse_aggregates: output names, renames, and one clear error per mistake.
#include <gtest/gtest.h>

#include "rankflow/core/error.hpp"
#include "rankflow/ops/groupby.hpp"

namespace rankflow::ops {
namespace {

TEST(ParseAggregate, DefaultNamesAreFunctionUnderscoreColumn) {
  EXPECT_EQ(parse_aggregate("sum(revenue)").output_name, "sum_revenue");
  EXPECT_EQ(parse_aggregate("mean( value )").output_name, "mean_value");
  EXPECT_EQ(parse_aggregate("count(text)").output_name, "count_text");
  EXPECT_EQ(parse_aggregate("count(text)").function, AggregateFunction::kCount);
  EXPECT_EQ(parse_aggregate("count()").output_name, "count");
  EXPECT_EQ(parse_aggregate("count( )").function, AggregateFunction::kCountAll);
  EXPECT_EQ(parse_aggregate("STD(x)").output_name, "std_x");
  EXPECT_EQ(parse_aggregate("median(x)").function, AggregateFunction::kMedian);
  const AggregateSpec quantile = parse_aggregate("quantile(value, 0.9)");
  EXPECT_EQ(quantile.function, AggregateFunction::kQuantile);
  EXPECT_EQ(quantile.column, "value");
  EXPECT_DOUBLE_EQ(quantile.quantile, 0.9);
  EXPECT_EQ(quantile.output_name, "quantile_0.9_value");
}

TEST(ParseAggregate, AsRenames) {
  EXPECT_EQ(parse_aggregate("sum(revenue) as total").output_name, "total");
  EXPECT_EQ(parse_aggregate("quantile(v, 0.5) AS p50").output_name, "p50");
  EXPECT_EQ(parse_aggregate("count() as \"row count\"").output_name, "row count");
  EXPECT_EQ(parse_aggregate("first(\"odd, name\")").column, "odd, name");
}

TEST(ParseAggregate, ListsSplitOutsideParentheses) {
  const std::vector<AggregateSpec> specs = parse_aggregates(
      "sum(revenue), mean(value), min(value), max(value), count(), std(value), nunique(key), "
      "first(ts), quantile(value, 0.25) as q1");
  ASSERT_EQ(specs.size(), 9u);
  EXPECT_EQ(specs[4].output_name, "count");
  EXPECT_EQ(specs[8].output_name, "q1");
  EXPECT_EQ(specs[7].output_name, "first_ts");
}

void expect_error(const std::string& text, const std::string& message) {
  try {
    parse_aggregates(text);
    ADD_FAILURE() << "no error for '" << text << "'";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
    EXPECT_EQ(std::string(error.what()), message);
  }
}

TEST(ParseAggregate, ErrorsQuoteTheItem) {
  expect_error("avg(x)",
               "aggregate 'avg(x)': unknown function 'avg' (did you mean 'mean'?); functions are: "
               "sum, mean, min, max, count, var, std, first, last, nunique, median, quantile "
               "(count() counts rows)");
  expect_error("sum x",
               "aggregate 'sum x': expected function(column), e.g. sum(revenue) or count()");
  expect_error("sum()", "aggregate 'sum()': sum takes one column: sum(column)");
  expect_error("sum(a, b)", "aggregate 'sum(a, b)': sum takes one column: sum(column)");
  expect_error("count(a, b)",
               "aggregate 'count(a, b)': count takes the form count() or count(column)");
  expect_error("quantile(v)",
               "aggregate 'quantile(v)': quantile takes the form quantile(column, p)");
  expect_error("quantile(v, 1.5)",
               "aggregate 'quantile(v, 1.5)': the quantile '1.5' must be a number between 0 and 1");
  expect_error("quantile(v, x)",
               "aggregate 'quantile(v, x)': the quantile 'x' must be a number between 0 and 1");
  expect_error("sum(v) total",
               "aggregate 'sum(v) total': unexpected 'total' after ')'; to rename, "
               "write '... as name'");
  expect_error("sum(v) as ",
               "aggregate 'sum(v) as': unexpected 'as' after ')'; to rename, write "
               "'... as name'");
  expect_error("sum(v),, count()", "aggregate: an item is empty (two commas in a row?)");
  expect_error("  ", "aggregate: no aggregate given; e.g. aggregate = sum(value), count()");
}

}  // namespace
}  // namespace rankflow::ops
