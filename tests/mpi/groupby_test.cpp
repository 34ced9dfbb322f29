// Distributed group-by at every rank count against the serial oracle (tests/oracle): every
// aggregate, every key type, multi-column keys, nulls in keys and values, many keys and one
// key, ranks without rows, block sizes from 1 row up, the skew switch, and exchanges in tiny
// rounds. Every rank generates the same global table and takes its contiguous slice.
#include "rankflow/ops/groupby.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include "oracle/table_oracle.hpp"
#include "rankflow/comm/phase.hpp"
#include "support/mpi_test.hpp"

namespace rankflow::ops {
namespace {

using table::ColumnType;
using test::world;

table::Schema test_schema() {
  return table::Schema({{"ki", ColumnType::kInt64},
                        {"kf", ColumnType::kFloat64},
                        {"kb", ColumnType::kBool},
                        {"ks", ColumnType::kString},
                        {"kd", ColumnType::kDate},
                        {"kt", ColumnType::kTimestamp},
                        {"vi", ColumnType::kInt64},
                        {"vf", ColumnType::kFloat64},
                        {"vb", ColumnType::kBool},
                        {"vs", ColumnType::kString},
                        {"vd", ColumnType::kDate}});
}

const char* const kAllAggregates =
    "count(), count(vs), sum(vi), sum(vf), sum(vb), mean(vi), mean(vf), min(vi), max(vf), "
    "min(vs), max(vs), min(vd), max(vb), var(vf), std(vi), first(vs), last(vf), first(vd), "
    "last(vb), nunique(vs), nunique(vf), nunique(vi), median(vf), quantile(vi, 0.25), "
    "quantile(vf, 0.9), median(vb), min(kf), last(ki)";

enum class Split { kEven, kAllOnLast, kFirstEmpty, kUneven };

// This rank's rows [begin, end) of `rows`.
std::pair<std::size_t, std::size_t> my_range(std::size_t rows, int rank, int ranks, Split split) {
  const auto r = static_cast<std::size_t>(rank);
  const auto p = static_cast<std::size_t>(ranks);
  switch (split) {
    case Split::kAllOnLast:
      return rank == ranks - 1 ? std::make_pair(std::size_t{0}, rows)
                               : std::make_pair(std::size_t{0}, std::size_t{0});
    case Split::kFirstEmpty: {
      if (rank == 0 && ranks > 1) return {0, 0};
      const std::size_t parts = ranks > 1 ? p - 1 : 1;
      const std::size_t part = ranks > 1 ? r - 1 : 0;
      return {rows * part / parts, rows * (part + 1) / parts};
    }
    case Split::kUneven: {  // rank r gets a share proportional to (r + 1)^2
      std::size_t total = 0;
      for (std::size_t idx = 0; idx < p; ++idx) total += (idx + 1) * (idx + 1);
      std::size_t before = 0;
      for (std::size_t idx = 0; idx < r; ++idx) before += (idx + 1) * (idx + 1);
      return {rows * before / total, rows * (before + (r + 1) * (r + 1)) / total};
    }
    case Split::kEven:
      break;
  }
  return {rows * r / p, rows * (r + 1) / p};
}

// Runs the group-by over this rank's slice in blocks of `block` rows and returns the result
// gathered on every rank.
table::Table run_group_by(const table::Table& global, const GroupByOptions& options,
                          std::size_t block, Split split, table::Table* mine = nullptr) {
  const comm::Communicator& comm = world();
  auto [begin, end] = my_range(global.num_rows(), comm.rank(), comm.size(), split);
  GroupBy group_by(comm, global.schema(), options);
  for (std::size_t start = begin; start < end; start += block)
    group_by.consume(oracle::slice(global, start, std::min(end, start + block)));
  table::Table result = group_by.finish();
  EXPECT_TRUE(result.schema() == group_by.output_schema())
      << result.schema().describe() << " vs " << group_by.output_schema().describe();
  EXPECT_EQ(group_by.stats().rows, end - begin);
  EXPECT_EQ(group_by.stats().groups, result.num_rows());
  if (mine != nullptr) *mine = result;
  return oracle::gather_all(comm, result);
}

void expect_matches_oracle(const table::Table& global, const GroupByOptions& options,
                           const std::vector<std::size_t>& blocks, Split split) {
  const oracle::GroupResult expected = oracle::group_by(global, options);
  for (std::size_t block : blocks) {
    const table::Table all = run_group_by(global, options, block, split);
    EXPECT_EQ(oracle::diff(expected, oracle::result_map(all, options.keys.size()), 1e-9), "")
        << "block size " << block << ", keys " << options.keys.size();
  }
}

GroupByOptions options_for(std::vector<std::string> keys, const std::string& aggregates) {
  GroupByOptions options;
  options.keys = std::move(keys);
  options.aggregates = parse_aggregates(aggregates);
  return options;
}

TEST(GroupBy, EveryAggregateOnAnIntKeyAtEveryBlockSize) {
  const table::Table global = oracle::random_table(test_schema(), 157, 1, 0.15, 23);
  expect_matches_oracle(global, options_for({"ki"}, kAllAggregates), {1, 2, 7, 64, 1000},
                        Split::kEven);
}

TEST(GroupBy, EveryKeyTypeAlone) {
  const table::Table global = oracle::random_table(test_schema(), 211, 2, 0.1, 17);
  for (const char* key : {"ki", "kf", "kb", "ks", "kd", "kt"})
    expect_matches_oracle(global, options_for({key}, kAllAggregates), {5, 300}, Split::kUneven);
}

TEST(GroupBy, MultiColumnKeysWithNulls) {
  const table::Table global = oracle::random_table(test_schema(), 300, 3, 0.2, 5);
  expect_matches_oracle(global, options_for({"ks", "kb", "kd", "kf"}, kAllAggregates), {3, 50},
                        Split::kEven);
  expect_matches_oracle(global, options_for({"kt", "ki", "ks"}, "count(), sum(vi), first(vs)"),
                        {1, 1000}, Split::kFirstEmpty);
}

TEST(GroupBy, ManyKeysMoreThanRowsPerRank) {
  const table::Table global = oracle::random_table(test_schema(), 400, 4, 0.05, 100000, false);
  expect_matches_oracle(global, options_for({"ki"}, kAllAggregates), {9, 400}, Split::kEven);
  expect_matches_oracle(global, options_for({"ks", "ki"}, "count(), mean(vf), last(vs)"), {13},
                        Split::kUneven);
}

TEST(GroupBy, HashTablesGrowWithNullKeys) {
  // Thousands of groups on one rank: the tables grow several times, with the null key inside.
  const table::Table global = oracle::random_table(test_schema(), 6000, 12, 0.02, 1000000, false);
  const char* aggregates = "count(), sum(vi), max(vs), first(vf), nunique(vb)";
  for (const char* key : {"ki", "kf", "ks", "kt"})
    expect_matches_oracle(global, options_for({key}, aggregates), {700}, Split::kAllOnLast);
  expect_matches_oracle(global, options_for({"kd", "ki"}, aggregates), {6000}, Split::kEven);
}

TEST(GroupBy, IntegerKeysAtTheEdgesOfTheRange) {
  // The direct index plans its range from the first block: later values far outside it, the
  // int64 limits (offsets that wrap) and nulls must still find their groups.
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  const std::int64_t min = std::numeric_limits<std::int64_t>::min();
  const std::vector<std::int64_t> keys{max, max - 1, max - 2, 5, min, min + 1, -1, 0, 1000000};
  table::Table global(table::Schema({{"k", ColumnType::kInt64}, {"v", ColumnType::kInt64}}));
  for (std::size_t row = 0; row < 300; ++row) {
    if (row % 17 == 3)
      global.column(0).append_null();
    else
      global.column(0).append_i64(keys[(row < 40 ? row % 3 : row * 7) % keys.size()]);
    global.column(1).append_i64(static_cast<std::int64_t>(row));
  }
  for (Split split : {Split::kEven, Split::kAllOnLast})
    expect_matches_oracle(global, options_for({"k"}, "count(), sum(v), first(v), last(v)"),
                          {1, 10, 300}, split);
}

TEST(GroupBy, OneKeyForAllRows) {
  const table::Table global = oracle::random_table(test_schema(), 250, 5, 0.1, 1);
  expect_matches_oracle(global, options_for({"ki", "kb"}, kAllAggregates), {4, 250}, Split::kEven);
}

TEST(GroupBy, NoKeysIsOneGroup) {
  const table::Table global = oracle::random_table(test_schema(), 120, 6, 0.1, 30);
  expect_matches_oracle(global, options_for({}, kAllAggregates), {7}, Split::kUneven);
}

TEST(GroupBy, RanksWithoutRows) {
  const table::Table global = oracle::random_table(test_schema(), 90, 7, 0.1, 11);
  expect_matches_oracle(global, options_for({"ks"}, kAllAggregates), {2, 90}, Split::kAllOnLast);
  expect_matches_oracle(global, options_for({"kd"}, kAllAggregates), {3}, Split::kFirstEmpty);
}

TEST(GroupBy, NoRowsAnywhere) {
  const table::Table global = oracle::random_table(test_schema(), 0, 8, 0.1, 11);
  const table::Table all =
      run_group_by(global, options_for({"ks", "ki"}, kAllAggregates), 4, Split::kEven);
  EXPECT_EQ(all.num_rows(), 0u);
}

// A group-by without keys over no rows (a filter that keeps nothing) gave no row at all, where
// SQL's and pandas' aggregates of an empty table give one: count() 0, the others null.
TEST(GroupBy, NoKeysOverNoRowsGaveNoRow) {
  const table::Table global = oracle::random_table(test_schema(), 0, 8, 0.1, 11);
  for (const bool skew : {false, true}) {
    GroupByOptions options = options_for({}, kAllAggregates);
    options.skew_to_one_rank = skew;
    table::Table mine;
    const table::Table all = run_group_by(global, options, 4, Split::kEven, &mine);
    EXPECT_EQ(oracle::diff(oracle::group_by(global, options), oracle::result_map(all, 0), 0), "");
    ASSERT_EQ(all.num_rows(), 1u);
    EXPECT_EQ(all.column(0).i64()[0], 0);  // count()
    EXPECT_EQ(all.column(1).i64()[0], 0);  // count(vs)
    for (std::size_t column = 2; column < all.num_columns(); ++column) {
      if (all.schema().field(column).name.rfind("nunique", 0) != 0) {
        EXPECT_FALSE(all.column(column).is_valid(0)) << all.schema().field(column).name;
      }
    }
    if (skew) {
      EXPECT_EQ(mine.num_rows(), world().rank() == 0 ? 1u : 0u);
    }
  }
}

TEST(GroupBy, SkewSwitchSendsEveryKeyToRankZero) {
  const table::Table global = oracle::random_table(test_schema(), 200, 9, 0.1, 40);
  GroupByOptions options = options_for({"ki", "ks"}, kAllAggregates);
  options.skew_to_one_rank = true;
  table::Table mine;
  const table::Table all = run_group_by(global, options, 16, Split::kEven, &mine);
  EXPECT_EQ(oracle::diff(oracle::group_by(global, options), oracle::result_map(all, 2), 1e-9), "");
  if (world().rank() != 0) {
    EXPECT_EQ(mine.num_rows(), 0u);
  }
  EXPECT_GT(all.num_rows(), 0u);
}

TEST(GroupBy, ExchangeInTinyRounds) {
  const table::Table global = oracle::random_table(test_schema(), 260, 10, 0.1, 60);
  GroupByOptions options = options_for({"ks", "ki"}, kAllAggregates);
  options.exchange_round_bytes = 512;
  expect_matches_oracle(global, options, {32}, Split::kUneven);
}

TEST(GroupBy, PopulationVarianceWithDdofZero) {
  const table::Table global = oracle::random_table(test_schema(), 150, 11, 0.1, 7);
  GroupByOptions options = options_for({"kb"}, "var(vf), std(vi), var(vb)");
  options.ddof = 0;
  expect_matches_oracle(global, options, {10}, Split::kEven);
}

TEST(GroupBy, OutputNamesAndTypes) {
  GroupByOptions options =
      options_for({"ks", "kd"},
                  "sum(vi), sum(vf) as total, count(), count(vs), mean(vb), min(vd), "
                  "quantile(vf, 0.9), median(vi), nunique(vs), first(kt)");
  GroupBy group_by(world(), test_schema(), options);
  EXPECT_EQ(group_by.output_schema().describe(),
            "ks:string, kd:date, sum_vi:int64, total:float64, count:int64, count_vs:int64, "
            "mean_vb:float64, min_vd:date, quantile_0.9_vf:float64, median_vi:float64, "
            "nunique_vs:int64, first_kt:timestamp");
  group_by.finish();
}

void expect_config_error(const std::vector<std::string>& keys, const std::string& aggregates,
                         const std::string& message_part) {
  try {
    GroupBy group_by(world(), test_schema(), options_for(keys, aggregates));
    ADD_FAILURE() << "no error for " << aggregates;
    group_by.finish();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
    EXPECT_NE(std::string(error.what()).find(message_part), std::string::npos) << error.what();
  }
}

TEST(GroupBy, ConfigErrorsNameTheProblem) {
  expect_config_error({"nope"}, "count()", "groupby keys: no column 'nope'; the columns are: ki");
  expect_config_error(
      {"ki"}, "sum(vs)",
      "sum(vs): sum needs a numeric column (int64, float64 or bool); 'vs' is string");
  expect_config_error({"ki"}, "mean(vd)", "'vd' is date");
  expect_config_error({"ki"}, "max(missing)", "aggregate max(missing): no column 'missing'");
  expect_config_error({"ki"}, "sum(vi), sum(vi)", "two output columns are named 'sum_vi'");
  expect_config_error({"ki"}, "count() as ki", "two output columns are named 'ki'");
  expect_config_error({"ki", "ki"}, "count()", "two output columns are named 'ki'");
}

TEST(GroupBy, SumOverflowIsADataError) {
  table::Table global(table::Schema({{"k", ColumnType::kInt64}, {"v", ColumnType::kInt64}}));
  for (int row = 0; row < 4; ++row) {
    global.column(0).append_i64(1);
    global.column(1).append_i64(std::int64_t{1} << 62);
  }
  const comm::Communicator& comm = world();
  GroupBy group_by(comm, global.schema(), options_for({"k"}, "sum(v)"));
  bool failed = false;
  try {
    const auto range = my_range(4, comm.rank(), comm.size(), Split::kEven);
    // As a job does it: the local part in a phase of its own, so that every rank agrees.
    comm::run_phase(comm, "reading", [&] {
      group_by.consume(oracle::slice(global, range.first, range.second));
    });
    group_by.finish();
  } catch (const Error& error) {
    failed = true;
    EXPECT_NE(std::string(error.what()).find("sum_v: the sum overflows int64"), std::string::npos)
        << error.what();
  }
  EXPECT_TRUE(failed);
}

// The int64 sum of a group used to be checked after every addition: a total that fits int64
// but whose running sum left it (2^62 + 2^62 - 2^62 - 2^62 + 5) failed at some rank counts and
// not at others, and mean(v) of four values of 2^62 failed with "the sum overflows int64"
// although no sum was asked for and the mean is 2^62.
TEST(GroupBy, IntSumOverflowDependedOnTheOrderOfTheRows) {
  constexpr std::int64_t kBig = std::int64_t{1} << 62;
  table::Table global(table::Schema({{"k", ColumnType::kInt64}, {"v", ColumnType::kInt64}}));
  for (const std::int64_t value : {kBig, kBig, -kBig, -kBig, std::int64_t{5}}) {
    global.column(0).append_i64(1);
    global.column(1).append_i64(value);
  }
  for (int row = 0; row < 4; ++row) {
    global.column(0).append_i64(2);
    global.column(1).append_i64(kBig);
  }
  // Group 1 alone: group 2's sum does not fit int64 (an error, tested above).
  const table::Table first = oracle::slice(global, 0, 5);
  for (const char* aggregates : {"sum(v), mean(v)", "sum(v), mean(v), min(v), max(v)"}) {
    for (const Split split : {Split::kEven, Split::kAllOnLast, Split::kUneven}) {
      const table::Table all = run_group_by(first, options_for({"k"}, aggregates), 1, split);
      ASSERT_EQ(all.num_rows(), 1u);
      EXPECT_EQ(all.column(1).i64()[0], 5) << aggregates;
      EXPECT_DOUBLE_EQ(all.column(2).f64()[0], 1.0) << aggregates;
    }
  }
  for (const Split split : {Split::kEven, Split::kAllOnLast, Split::kUneven}) {
    const table::Table all = run_group_by(global, options_for({"k"}, "mean(v), max(v)"), 1, split);
    ASSERT_EQ(all.num_rows(), 2u);
    for (std::size_t row = 0; row < 2; ++row) {
      const bool big = all.column(0).i64()[row] == 2;
      EXPECT_DOUBLE_EQ(all.column(1).f64()[row], big ? static_cast<double>(kBig) : 1.0);
    }
  }
}

// Whole rows (GroupBy::use_row_major, a 2-D HDF5 dataset's rows as read): the block's copies
// of the row-major columns are overwritten with garbage, so the results can only be right if
// they come from the rows.
table::Table run_row_major(const table::Table& global, const GroupByOptions& options,
                           const std::vector<GroupBy::RowMajorColumn>& columns, std::size_t stride,
                           std::size_t block) {
  const comm::Communicator& comm = world();
  auto [begin, end] = my_range(global.num_rows(), comm.rank(), comm.size(), Split::kUneven);
  GroupBy group_by(comm, global.schema(), options);
  EXPECT_TRUE(group_by.use_row_major(columns, stride));
  std::vector<double> rows;
  for (std::size_t start = begin; start < end; start += block) {
    table::Table part = oracle::slice(global, start, std::min(end, start + block));
    rows.assign(part.num_rows() * stride, -7.5e300);
    for (const GroupBy::RowMajorColumn& column : columns) {
      table::Column& values = part.column(column.column);
      for (std::size_t row = 0; row < part.num_rows(); ++row) {
        rows[row * stride + column.offset] = values.f64()[row];
        values.mutable_f64()[row] = 1e300;
      }
    }
    group_by.consume(part, rows.data());
  }
  return oracle::gather_all(comm, group_by.finish());
}

TEST(GroupBy, RowMajorRowsGiveTheResultsOfTheColumns) {
  const table::Schema schema({{"k", ColumnType::kInt64},
                              {"a", ColumnType::kFloat64},
                              {"b", ColumnType::kFloat64},
                              {"c", ColumnType::kFloat64},
                              {"d", ColumnType::kFloat64}});
  const table::Table global = oracle::random_table(schema, 233, 31, 0.0, 9, true);
  const GroupByOptions options = options_for(
      {"k"},
      "count(), sum(a), mean(c), min(d), max(a), count(c), max(d), min(a), sum(b), var(b), "
      "mean(a) as mean_a, sum(d)");
  const oracle::GroupResult expected = oracle::group_by(global, options);
  // a, c, d scattered in rows of 6 doubles; then adjacent (the vectorized loop); then without
  // min or max (the state without extremes).
  for (std::size_t block : {std::size_t{1}, std::size_t{5}, std::size_t{64}, std::size_t{500}}) {
    const table::Table scattered =
        run_row_major(global, options, {{1, 4}, {3, 0}, {4, 2}}, 6, block);
    EXPECT_EQ(oracle::diff(expected, oracle::result_map(scattered, 1), 1e-9), "") << block;
    const table::Table adjacent =
        run_row_major(global, options, {{1, 1}, {3, 2}, {4, 3}}, 5, block);
    EXPECT_EQ(oracle::diff(expected, oracle::result_map(adjacent, 1), 1e-9), "") << block;
  }
  const GroupByOptions sums = options_for({"k"}, "sum(a), mean(b), count(b), count()");
  const table::Table plain = run_row_major(global, sums, {{1, 0}, {2, 1}}, 2, 7);
  EXPECT_EQ(oracle::diff(oracle::group_by(global, sums), oracle::result_map(plain, 1), 1e-9), "");
}

TEST(GroupBy, RowMajorIsDeclinedWhereItCannotServe) {
  const table::Schema schema(
      {{"k", ColumnType::kInt64}, {"a", ColumnType::kFloat64}, {"i", ColumnType::kInt64}});
  const table::Table global = oracle::random_table(schema, 20, 3, 0.0, 5, false);
  auto accepts = [&](const std::string& aggregates,
                     const std::vector<GroupBy::RowMajorColumn>& columns, std::size_t stride) {
    GroupBy group_by(world(), schema, options_for({"k"}, aggregates));
    return group_by.use_row_major(columns, stride);
  };
  EXPECT_TRUE(accepts("sum(a)", {{1, 0}}, 1));
  EXPECT_FALSE(accepts("median(a)", {{1, 0}}, 1));  // not a fused aggregate
  EXPECT_FALSE(accepts("nunique(a), sum(a)", {{1, 0}}, 1));
  EXPECT_FALSE(accepts("sum(i)", {{2, 0}}, 1));          // not float64
  EXPECT_FALSE(accepts("sum(a)", {{1, 1}}, 1));          // outside the row
  EXPECT_FALSE(accepts("sum(a)", {{1, 0}, {1, 1}}, 2));  // a column twice
  EXPECT_FALSE(accepts("sum(a)", {}, 1));
  GroupBy keyed(world(), schema, options_for({"a"}, "count()"));
  EXPECT_FALSE(keyed.use_row_major({{1, 0}}, 1));  // a key
  GroupBy started(world(), schema, options_for({"k"}, "sum(a)"));
  started.consume(global);
  EXPECT_FALSE(started.use_row_major({{1, 0}}, 1));  // after the first block
  EXPECT_THROW(started.consume(global, nullptr), Error);
  started.finish();
}

}  // namespace
}  // namespace rankflow::ops
