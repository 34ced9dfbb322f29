// The row codec round-trips every column type with and without nulls, partitions rows by
// destination in order, and gathers rows with take().
#include "rankflow/table/row_codec.hpp"

#include <gtest/gtest.h>

#include <numeric>

#include "rankflow/core/error.hpp"

namespace rankflow::table {
namespace {

Table sample_table() {
  Table table(Schema({{"i", ColumnType::kInt64},
                      {"f", ColumnType::kFloat64},
                      {"b", ColumnType::kBool},
                      {"s", ColumnType::kString},
                      {"d", ColumnType::kDate},
                      {"t", ColumnType::kTimestamp}}));
  for (int row = 0; row < 7; ++row) {
    table.column(0).append_i64(row * 10 - 20);
    if (row == 3)
      table.column(1).append_null();
    else
      table.column(1).append_f64(row * 0.5);
    table.column(2).append_bool(row % 2 == 0);
    if (row == 5)
      table.column(3).append_null();
    else
      table.column(3).append_string(std::string(static_cast<std::size_t>(row), 'x') + "é");
    table.column(4).append_i64(19000 + row);
    if (row % 3 == 0)
      table.column(5).append_null();
    else
      table.column(5).append_i64(row * 1000000);
  }
  return table;
}

void expect_same_rows(const Table& actual, const Table& expected,
                      const std::vector<std::uint32_t>& rows) {
  ASSERT_EQ(actual.num_rows(), rows.size());
  for (std::size_t idx = 0; idx < rows.size(); ++idx)
    for (std::size_t column = 0; column < expected.num_columns(); ++column)
      EXPECT_EQ(actual.column(column).format(idx), expected.column(column).format(rows[idx]))
          << "row " << idx << " column " << column;
  for (std::size_t column = 0; column < expected.num_columns(); ++column)
    for (std::size_t idx = 0; idx < rows.size(); ++idx)
      EXPECT_EQ(actual.column(column).is_valid(idx), expected.column(column).is_valid(rows[idx]));
}

TEST(RowCodec, RoundTripsSelectedRows) {
  const Table table = sample_table();
  const std::vector<std::uint32_t> rows{6, 0, 3, 5, 5, 1};
  std::vector<std::byte> bytes(encoded_size(table, rows.data(), rows.size()));
  std::byte* end = encode_rows(table, rows.data(), rows.size(), bytes.data());
  EXPECT_EQ(end, bytes.data() + bytes.size());
  Table decoded(table.schema());
  decoded.column(0);  // appends after existing rows too
  EXPECT_EQ(decode_rows(bytes.data(), bytes.data() + bytes.size(), decoded),
            bytes.data() + bytes.size());
  expect_same_rows(decoded, table, rows);
  // A second chunk appends; decode_all reads both.
  Table twice(table.schema());
  std::vector<std::byte> doubled(bytes);
  doubled.insert(doubled.end(), bytes.begin(), bytes.end());
  decode_all(doubled.data(), doubled.data() + doubled.size(), twice);
  std::vector<std::uint32_t> both(rows);
  both.insert(both.end(), rows.begin(), rows.end());
  expect_same_rows(twice, table, both);
}

TEST(RowCodec, TruncatedChunkIsAnError) {
  const Table table = sample_table();
  const std::vector<std::uint32_t> rows{1, 2};
  std::vector<std::byte> bytes(encoded_size(table, rows.data(), rows.size()));
  encode_rows(table, rows.data(), rows.size(), bytes.data());
  Table decoded(table.schema());
  EXPECT_THROW(decode_rows(bytes.data(), bytes.data() + bytes.size() - 3, decoded), Error);
}

TEST(RowCodec, PartitionsKeepOrderPerDestination) {
  const Table table = sample_table();
  const std::vector<std::uint32_t> dest{2, 0, 2, 1, 0, 2, 2};
  PartitionedRows parts;
  encode_partitioned(table, dest.data(), 3, parts);
  ASSERT_EQ(parts.counts.size(), 3u);
  const std::byte* cursor = parts.bytes.data();
  const std::vector<std::vector<std::uint32_t>> expected{{1, 4}, {3}, {0, 2, 5, 6}};
  for (std::size_t rank = 0; rank < 3; ++rank) {
    Table decoded(table.schema());
    EXPECT_EQ(decode_rows(cursor, cursor + parts.counts[rank], decoded),
              cursor + parts.counts[rank]);
    expect_same_rows(decoded, table, expected[rank]);
    cursor += parts.counts[rank];
  }
}

// max_chunk_rows: each destination's rows as chunks of at most that many rows, in order; an
// empty destination still has its one empty chunk.
TEST(RowCodec, PartitionedInChunksOfAtMostNRows) {
  const Table table = sample_table();
  const std::vector<std::uint32_t> dest{2, 0, 2, 1, 0, 2, 2};
  PartitionedRows parts;
  encode_partitioned(table, dest.data(), 4, parts, 3);
  const std::vector<std::vector<std::uint32_t>> expected{{1, 4}, {3}, {0, 2, 5, 6}, {}};
  const std::vector<std::size_t> chunks{1, 1, 2, 1};
  const std::byte* cursor = parts.bytes.data();
  for (std::size_t rank = 0; rank < 4; ++rank) {
    const std::byte* end = cursor + parts.counts[rank];
    Table decoded(table.schema());
    std::size_t count = 0;
    for (const std::byte* at = cursor; at < end; ++count) {
      const std::size_t before = decoded.num_rows();
      at = decode_rows(at, end, decoded);
      EXPECT_LE(decoded.num_rows() - before, 3u);
    }
    EXPECT_EQ(count, chunks[rank]) << "rank " << rank;
    expect_same_rows(decoded, table, expected[rank]);
    cursor = end;
  }
}

TEST(RowCodec, TakeGathersRows) {
  const Table table = sample_table();
  const std::vector<std::uint32_t> rows{5, 3, 3, 0};
  const Table taken = take(table, rows.data(), rows.size());
  EXPECT_TRUE(taken.schema() == table.schema());
  expect_same_rows(taken, table, rows);
}

TEST(RowCodec, TakeFromATemporaryReleasesIt) {
  const Table table = sample_table();
  const std::vector<std::uint32_t> rows{6, 0, 5, 3};
  Table copy = take(table, rows.data(), 0);
  copy = sample_table();
  const Table taken = take(std::move(copy), rows.data(), rows.size());
  EXPECT_TRUE(taken.schema() == table.schema());
  expect_same_rows(taken, table, rows);
  EXPECT_EQ(copy.num_columns(), 0u);
}

}  // namespace
}  // namespace rankflow::table
