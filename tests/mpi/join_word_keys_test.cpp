// The join's word-key fast path (one int64, date, timestamp or float64 key column: slots that
// hold the key itself, or a direct array over a dense key range) against the generic path
// (normalized key bytes, hashed) and the nested-loop oracle, at every rank count: random keys
// with nulls and duplicates, negative, sparse and extreme values, -0.0 and NaN, every join kind,
// both strategies, either side built, output blocks of a few rows.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "oracle/table_oracle.hpp"
#include "rankflow/ops/join.hpp"
#include "support/mpi_test.hpp"

namespace rankflow::ops {
namespace {

using table::ColumnType;
using test::world;

enum class Keys { kDense, kDenseNegative, kSparse, kExtremes, kFloat };

// A table of `rows` rows: a key column of `type` drawn as `keys` says (nulls at `null_rate`,
// duplicates from a pool of `pool` values), a float value, a short and a long string.
table::Table make_side(std::size_t rows, std::uint64_t seed, ColumnType type, Keys keys,
                       std::size_t pool, double null_rate, const std::string& prefix) {
  std::mt19937_64 random(seed);
  std::vector<std::int64_t> values(pool);
  for (std::size_t idx = 0; idx < pool; ++idx) {
    const auto at = static_cast<std::int64_t>(idx);
    switch (keys) {
      case Keys::kDense:
        values[idx] = at;
        break;
      case Keys::kDenseNegative:
        values[idx] = at - static_cast<std::int64_t>(pool);
        break;
      case Keys::kSparse:  // any 64-bit value, negative ones included
        values[idx] = static_cast<std::int64_t>(random());
        break;
      case Keys::kExtremes: {
        const std::int64_t ends[] = {std::numeric_limits<std::int64_t>::min(),
                                     std::numeric_limits<std::int64_t>::max(), 0, -1, 1};
        values[idx] = idx < 5 ? ends[idx] : at * 1'000'003;
        break;
      }
      case Keys::kFloat:
        values[idx] = at;
        break;
    }
  }
  std::uniform_int_distribution<std::size_t> pick(0, pool - 1);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  table::Column key(type);
  table::Column value(ColumnType::kFloat64);
  table::Column tag(ColumnType::kString);
  table::Column text(ColumnType::kString);
  for (std::size_t row = 0; row < rows; ++row) {
    const std::int64_t chosen = values[pick(random)];
    if (unit(random) < null_rate) {
      key.append_null();
    } else if (type == ColumnType::kFloat64) {
      const double choices[] = {-0.0, 0.0, std::nan(""), -1.5, 2.25, 1e300};
      key.append_f64(chosen < 6 ? choices[chosen] : static_cast<double>(chosen) * 0.5);
    } else {
      key.append_i64(chosen);
    }
    value.append_f64(static_cast<double>(row) * 0.5);
    if (row % 7 == 0)
      tag.append_null();
    else
      tag.append_string(std::string(row % 5, 'x'));
    text.append_string(prefix + " text that is longer than twelve bytes " +
                       std::to_string(row % 11));
  }
  table::Table out(table::Schema({{"key", type},
                                  {prefix + "_value", ColumnType::kFloat64},
                                  {"tag", ColumnType::kString},
                                  {prefix + "_text", ColumnType::kString}}));
  out.column(0) = std::move(key);
  out.column(1) = std::move(value);
  out.column(2) = std::move(tag);
  out.column(3) = std::move(text);
  return out;
}

table::Table share(const table::Table& global) {
  const auto rank = static_cast<std::size_t>(world().rank());
  const auto ranks = static_cast<std::size_t>(world().size());
  const std::size_t rows = global.num_rows();
  return oracle::slice(global, rows * rank / ranks, rows * (rank + 1) / ranks);
}

// Every kind, both strategies, both build sides, the fast and the generic path: each against
// the oracle, and the fast path's use as expected (`direct_right`, `direct_left`: the right's
// or the left's keys have a dense range).
void expect_both_paths(const table::Table& left, const table::Table& right, bool direct_right,
                       bool direct_left, const std::string& what) {
  const JoinHow hows[] = {JoinHow::kInner, JoinHow::kLeft, JoinHow::kRight,
                          JoinHow::kFull,  JoinHow::kSemi, JoinHow::kAnti};
  JoinOptions options;
  options.on = {"key"};
  options.output_block_rows = 3;
  for (JoinHow how : hows) {
    options.how = how;
    const std::vector<oracle::Row> expected = oracle::sorted(oracle::join(left, right, options));
    for (JoinStrategy strategy : {JoinStrategy::kShuffle, JoinStrategy::kBroadcast}) {
      for (JoinSide side : {JoinSide::kRight, JoinSide::kLeft}) {
        for (bool generic : {false, true}) {
          options.strategy = strategy;
          options.build_side = side;
          options.generic_keys = generic;
          JoinStats stats;
          const table::Table mine = join(world(), share(left), share(right), options, &stats);
          const std::vector<oracle::Row> actual =
              oracle::sorted(oracle::rows_of(oracle::gather_all(world(), mine)));
          const std::string label =
              what + " (" + join_how_name(how) + ", " + join_strategy_name(strategy) +
              ", build " + (side == JoinSide::kLeft ? "left" : "right") +
              (generic ? ", generic" : ", word keys") + ")";
          EXPECT_EQ(oracle::diff_rows(expected, actual), "") << label;
          EXPECT_EQ(stats.word_keys, !generic) << label;
          // A rank's share of a shuffled build side may be too small to be dense; a broadcast
          // indexes all of it.
          if (!generic && strategy == JoinStrategy::kBroadcast) {
            EXPECT_EQ(stats.direct_index, side == JoinSide::kRight ? direct_right : direct_left)
                << label;
          }
          if (generic) {
            EXPECT_FALSE(stats.direct_index) << label;
          }
        }
      }
    }
  }
}

TEST(JoinWordKeys, DenseInt64KeysUseTheDirectArray) {
  const table::Table left = make_side(150, 71, ColumnType::kInt64, Keys::kDense, 40, 0.1, "l");
  const table::Table right = make_side(120, 72, ColumnType::kInt64, Keys::kDense, 30, 0.1, "r");
  expect_both_paths(left, right, true, true, "dense int64");
}

TEST(JoinWordKeys, NegativeDenseDateKeys) {
  const table::Table left =
      make_side(130, 73, ColumnType::kDate, Keys::kDenseNegative, 25, 0.1, "l");
  const table::Table right =
      make_side(110, 74, ColumnType::kDate, Keys::kDenseNegative, 25, 0.05, "r");
  expect_both_paths(left, right, true, true, "negative dense dates");
}

TEST(JoinWordKeys, SparseInt64KeysUseTheWordSlots) {
  const table::Table left = make_side(140, 75, ColumnType::kInt64, Keys::kSparse, 30, 0.1, "l");
  const table::Table right = make_side(100, 76, ColumnType::kInt64, Keys::kSparse, 30, 0.1, "r");
  expect_both_paths(left, right, false, false, "sparse int64");
}

TEST(JoinWordKeys, ExtremeTimestampKeys) {
  const table::Table left =
      make_side(120, 77, ColumnType::kTimestamp, Keys::kExtremes, 12, 0.1, "l");
  const table::Table right =
      make_side(90, 78, ColumnType::kTimestamp, Keys::kExtremes, 12, 0.1, "r");
  expect_both_paths(left, right, false, false, "int64 min and max, timestamps");
}

// -0.0 matches 0.0 and NaN matches NaN, as the key encoder's normalization makes them.
TEST(JoinWordKeys, FloatKeysWithSignedZerosAndNaN) {
  const table::Table left = make_side(120, 79, ColumnType::kFloat64, Keys::kFloat, 10, 0.1, "l");
  const table::Table right = make_side(90, 80, ColumnType::kFloat64, Keys::kFloat, 10, 0.1, "r");
  expect_both_paths(left, right, false, false, "float64");
}

TEST(JoinWordKeys, OneBuildKeyAndAllNullKeys) {
  const table::Table one = make_side(40, 81, ColumnType::kInt64, Keys::kSparse, 1, 0.0, "l");
  const table::Table nulls = make_side(30, 82, ColumnType::kInt64, Keys::kDense, 5, 1.0, "r");
  const table::Table many = make_side(50, 83, ColumnType::kInt64, Keys::kSparse, 1, 0.2, "r");
  expect_both_paths(one, many, true, true, "a single key value");
  expect_both_paths(one, nulls, false, true, "every build key null");
}

}  // namespace
}  // namespace rankflow::ops
