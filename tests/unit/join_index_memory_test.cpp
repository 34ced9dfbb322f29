// JoinIndexBuilder::estimate_bytes is what a join checks against [job] memory_per_rank before it
// fetches its build side; it must bound what building the index really allocates, or a job
// under the budget can still be killed by the operating system. This binary counts every
// operator new (a replacement for the whole test program) and compares the peak of a build
// with the estimate, for each key layout: word keys (dense and sparse), a generic fixed-width
// key of two columns, a variable-width string key, and the generic layout of one int64 key.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "ops/join_index.hpp"
#include "ops/key_encoder.hpp"
#include "rankflow/table/row_codec.hpp"

namespace {

// Every allocation carries its size in a 16-byte header (keeps the 16-byte alignment malloc
// gives).
std::uint64_t live_bytes = 0;
std::uint64_t peak_bytes = 0;
constexpr std::size_t kHeader = 16;

void* counted_new(std::size_t size) {
  void* block = std::malloc(size + kHeader);
  if (block == nullptr) throw std::bad_alloc();
  *static_cast<std::size_t*>(block) = size;
  live_bytes += size;
  if (live_bytes > peak_bytes) peak_bytes = live_bytes;
  return static_cast<char*>(block) + kHeader;
}

void counted_delete(void* pointer) noexcept {
  if (pointer == nullptr) return;
  void* block = static_cast<char*>(pointer) - kHeader;
  live_bytes -= *static_cast<std::size_t*>(block);
  std::free(block);
}

}  // namespace

void* operator new(std::size_t size) { return counted_new(size); }
void* operator new[](std::size_t size) { return counted_new(size); }
void operator delete(void* pointer) noexcept { counted_delete(pointer); }
void operator delete[](void* pointer) noexcept { counted_delete(pointer); }
void operator delete(void* pointer, std::size_t) noexcept { counted_delete(pointer); }
void operator delete[](void* pointer, std::size_t) noexcept { counted_delete(pointer); }

namespace rankflow::ops {
namespace {

using table::ColumnType;
using table::Schema;
using table::Table;

constexpr std::size_t kRows = 500000;

struct Build {
  std::uint64_t peak = 0;      // bytes allocated at the peak beyond what was live before
  std::uint64_t estimate = 0;  // estimate_bytes for the same rows
};

// Encodes `table` as the rows of one rank, then builds and writes the index of it.
Build measure(const Table& table, const std::vector<std::size_t>& keys, bool word_keys) {
  table::PartitionedRows parts;
  const std::vector<std::uint32_t> dest(table.num_rows(), 0);
  table::encode_partitioned(table, dest.data(), 1, parts);
  std::vector<ColumnType> key_types;
  for (std::size_t key : keys) key_types.push_back(table.schema().field(key).type);
  const KeyEncoder encoder(key_types);
  const std::uint64_t key_width = encoder.is_fixed() ? encoder.fixed_width() : 0;

  Build build;
  build.estimate = JoinIndexBuilder::estimate_bytes(table.num_rows(), parts.bytes.size(),
                                                    table.schema(), key_width);
  const std::uint64_t before = live_bytes;
  peak_bytes = live_bytes;
  {
    const JoinIndexBuilder builder(table.schema(), keys, parts.bytes.data(), parts.bytes.size(),
                                   word_keys);
    std::vector<std::uint64_t> index((builder.bytes() + 7) / 8);
    builder.write(reinterpret_cast<std::byte*>(index.data()));
    EXPECT_EQ(builder.rows(), table.num_rows());
  }
  build.peak = peak_bytes - before;
  return build;
}

void expect_bounded(const Build& build) {
  std::printf("peak %llu B, estimate %llu B (%.2fx)\n", static_cast<unsigned long long>(build.peak),
              static_cast<unsigned long long>(build.estimate),
              static_cast<double>(build.estimate) / static_cast<double>(build.peak));
  EXPECT_LE(build.peak, build.estimate) << "the build allocated more than its estimate";
  // An estimate far above the truth would stop jobs that fit. (It may be 2x over for dense
  // word keys: it allows for a direct array of up to 4 entries per key; and it includes a few
  // MiB of scratch.)
  EXPECT_LE(build.estimate, 3 * build.peak) << "the estimate is far above what the build takes";
}

TEST(JoinIndexMemory, WordKeysDenseStayWithinTheEstimate) {
  Table table(Schema({{"key", ColumnType::kInt64}, {"value", ColumnType::kFloat64}}));
  for (std::size_t row = 0; row < kRows; ++row) {
    table.column(0).append_i64(static_cast<std::int64_t>(row / 2));
    table.column(1).append_f64(static_cast<double>(row) * 0.5);
  }
  expect_bounded(measure(table, {0}, true));
}

TEST(JoinIndexMemory, WordKeysSparseStayWithinTheEstimate) {
  Table table(Schema({{"key", ColumnType::kInt64}, {"value", ColumnType::kFloat64}}));
  std::uint64_t state = 12345;
  for (std::size_t row = 0; row < kRows; ++row) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    table.column(0).append_i64(static_cast<std::int64_t>(state >> 1));
    table.column(1).append_f64(static_cast<double>(row));
  }
  expect_bounded(measure(table, {0}, true));
}

TEST(JoinIndexMemory, TwoKeyColumnsStayWithinTheEstimate) {
  Table table(Schema({{"a", ColumnType::kInt64},
                      {"b", ColumnType::kInt64},
                      {"value", ColumnType::kFloat64}}));
  for (std::size_t row = 0; row < kRows; ++row) {
    table.column(0).append_i64(static_cast<std::int64_t>(row * 7919 % kRows));
    table.column(1).append_i64(static_cast<std::int64_t>(row % 100));
    table.column(2).append_f64(static_cast<double>(row));
  }
  expect_bounded(measure(table, {0, 1}, true));
}

TEST(JoinIndexMemory, AStringKeyStaysWithinTheEstimate) {
  Table table(Schema({{"name", ColumnType::kString}, {"n", ColumnType::kInt64}}));
  for (std::size_t row = 0; row < kRows; ++row) {
    table.column(0).append_string("customer-" + std::to_string(row * 31 % kRows));
    table.column(1).append_i64(static_cast<std::int64_t>(row));
  }
  expect_bounded(measure(table, {0}, true));
}

TEST(JoinIndexMemory, TheGenericLayoutOfOneIntKeyStaysWithinTheEstimate) {
  Table table(Schema({{"key", ColumnType::kInt64}, {"label", ColumnType::kString}}));
  for (std::size_t row = 0; row < kRows; ++row) {
    table.column(0).append_i64(static_cast<std::int64_t>(row * 3));
    table.column(1).append_string(row % 3 == 0 ? "a label longer than twelve bytes" : "short");
  }
  expect_bounded(measure(table, {0}, false));
}

}  // namespace
}  // namespace rankflow::ops
