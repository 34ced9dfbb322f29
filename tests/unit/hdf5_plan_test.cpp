// Row partitioning and block planning of the HDF5 reader (pure functions).
#include <gtest/gtest.h>

#include "rankflow/io/hdf5/array_reader.hpp"

namespace rankflow::io::hdf5 {
namespace {

TEST(PartitionRows, BalancedContiguousAndCovering) {
  for (std::uint64_t rows : {0ull, 1ull, 2ull, 7ull, 100ull, 1001ull}) {
    for (std::uint64_t chunk : {0ull, 1ull, 3ull, 64ull}) {
      for (int ranks = 1; ranks <= 9; ++ranks) {
        std::uint64_t expected_begin = 0;
        std::uint64_t smallest = rows, largest = 0;
        for (int rank = 0; rank < ranks; ++rank) {
          const RowRange range = partition_rows(rows, chunk, ranks, rank);
          EXPECT_EQ(range.begin, expected_begin);
          EXPECT_LE(range.begin, range.end);
          if (chunk > 0) {
            EXPECT_TRUE(range.begin % chunk == 0 || range.begin == rows);
          }
          expected_begin = range.end;
          smallest = std::min(smallest, range.size());
          largest = std::max(largest, range.size());
        }
        EXPECT_EQ(expected_begin, rows);
        // One chunk of imbalance, plus the missing rows of a partial last chunk.
        EXPECT_LE(largest - smallest, chunk > 0 ? 2 * chunk - 1 : 1)
            << rows << " " << chunk << " " << ranks;
      }
    }
  }
}

TEST(PartitionRows, ChunksAreNeverSplitBetweenRanks) {
  // 10 rows in chunks of 4 over 4 ranks: chunks {0-3}, {4-7}, {8-9}; the last rank has none.
  EXPECT_EQ(partition_rows(10, 4, 4, 0), (RowRange{0, 4}));
  EXPECT_EQ(partition_rows(10, 4, 4, 1), (RowRange{4, 8}));
  EXPECT_EQ(partition_rows(10, 4, 4, 2), (RowRange{8, 10}));
  EXPECT_EQ(partition_rows(10, 4, 4, 3), (RowRange{10, 10}));
}

TEST(PlanBlockRows, BytesRowsAndChunks) {
  // Contiguous: block bytes / row bytes, at least one row.
  EXPECT_EQ(plan_block_rows({128, 0, false, 4096, 0}), 32u);
  EXPECT_EQ(plan_block_rows({128, 0, false, 10, 0}), 1u);
  EXPECT_EQ(plan_block_rows({128, 0, false, 4096, 7}), 7u);  // rows win over bytes
  // Chunked: whole chunks when a chunk fits; a divisor of the chunk rows otherwise.
  EXPECT_EQ(plan_block_rows({128, 100, false, 128 * 250, 0}), 200u);
  EXPECT_EQ(plan_block_rows({128, 100, false, 128 * 30, 0}), 25u);
  EXPECT_EQ(plan_block_rows({128, 64, false, 0, 5}), 4u);
  // Filtered: always whole chunks, even when the block size is smaller.
  EXPECT_EQ(plan_block_rows({128, 100, true, 128 * 30, 0}), 100u);
  EXPECT_EQ(plan_block_rows({128, 100, true, 0, 250}), 200u);
}

}  // namespace
}  // namespace rankflow::io::hdf5
