// Distributed sort at every rank count against std::stable_sort of the gathered table: random,
// all-equal, sorted and reverse-sorted keys, nulls first and last, several keys with mixed
// directions, strings, more ranks than rows, no rows, exchanges in tiny rounds; and balance
// when most rows share one key. Every table has an "id" column (the global input position), so
// comparing whole rows checks stability too.
#include "rankflow/ops/sort.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "oracle/table_oracle.hpp"
#include "support/mpi_test.hpp"

namespace rankflow::ops {
namespace {

using table::ColumnType;
using test::world;

table::Schema sort_schema() {
  return table::Schema({{"i", ColumnType::kInt64},
                        {"f", ColumnType::kFloat64},
                        {"b", ColumnType::kBool},
                        {"s", ColumnType::kString},
                        {"d", ColumnType::kDate},
                        {"t", ColumnType::kTimestamp}});
}

std::pair<std::size_t, std::size_t> even_range(std::size_t rows, bool skewed) {
  const auto rank = static_cast<std::size_t>(world().rank());
  const auto ranks = static_cast<std::size_t>(world().size());
  if (skewed)  // every row on rank 0
    return rank == 0 ? std::make_pair(std::size_t{0}, rows) : std::make_pair(rows, rows);
  return {rows * rank / ranks, rows * (rank + 1) / ranks};
}

// Sorts this rank's slice; checks the gathered result against the oracle. Returns this rank's
// row count in the result.
std::size_t expect_sorted(const table::Table& global, const std::string& keys_text,
                          bool skewed = false, std::uint64_t round_bytes = 1ull << 30) {
  const std::vector<SortKey> keys = parse_sort_keys(keys_text);
  auto [begin, end] = even_range(global.num_rows(), skewed);
  SortOptions options;
  options.exchange_round_bytes = round_bytes;
  const table::Table mine = sort(world(), oracle::slice(global, begin, end), keys, options);
  EXPECT_TRUE(mine.schema() == global.schema());
  const table::Table all = oracle::gather_all(world(), mine);
  const std::vector<oracle::Row> expected = oracle::stable_sort(global, keys);
  const std::vector<oracle::Row> actual = oracle::rows_of(all);
  EXPECT_EQ(actual.size(), expected.size()) << keys_text;
  bool same = actual.size() == expected.size();
  for (std::size_t row = 0; same && row < actual.size(); ++row) {
    for (std::size_t column = 0; column < actual[row].size(); ++column) {
      if (!(actual[row][column] == expected[row][column])) {
        ADD_FAILURE() << keys_text << ": row " << row << " column " << column << ": expected "
                      << expected[row][column].text() << ", got " << actual[row][column].text();
        same = false;
        break;
      }
    }
  }
  return mine.num_rows();
}

TEST(Sort, RandomSingleKeys) {
  const table::Table global =
      oracle::with_ids(oracle::random_table(sort_schema(), 300, 21, 0.1, 50));
  for (const char* keys : {"i", "f", "b", "s", "d", "t", "i desc", "f desc nulls first",
                           "s nulls first", "t desc nulls last"})
    expect_sorted(global, keys);
}

TEST(Sort, SeveralKeysMixedDirections) {
  const table::Table global =
      oracle::with_ids(oracle::random_table(sort_schema(), 400, 22, 0.15, 6));
  expect_sorted(global, "b, s desc, i");
  expect_sorted(global, "s nulls first, f desc, d asc nulls first");
  expect_sorted(global, "d desc, b desc nulls first, t");
}

TEST(Sort, AllEqualKeysKeepInputOrderAndBalance) {
  const table::Table global =
      oracle::with_ids(oracle::random_table(sort_schema(), 1000, 23, 0.0, 1));
  const std::size_t mine = expect_sorted(global, "i", /*skewed=*/true);
  const auto ranks = static_cast<std::size_t>(world().size());
  // Equal keys split across ranks by input position: every rank gets about N / P.
  EXPECT_LE(mine, 1000 / ranks + 1000 / 16 + 1) << "rank " << world().rank();
  EXPECT_GE(mine + 1000 / 16 + 1, 1000 / ranks) << "rank " << world().rank();
}

TEST(Sort, HeavyDuplicatesStayBalanced) {
  // 90% of rows share one key.
  table::Table global(table::Schema({{"k", ColumnType::kInt64}}));
  for (std::int64_t row = 0; row < 2000; ++row)
    global.column(0).append_i64(row % 10 == 0 ? row : 7);
  global = oracle::with_ids(std::move(global));
  const std::size_t mine = expect_sorted(global, "k desc");
  const auto ranks = static_cast<std::size_t>(world().size());
  EXPECT_LE(mine, 2000 / ranks + 2000 / 16 + 1) << "rank " << world().rank();
}

TEST(Sort, SortedAndReverseSortedInput) {
  table::Table global(table::Schema({{"k", ColumnType::kInt64}, {"s", ColumnType::kString}}));
  for (std::int64_t row = 0; row < 500; ++row) {
    global.column(0).append_i64(row / 3);
    global.column(1).append_string(std::to_string(1000 - row));
  }
  global = oracle::with_ids(std::move(global));
  expect_sorted(global, "k");
  expect_sorted(global, "k desc");
  expect_sorted(global, "s");
  expect_sorted(global, "s desc", /*skewed=*/true);
}

TEST(Sort, MoreRanksThanRowsAndNoRows) {
  const table::Table two = oracle::with_ids(oracle::random_table(sort_schema(), 2, 24, 0.3, 5));
  expect_sorted(two, "i, s");
  const table::Table one = oracle::with_ids(oracle::random_table(sort_schema(), 1, 25, 0.0, 5));
  expect_sorted(one, "f desc");
  const table::Table none = oracle::with_ids(oracle::random_table(sort_schema(), 0, 26, 0.0, 5));
  EXPECT_EQ(expect_sorted(none, "s"), 0u);
}

TEST(Sort, ExtremeValues) {
  // Infinities, NaN, signed zeros, denormals and the int64 limits through the radix keys.
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> floats{inf,   -inf,    std::nan(""), -0.0,          0.0, -1.5,
                                   1e300, -1e-310, 5e-324,       -std::nan(""), 2.0, -inf};
  const std::vector<std::int64_t> ints{std::numeric_limits<std::int64_t>::max(),
                                       std::numeric_limits<std::int64_t>::min(), 0, -1, 1};
  table::Table global(table::Schema({{"f", ColumnType::kFloat64}, {"i", ColumnType::kInt64}}));
  for (std::size_t row = 0; row < 60; ++row) {
    if (row % 13 == 5)
      global.column(0).append_null();
    else
      global.column(0).append_f64(floats[row % floats.size()]);
    global.column(1).append_i64(ints[row % ints.size()]);
  }
  global = oracle::with_ids(std::move(global));
  for (const char* keys : {"f", "f desc", "f nulls first", "i", "i desc", "i, f desc"})
    expect_sorted(global, keys);
}

TEST(Sort, ExchangeInTinyRounds) {
  const table::Table global =
      oracle::with_ids(oracle::random_table(sort_schema(), 300, 27, 0.1, 40));
  expect_sorted(global, "s, i desc", false, 256);
}

TEST(Sort, ParseKeys) {
  const std::vector<SortKey> keys = parse_sort_keys(" value DESC, key, `odd name` nulls first ");
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0].column, "value");
  EXPECT_TRUE(keys[0].descending);
  EXPECT_FALSE(keys[0].nulls_first);
  EXPECT_EQ(keys[1].column, "key");
  EXPECT_FALSE(keys[1].descending);
  EXPECT_EQ(keys[2].column, "odd name");
  EXPECT_TRUE(keys[2].nulls_first);
  for (const char* bad : {"", "a,,b", "a sideways", "a desc nulls", "a nulls middle"}) {
    try {
      parse_sort_keys(bad);
      ADD_FAILURE() << "no error for '" << bad << "'";
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kConfig) << bad;
    }
  }
  try {
    validate_sort_keys(sort_schema(), parse_sort_keys("i, nope"));
    ADD_FAILURE();
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "sort: no column 'nope'; the columns are: i, f, b, s, d, t");
  }
}

}  // namespace
}  // namespace rankflow::ops
