// ArrayReader at every rank count: each rank's rows, block by block, against the fixture's
// values; every dtype in both byte orders, ranks 1..5, contiguous/chunked/gzip, the three I/O
// modes, tiny blocks, more ranks than rows or chunks.
#include <gtest/gtest.h>

#include <cmath>

#include "rankflow/io/hdf5/array_reader.hpp"
#include "support/h5_fixture.hpp"
#include "support/mpi_test.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::io::hdf5 {
namespace {

using test::FixtureSpec;
using test::world;

struct Case {
  FixtureSpec spec;
  IoMode mode = IoMode::kCollective;
  std::uint64_t block_rows = 1;
  std::uint64_t block_bytes = 0;
};

std::string describe(const Case& c) {
  std::string shape;
  for (std::uint64_t dim : c.spec.dims) shape += std::to_string(dim) + " ";
  return fmt::format("{} {}{} shape [{}] chunk {} gzip {} mode {} block_rows {}", c.spec.name,
                     dtype_name(c.spec.dtype), c.spec.big_endian ? " BE" : "", shape,
                     c.spec.chunk.empty() ? 0 : c.spec.chunk[0], c.spec.gzip, io_mode_name(c.mode),
                     c.block_rows);
}

// Reads every block and compares each value with the fixture oracle; returns mismatches.
std::uint64_t compare_blocks(ArrayReader& reader, const Case& c, std::uint64_t& calls,
                             std::uint64_t& next_row) {
  std::uint64_t mismatches = 0;
  ArrayBlock block;
  while (reader.next(block)) {
    ++calls;
    if (block.rows == 0) continue;
    if (block.first_row != next_row) ++mismatches;
    next_row = block.first_row + block.rows;
    visit_dtype(block.dtype, [&](auto tag) {
      using T = decltype(tag);
      const T* values = block.values<T>();
      for (std::uint64_t idx = 0; idx < block.elements(); ++idx) {
        const long double expected =
            test::fixture_value(c.spec, block.first_row * block.row_elements + idx);
        const long double actual = static_cast<long double>(values[idx]);
        const bool both_nan = std::isnan(expected) && std::isnan(actual);
        if (!both_nan && expected != actual) ++mismatches;
      }
    });
  }
  return mismatches;
}

void check_case(const Case& c) {
  SCOPED_TRACE(describe(c));
  test::TempDir dir = test::TempDir::shared(world());
  const std::string path = dir.file("input.h5");
  test::write_fixture(world(), path, c.spec);
  ReaderOptions options{path, c.spec.name, c.mode, c.block_bytes, c.block_rows};
  ArrayReader reader(world(), options);
  const std::uint64_t rows = c.spec.dims[0];
  const RowRange mine = reader.rows();
  const std::vector<RowRange> ranges = world().allgather(mine);
  EXPECT_EQ(ranges.front().begin, 0u);
  EXPECT_EQ(ranges.back().end, rows);
  for (std::size_t rank = 1; rank < ranges.size(); ++rank)
    EXPECT_EQ(ranges[rank].begin, ranges[rank - 1].end);
  if (!c.spec.chunk.empty()) {
    EXPECT_TRUE(mine.begin % c.spec.chunk[0] == 0 || mine.begin == rows)
        << "rank range not on a chunk boundary";
    if (c.spec.gzip > 0 && mine.size() > 0 && mine.end != rows) {
      EXPECT_EQ(reader.block_rows() % c.spec.chunk[0], 0u);
    }
  }
  std::uint64_t calls = 0;
  std::uint64_t next_row = mine.begin;
  const std::uint64_t mismatches = compare_blocks(reader, c, calls, next_row);
  EXPECT_EQ(mismatches, 0u);
  if (mine.size() > 0) {
    EXPECT_EQ(next_row, mine.end);
  }
  EXPECT_EQ(calls, reader.steps());
  EXPECT_EQ(world().allreduce(calls, comm::ReduceOp::kMin),
            world().allreduce(calls, comm::ReduceOp::kMax));
  EXPECT_EQ(reader.bytes_read(),
            mine.size() * reader.info().row_elements() * dtype_size(c.spec.dtype));
}

constexpr DType kAllTypes[] = {DType::kInt8,    DType::kInt16,  DType::kInt32,  DType::kInt64,
                               DType::kUInt8,   DType::kUInt16, DType::kUInt32, DType::kUInt64,
                               DType::kFloat32, DType::kFloat64};

TEST(ArrayReader, EveryTypeInBothByteOrders) {
  for (DType dtype : kAllTypes) {
    for (bool big_endian : {false, true}) {
      Case c;
      c.spec.dims = {23, 3};
      c.spec.dtype = dtype;
      c.spec.big_endian = big_endian;
      c.spec.chunk = {4, 3};
      c.spec.nan_every = 5;
      c.block_rows = 1 + static_cast<std::uint64_t>(dtype) % 3;
      check_case(c);
    }
  }
}

TEST(ArrayReader, RanksOneToFiveAndEveryLayout) {
  const std::vector<std::vector<std::uint64_t>> shapes = {
      {17}, {9, 4}, {7, 2, 3}, {5, 2, 2, 3}, {4, 3, 2, 2, 2}};
  for (const auto& dims : shapes) {
    for (int layout = 0; layout < 3; ++layout) {  // contiguous, chunked, chunked + gzip
      Case c;
      c.spec.dims = dims;
      c.spec.dtype = DType::kFloat64;
      if (layout > 0) {
        c.spec.chunk = dims;
        c.spec.chunk[0] = 2;
        if (dims.size() > 1)
          c.spec.chunk[1] = std::max<std::uint64_t>(1, dims[1] / 2);  // partial inner chunks
        c.spec.gzip = layout == 2 ? 4 : 0;
      }
      c.block_rows = 1;
      check_case(c);
    }
  }
}

TEST(ArrayReader, EveryIoModeAndBlockSize) {
  for (IoMode mode : {IoMode::kCollective, IoMode::kIndependent, IoMode::kPosix}) {
    for (std::uint64_t block_rows : {1ull, 2ull, 5ull, 64ull}) {
      Case c;
      c.spec.dims = {31, 2};
      c.spec.dtype = DType::kInt32;
      c.spec.big_endian = true;
      c.spec.chunk = {4, 2};
      c.mode = mode;
      c.block_rows = block_rows;
      check_case(c);
    }
    Case by_bytes;
    by_bytes.spec.dims = {29, 3};
    by_bytes.mode = mode;
    by_bytes.block_rows = 0;
    by_bytes.block_bytes = 100;  // 4 rows of 24 bytes
    check_case(by_bytes);
  }
}

TEST(ArrayReader, MoreRanksThanRowsOrChunks) {
  for (IoMode mode : {IoMode::kCollective, IoMode::kIndependent, IoMode::kPosix}) {
    Case two_rows;
    two_rows.spec.dims = {2, 3};
    two_rows.mode = mode;
    check_case(two_rows);
    Case one_chunk;  // 10 rows in chunks of 8: at most two ranks have rows
    one_chunk.spec.dims = {10, 3};
    one_chunk.spec.chunk = {8, 3};
    one_chunk.spec.gzip = 1;
    one_chunk.mode = mode;
    check_case(one_chunk);
    Case empty;
    empty.spec.dims = {0, 4};
    empty.mode = mode;
    check_case(empty);
  }
}

TEST(ArrayReader, RestartReadsTheSameRowsAgain) {
  test::TempDir dir = test::TempDir::shared(world());
  FixtureSpec spec;
  spec.dims = {13, 2};
  test::write_fixture(world(), dir.file("x.h5"), spec);
  ArrayReader reader(world(), {dir.file("x.h5"), "/data", IoMode::kCollective, 0, 3});
  ArrayBlock block;
  double first = 0, second = 0;
  while (reader.next(block))
    for (std::uint64_t idx = 0; idx < block.elements(); ++idx) first += block.values<double>()[idx];
  reader.restart();
  while (reader.next(block))
    for (std::uint64_t idx = 0; idx < block.elements(); ++idx)
      second += block.values<double>()[idx];
  EXPECT_EQ(first, second);
}

}  // namespace
}  // namespace rankflow::io::hdf5
