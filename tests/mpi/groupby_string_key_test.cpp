// Group-by on one string key, through the small cache of recent strings (group_table.hpp:
// StringGroupCache), against the serial oracle at every rank count: few distinct values with
// nulls, empty and long strings, strings that share the cache's entry (same size, same first
// and last 8 bytes), blocks from one row up; and a column with too many distinct values, which
// turns the cache off for good (the rest goes through the generic path, still right).
#include <gtest/gtest.h>

#include <string>

#include "oracle/table_oracle.hpp"
#include "rankflow/ops/groupby.hpp"
#include "support/mpi_test.hpp"

namespace rankflow::ops {
namespace {

using table::ColumnType;
using test::world;

table::Table string_keyed(const std::vector<std::string>& keys, const std::vector<bool>& nulls) {
  table::Table out(table::Schema({{"k", ColumnType::kString},
                                  {"vi", ColumnType::kInt64},
                                  {"vf", ColumnType::kFloat64},
                                  {"vs", ColumnType::kString}}));
  for (std::size_t row = 0; row < keys.size(); ++row) {
    if (nulls[row])
      out.column(0).append_null();
    else
      out.column(0).append_string(keys[row]);
    out.column(1).append_i64(static_cast<std::int64_t>(row % 97) - 40);
    out.column(2).append_f64(static_cast<double>(row) * 0.25);
    out.column(3).append_string("v" + std::to_string(row % 13));
  }
  return out;
}

// Consumes this rank's contiguous slice in blocks of `block` rows; returns the result gathered
// on every rank, and this rank's stats.
table::Table run(const table::Table& global, const GroupByOptions& options, std::size_t block,
                 GroupByStats* stats) {
  const auto rank = static_cast<std::size_t>(world().rank());
  const auto ranks = static_cast<std::size_t>(world().size());
  const std::size_t rows = global.num_rows();
  const std::size_t begin = rows * rank / ranks;
  const std::size_t end = rows * (rank + 1) / ranks;
  GroupBy group_by(world(), global.schema(), options);
  for (std::size_t start = begin; start < end; start += block)
    group_by.consume(oracle::slice(global, start, std::min(end, start + block)));
  const table::Table result = group_by.finish();
  *stats = group_by.stats();
  return oracle::gather_all(world(), result);
}

GroupByOptions options() {
  GroupByOptions out;
  out.keys = {"k"};
  out.aggregates = parse_aggregates("count(), sum(vi), mean(vf), first(vs), last(vi), max(vs)");
  return out;
}

TEST(GroupByStringKey, FewDistinctValuesComeFromTheCache) {
  // Same size, same first and last 8 bytes: one cache entry for all four, hit or miss.
  const std::vector<std::string> values{
      "",         "a",         "north",      "south",       "日本",
      "a,b",      "x y",       "a rather long region name, longer than sixteen bytes",
      "12345678-A-87654321", "12345678-B-87654321", "12345678-C-87654321",
      "12345678-D-87654321"};
  std::vector<std::string> keys;
  std::vector<bool> nulls;
  for (std::size_t row = 0; row < 3000; ++row) {
    keys.push_back(values[(row * 7 + row / 5) % values.size()]);
    nulls.push_back(row % 23 == 4);
  }
  const table::Table global = string_keyed(keys, nulls);
  const oracle::GroupResult expected = oracle::group_by(global, options());
  for (std::size_t block : {std::size_t{1}, std::size_t{7}, std::size_t{1000}}) {
    GroupByStats stats;
    const table::Table all = run(global, options(), block, &stats);
    EXPECT_EQ(oracle::diff(expected, oracle::result_map(all, 1), 1e-9), "") << "block " << block;
    // Every rank has 750 rows or more: all but the first of each value and the colliding
    // four's misses (a third of the rows, a few more if other values share entries) hit.
    EXPECT_GT(stats.cached_rows, stats.rows / 3) << "block " << block;
  }
}

TEST(GroupByStringKey, ManyDistinctValuesTurnTheCacheOff) {
  // Each rank's slice: 20000 distinct strings (more misses than the cache tolerates in its
  // first 16384 rows), then 5000 rows of ten values that the cache, were it on, would hit.
  const auto ranks = static_cast<std::size_t>(world().size());
  std::vector<std::string> keys;
  std::vector<bool> nulls;
  for (std::size_t rank = 0; rank < ranks; ++rank) {
    for (std::size_t row = 0; row < 20000; ++row) {
      keys.push_back("distinct " + std::to_string(rank * 20000 + row));
      nulls.push_back(row % 1009 == 7);
    }
    for (std::size_t row = 0; row < 5000; ++row) {
      keys.push_back("distinct " + std::to_string(row % 10));
      nulls.push_back(false);
    }
  }
  const table::Table global = string_keyed(keys, nulls);
  GroupByStats stats;
  const table::Table all = run(global, options(), 4096, &stats);
  EXPECT_EQ(oracle::diff(oracle::group_by(global, options()), oracle::result_map(all, 1), 1e-9),
            "");
  EXPECT_EQ(stats.cached_rows, 0u);
}

}  // namespace
}  // namespace rankflow::ops
