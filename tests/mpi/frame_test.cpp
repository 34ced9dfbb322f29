// The C++ API (api::Frame) at every rank count: a chain of operations against the serial
// oracles, collect(), and errors agreed on every rank.
#include "rankflow/api/frame.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
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

// Issue 16 through the C++ API: Frame::groupby's float sum, mean, var and std are the
// correctly rounded values, the same bits at every rank count. Every value is a multiple of
// 2^-20 below 2^54, so the oracle is exact integer arithmetic in units of 2^-20 (2^-40 for
// squares), rounded once by the conversion to double.
TEST(Frame, FloatAggregatesAreCorrectlyRoundedAtEveryRankCount) {
  __extension__ using int128 = __int128;
  constexpr std::size_t kKeys = 3;
  table::Table data(table::Schema({{"key", ColumnType::kInt64}, {"value", ColumnType::kFloat64}}));
  std::uint64_t state = 16;
  const auto next = [&state] {  // a fixed LCG: the same table on every rank
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 11;
  };
  std::vector<std::vector<int128>> units(kKeys);  // each value * 2^20, exactly
  for (std::int64_t row = 0; row < 3001; ++row) {
    const auto key = static_cast<std::size_t>(row) % kKeys;
    int128 unit = 0;
    if (key == 0) {  // cancelling: 2^60, 1, -2^60, 2^-20, ... (a plain sum loses the 1s)
      const int128 pattern[] = {int128{1} << 80, int128{1} << 20, -(int128{1} << 80), 1};
      unit = pattern[(static_cast<std::size_t>(row) / kKeys) % 4];
    } else if (key == 1) {  // mixed magnitudes and signs, 2^-20 to 2^22
      unit = static_cast<int128>(next() >> (11 + next() % 40)) * ((next() & 1) != 0 ? 1 : -1);
    } else {  // a large common offset: 1e9 + noise
      unit = (static_cast<int128>(1000000000) << 20) + static_cast<int128>(next() % (1 << 21)) -
             (1 << 20);
    }
    units[key].push_back(unit);
    data.column(0).append_i64(static_cast<std::int64_t>(key));
    data.column(1).append_f64(std::ldexp(static_cast<double>(unit), -20));
  }
  const table::Table all = Frame(world(), share(data))
                               .groupby({"key"}, "sum(value) as s, mean(value) as m, "
                                                 "var(value) as v, std(value) as d")
                               .sort("key")
                               .collect();
  if (world().rank() != 0) return;
  ASSERT_EQ(all.num_rows(), kKeys);
  const auto bits = [](double value) {
    std::uint64_t out;
    std::memcpy(&out, &value, sizeof out);
    return out;
  };
  for (std::size_t key = 0; key < kKeys; ++key) {
    int128 sum = 0;
    for (const int128 unit : units[key]) sum += unit;
    const auto n = static_cast<double>(units[key].size());
    const double expected_sum = std::ldexp(static_cast<double>(sum), -20);
    EXPECT_EQ(bits(all.column(1).f64()[key]), bits(expected_sum)) << "key " << key;
    EXPECT_EQ(bits(all.column(2).f64()[key]), bits(expected_sum / n)) << "key " << key;
    if (key == 0) continue;  // its squares leave int128; the sums are what it tests
    int128 squares = 0;
    for (const int128 unit : units[key]) squares += unit * unit;
    const int128 numerator = static_cast<int128>(units[key].size()) * squares - sum * sum;
    const double variance = std::ldexp(static_cast<double>(numerator), -40) / (n * (n - 1));
    EXPECT_EQ(bits(all.column(3).f64()[key]), bits(variance)) << "key " << key;
    EXPECT_EQ(bits(all.column(4).f64()[key]), bits(std::sqrt(variance))) << "key " << key;
  }
}

}  // namespace
}  // namespace rankflow::api
