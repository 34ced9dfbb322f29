// ops::append_rows / select_rows against Table::filter (row by row, the obvious way).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "oracle/table_oracle.hpp"
#include "rankflow/ops/filter.hpp"

namespace rankflow::ops {
namespace {

using table::ColumnType;

const table::Schema kSchema({{"i", ColumnType::kInt64},
                             {"f", ColumnType::kFloat64},
                             {"b", ColumnType::kBool},
                             {"s", ColumnType::kString},
                             {"d", ColumnType::kDate},
                             {"t", ColumnType::kTimestamp}});

std::vector<std::uint8_t> random_selection(std::size_t rows, double keep, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution draw(keep);
  std::vector<std::uint8_t> selection(rows);
  for (auto& byte : selection) byte = draw(rng) ? 1 : 0;
  return selection;
}

TEST(FilterRows, MatchesRowByRowFilterWithNullsAndReuse) {
  table::Table out(kSchema);  // reused across rounds: capacity kept, contents replaced
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    const std::size_t rows = static_cast<std::size_t>(seed * 7 % 53);
    const table::Table in = oracle::random_table(kSchema, rows, seed, seed % 3 == 0 ? 0.0 : 0.2, 9);
    for (double keep : {0.0, 0.3, 1.0}) {
      const auto selection = random_selection(rows, keep, seed);
      select_rows(in, selection.data(), out);
      EXPECT_EQ(oracle::rows_of(out), oracle::rows_of(in.filter(selection))) << "seed " << seed;
    }
  }
}

TEST(FilterRows, AppendKeepsWhatIsThere) {
  const table::Table first = oracle::random_table(kSchema, 30, 5, 0.0, 100);   // no nulls
  const table::Table second = oracle::random_table(kSchema, 25, 6, 0.5, 100);  // many nulls
  table::Table out(kSchema);
  append_rows(first, nullptr, out);
  const auto selection = random_selection(second.num_rows(), 0.5, 3);
  append_rows(second, selection.data(), out);
  std::vector<oracle::Row> expected = oracle::rows_of(first);
  for (const oracle::Row& row : oracle::rows_of(second.filter(selection))) expected.push_back(row);
  EXPECT_EQ(oracle::rows_of(out), expected);
}

// Strings of every length around the 16-byte block copy, kept and dropped next to each
// other, at the end of the input's characters, with and without nulls.
TEST(FilterRows, StringsOfEveryLength) {
  const table::Schema schema({{"s", ColumnType::kString}});
  std::mt19937_64 rng(11);
  table::Table out(schema);
  for (int round = 0; round < 60; ++round) {
    table::Table in(schema);
    const std::size_t rows = rng() % 40;
    for (std::size_t row = 0; row < rows; ++row) {
      if (round % 3 == 0 && rng() % 5 == 0) {
        in.column(0).append_null();
        continue;
      }
      std::string text(rng() % 40, ' ');
      for (char& ch : text) ch = static_cast<char>('a' + rng() % 26);
      in.column(0).append_string(text);
    }
    const auto selection = random_selection(rows, round % 4 == 0 ? 0.9 : 0.4, rng());
    if (round % 2 == 0) out.clear();  // else appended after what is there
    const std::vector<oracle::Row> before = oracle::rows_of(out);
    append_rows(in, selection.data(), out);
    std::vector<oracle::Row> expected = before;
    for (const oracle::Row& row : oracle::rows_of(in.filter(selection))) expected.push_back(row);
    ASSERT_EQ(oracle::rows_of(out), expected) << "round " << round;
  }
}

TEST(FilterRows, TypeMismatchIsAnError) {
  const table::Table in = oracle::random_table(kSchema, 3, 1, 0.0, 5);
  table::Table wrong(table::Schema({{"x", ColumnType::kString}}));
  EXPECT_THROW(append_rows(in, nullptr, wrong), Error);
}

}  // namespace
}  // namespace rankflow::ops
