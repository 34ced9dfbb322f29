// The C++ API (api::Frame) at every rank count: a chain of operations against the serial
// oracles, collect(), and errors agreed on every rank.
#include "rankflow/api/frame.hpp"

#include <gtest/gtest.h>

#include <map>

#include "oracle/table_oracle.hpp"
#include "support/mpi_test.hpp"

namespace rankflow::api {
namespace {

using table::ColumnType;
using test::world;

table::Table share(const table::Table& global) {
  const auto rank = static_cast<std::size_t>(world().rank());
  const auto ranks = static_cast<std::size_t>(world().size());
  const std::size_t rows = global.num_rows();
  return oracle::slice(global, rows * rank / ranks, rows * (rank + 1) / ranks);
}

table::Table sales_table() {
  table::Table sales(table::Schema(
      {{"key", ColumnType::kInt64}, {"value", ColumnType::kFloat64}, {"qty", ColumnType::kInt64}}));
  for (std::int64_t row = 0; row < 120; ++row) {
    sales.column(0).append_i64(row % 17);
    sales.column(1).append_f64(static_cast<double>(row) * 1.5);
    sales.column(2).append_i64(row % 9);
  }
  return sales;
}

table::Table dim_table() {
  table::Table dim(table::Schema({{"key", ColumnType::kInt64},
                                  {"region", ColumnType::kString},
                                  {"weight", ColumnType::kFloat64}}));
  const char* regions[] = {"north", "south", "east"};
  for (std::int64_t key = 0; key < 15; ++key) {  // keys 15 and 16 have no dim row
    dim.column(0).append_i64(key);
    dim.column(1).append_string(regions[key % 3]);
    dim.column(2).append_f64(1.0 + static_cast<double>(key) / 10.0);
  }
  return dim;
}

TEST(Frame, JoinDeriveGroupSortAgainstTheOracle) {
  const table::Table sales = sales_table();
  const table::Table dim = dim_table();
  const Frame result = Frame(world(), share(sales))
                           .filter("qty > 2")
                           .join(Frame(world(), share(dim)), on({"key"}))
                           .derive("vw", "value * weight")
                           .groupby({"region"}, "sum(vw) as total, count()")
                           .sort("total desc");
  // The oracle, by hand: filter, join, derive, group.
  std::map<std::string, std::pair<double, std::int64_t>> expected;
  for (std::size_t row = 0; row < sales.num_rows(); ++row) {
    const std::int64_t key = sales.column(0).i64()[row];
    if (sales.column(2).i64()[row] <= 2 || key >= 15) continue;
    auto& [total, count] = expected[dim.column(1).format(static_cast<std::size_t>(key))];
    total += sales.column(1).f64()[row] * dim.column(2).f64()[key];
    ++count;
  }
  const table::Table all = result.collect();
  if (world().rank() == 0) {
    ASSERT_EQ(all.num_rows(), expected.size());
    EXPECT_EQ(all.schema().describe(), "region:string, total:float64, count:int64");
    for (std::size_t row = 0; row < all.num_rows(); ++row) {
      const auto& [total, count] = expected[std::string(all.column(0).str(row))];
      EXPECT_NEAR(all.column(1).f64()[row], total, 1e-9 * total);
      EXPECT_EQ(all.column(2).i64()[row], count);
      if (row > 0) {
        EXPECT_GE(all.column(1).f64()[row - 1], all.column(1).f64()[row]);
      }
    }
  } else {
    EXPECT_EQ(all.num_rows(), 0u);
  }
  EXPECT_EQ(result.num_rows(), expected.size());
}

TEST(Frame, DistinctTopLimit) {
  const table::Table sales = sales_table();
  const Frame frame(world(), share(sales));
  EXPECT_EQ(frame.distinct({"key"}).num_rows(), 17u);
  EXPECT_EQ(frame.distinct().num_rows(), 120u);
  const table::Table top = frame.top("value desc", 3).collect();
  if (world().rank() == 0) {
    ASSERT_EQ(top.num_rows(), 3u);
    EXPECT_EQ(top.column(1).f64()[0], 119 * 1.5);
    EXPECT_EQ(top.column(1).f64()[2], 117 * 1.5);
  }
  EXPECT_EQ(frame.top("value", 2, {"qty"}).num_rows(), 18u);
  const table::Table first = frame.sort("value desc").limit(4).collect();
  if (world().rank() == 0) {
    ASSERT_EQ(first.num_rows(), 4u);
    EXPECT_EQ(first.column(1).f64()[3], 116 * 1.5);
  }
}

TEST(Frame, ErrorsAreAgreedOnEveryRank) {
  const Frame frame(world(), share(sales_table()));
  try {
    frame.filter("qty > ");
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
    EXPECT_TRUE(error.agreed());
  }
  try {
    frame.derive("value", "qty * 2");
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "derive: a column named 'value' exists already");
  }
  try {
    frame.join(Frame(world(), share(dim_table())), on({"key"}, {"region"}));
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
    EXPECT_NE(std::string(error.what()).find("same type"), std::string::npos) << error.what();
  }
  // The frame is still usable after the errors.
  EXPECT_EQ(frame.filter("qty > 7").num_rows(), 13u);
}

}  // namespace
}  // namespace rankflow::api
