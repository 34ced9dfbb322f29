// The HDF5 table source at every rank count against serial oracles (the fixtures' values as a
// function of the row): 1-D and 2-D numeric datasets of mixed types, byte orders and chunk
// shapes, compound datasets with fixed and variable strings, string datasets, tiny blocks,
// more ranks than rows, empty datasets, both local I/O modes; and each kind of bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

#include "rankflow/io/hdf5/table_source.hpp"
#include "support/h5_fixture.hpp"
#include "support/h5_table_fixture.hpp"
#include "support/mpi_test.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::io::hdf5 {
namespace {

using test::FixtureSpec;
using test::world;
using ::testing::HasSubstr;

// Every row this rank read, appended block by block (one Table of the source's schema).
struct Collected {
  table::Table rows;
  std::uint64_t first_row = 0;  // global index of this rank's first row (ranks read in order)
  std::uint64_t blocks = 0;
};

Collected read_all(TableSource& source) {
  Collected out{table::Table(source.schema()), 0, 0};
  table::Table block;
  while (source.next(block)) {
    ++out.blocks;
    EXPECT_GT(block.num_rows(), 0u);
    out.rows.append_rows(block, 0, block.num_rows());
  }
  EXPECT_EQ(block.num_rows(), 0u);
  EXPECT_FALSE(source.next(block));  // stays done
  out.first_row = world().exscan_sum(static_cast<std::uint64_t>(out.rows.num_rows()));
  EXPECT_EQ(source.stats().rows, out.rows.num_rows());
  return out;
}

std::uint64_t total_rows(const Collected& got) {
  return world().allreduce(static_cast<std::uint64_t>(got.rows.num_rows()), comm::ReduceOp::kSum);
}

std::vector<std::string> names_of(const table::Schema& schema) {
  std::vector<std::string> names;
  for (const table::Field& field : schema.fields()) names.push_back(field.name);
  return names;
}

struct GridCase {
  std::uint64_t rows = 37;
  std::uint64_t station_chunk = 8;  // 0: contiguous
  std::uint64_t grid_chunk = 4;
  std::uint64_t block_rows = 3;
  std::uint64_t block_bytes = 0;
  IoMode io = IoMode::kIndependent;
  bool named_columns = false;
  int gzip = 0;
};

// /station int16 big-endian (1-D) and /grid float32 (rows, 3), optionally named by attribute.
void check_grid(const GridCase& c) {
  SCOPED_TRACE(fmt::format("rows {} chunks {}/{} block {} io {} named {} gzip {}", c.rows,
                           c.station_chunk, c.grid_chunk, c.block_rows, io_mode_name(c.io),
                           c.named_columns, c.gzip));
  test::TempDir dir = test::TempDir::shared(world());
  const std::string path = dir.file("grid.h5");
  FixtureSpec station{"/meta/station", {c.rows}, DType::kInt16, true, {}, 0, 0, 0};
  if (c.station_chunk > 0 && c.rows > 0) station.chunk = {c.station_chunk};
  FixtureSpec grid{"/grid", {c.rows, 3}, DType::kFloat32, false, {}, 0, 0, 0};
  if (c.grid_chunk > 0 && c.rows > 0) grid.chunk = {c.grid_chunk, 2};
  grid.gzip = grid.chunk.empty() ? 0 : c.gzip;
  if (world().rank() == 0) {
    test::write_fixture_serial(path, station, true);
    test::write_fixture_serial(path, grid, false);
    if (c.named_columns) test::write_columns_attribute(path, "/grid", {"x", "y", "zeta"}, true);
  }
  world().barrier();
  TableSourceOptions options{path, {"meta/station", "/grid"}, c.io, c.block_bytes, c.block_rows};
  if (c.block_bytes == 0) options.block_bytes = kDefaultBlockBytes;
  auto source = open_table_source(world(), options);
  const std::vector<std::string> expected_names =
      c.named_columns ? std::vector<std::string>{"station", "x", "y", "zeta"}
                      : std::vector<std::string>{"station", "c0", "c1", "c2"};
  EXPECT_EQ(names_of(source->schema()), expected_names);
  EXPECT_EQ(source->schema().field(0).type, table::ColumnType::kInt64);
  EXPECT_EQ(source->schema().field(1).type, table::ColumnType::kFloat64);
  const Collected got = read_all(*source);
  EXPECT_EQ(total_rows(got), c.rows);
  std::uint64_t mismatches = 0;
  for (std::size_t row = 0; row < got.rows.num_rows(); ++row) {
    const std::uint64_t global = got.first_row + row;
    if (static_cast<long double>(got.rows.column(0).i64()[row]) !=
        test::fixture_value(station, global))
      ++mismatches;
    for (std::size_t col = 0; col < 3; ++col)
      if (static_cast<long double>(got.rows.column(1 + col).f64()[row]) !=
          test::fixture_value(grid, global * 3 + col))
        ++mismatches;
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_EQ(source->stats().bytes, got.rows.num_rows() * (2 + 3 * 4));
}

TEST(Hdf5TableSource, OneAndTwoDimensionalColumnsAtTinyBlocks) {
  for (std::uint64_t block_rows : {1ull, 2ull, 3ull, 5ull, 64ull}) {
    GridCase c;
    c.block_rows = block_rows;
    check_grid(c);
  }
}

TEST(Hdf5TableSource, ChunkShapesLayoutsAndModes) {
  for (IoMode io : {IoMode::kIndependent, IoMode::kPosix}) {
    for (std::uint64_t station_chunk : {0ull, 3ull, 8ull}) {
      for (std::uint64_t grid_chunk : {0ull, 4ull, 5ull}) {
        GridCase c;
        c.io = io;
        c.station_chunk = station_chunk;
        c.grid_chunk = grid_chunk;
        c.block_rows = 0;
        c.block_bytes = 40;  // a few rows
        c.named_columns = grid_chunk == 5;
        check_grid(c);
      }
    }
  }
}

TEST(Hdf5TableSource, CompressedChunksAreReadWhole) {
  GridCase c;
  c.gzip = 4;
  c.block_rows = 1;
  check_grid(c);
}

TEST(Hdf5TableSource, MoreRanksThanRowsAndEmptyDatasets) {
  for (std::uint64_t rows : {0ull, 1ull, 2ull, 3ull}) {
    GridCase c;
    c.rows = rows;
    c.station_chunk = 0;
    c.grid_chunk = rows > 0 ? 1 : 0;
    c.block_rows = 1;
    check_grid(c);
  }
}

TEST(Hdf5TableSource, UnusedColumnsAreNotReadAndAreZero) {
  test::TempDir dir = test::TempDir::shared(world());
  const std::string path = dir.file("grid.h5");
  const FixtureSpec station{"/station", {41}, DType::kInt32, false, {4}, 0, 0, 0};
  const FixtureSpec grid{"/grid", {41, 3}, DType::kFloat64, false, {8, 3}, 0, 0, 0};
  if (world().rank() == 0) {
    test::write_fixture_serial(path, station, true);
    test::write_fixture_serial(path, grid, false);
  }
  world().barrier();
  for (const std::vector<bool>& read : {std::vector<bool>{true, false, false, false},
                                        std::vector<bool>{false, false, true, false}}) {
    auto source = open_table_source(
        world(), {path, {"/station", "/grid"}, IoMode::kIndependent, kDefaultBlockBytes, 3});
    source->select_columns(read);
    const Collected got = read_all(*source);
    EXPECT_EQ(total_rows(got), 41u);
    std::uint64_t mismatches = 0;
    for (std::size_t row = 0; row < got.rows.num_rows(); ++row) {
      const std::uint64_t global = got.first_row + row;
      const long double id = read[0] ? test::fixture_value(station, global) : 0;
      mismatches += static_cast<long double>(got.rows.column(0).i64()[row]) != id;
      for (std::size_t col = 0; col < 3; ++col) {
        const long double want = read[1 + col] ? test::fixture_value(grid, global * 3 + col) : 0;
        mismatches += static_cast<long double>(got.rows.column(1 + col).f64()[row]) != want;
      }
    }
    EXPECT_EQ(mismatches, 0u);
    // Only the datasets with a used column are read.
    const std::uint64_t row_bytes = read[0] ? 4 : 3 * 8;
    EXPECT_EQ(source->stats().bytes, got.rows.num_rows() * row_bytes);
  }
}

void check_compound(std::uint64_t rows, std::uint64_t chunk, std::uint64_t block_rows) {
  SCOPED_TRACE(fmt::format("compound rows {} chunk {} block {}", rows, chunk, block_rows));
  test::TempDir dir = test::TempDir::shared(world());
  const std::string path = dir.file("records.h5");
  if (world().rank() == 0) {
    test::write_compound_serial(path, "/records", rows, chunk, true);
    std::vector<std::string> labels;
    for (std::uint64_t row = 0; row < rows; ++row) labels.push_back("L" + std::to_string(row * row));
    test::write_strings_serial(path, "/label", labels, false, false);
    test::write_strings_serial(path, "/tag", labels, true, false);
  }
  world().barrier();
  TableSourceOptions options{path, {"/records", "/label", "/tag"}, IoMode::kIndependent,
                             kDefaultBlockBytes, block_rows};
  auto source = open_table_source(world(), options);
  EXPECT_EQ(names_of(source->schema()),
            (std::vector<std::string>{"id", "value", "code", "name", "big", "label", "tag"}));
  const Collected got = read_all(*source);
  EXPECT_EQ(total_rows(got), rows);
  std::uint64_t mismatches = 0;
  const table::Table& t = got.rows;
  for (std::size_t row = 0; row < t.num_rows(); ++row) {
    const std::uint64_t global = got.first_row + row;
    const test::CompoundRow want = test::compound_row(global);
    const std::string label = "L" + std::to_string(global * global);
    mismatches += t.column(0).i64()[row] != want.id;
    mismatches += t.column(1).f64()[row] != want.value;
    mismatches += t.column(2).str(row) != want.code;
    mismatches += t.column(3).is_valid(row) != want.name.has_value();
    if (want.name) mismatches += t.column(3).str(row) != *want.name;
    mismatches += static_cast<std::uint64_t>(t.column(4).i64()[row]) != want.big;
    mismatches += t.column(5).str(row) != label || t.column(6).str(row) != label;
  }
  EXPECT_EQ(mismatches, 0u);
}

TEST(Hdf5TableSource, CompoundFieldsAndStrings) {
  check_compound(29, 4, 3);
  check_compound(29, 0, 1);
  check_compound(2, 1, 1);
  check_compound(0, 0, 1);
}

// Opens and reads everything; returns the agreed error message ("" when none).
std::string open_error(const std::string& path, std::vector<std::string> datasets,
                       IoMode io = IoMode::kIndependent, ErrorKind* kind = nullptr) {
  try {
    auto source =
        open_table_source(world(), {path, std::move(datasets), io, kDefaultBlockBytes, 2});
    read_all(*source);
  } catch (const Error& error) {
    if (kind != nullptr) *kind = error.kind();
    return error.what();
  }
  return "";
}

TEST(Hdf5TableSource, BadInputsSayWhatAndWhere) {
  test::TempDir dir = test::TempDir::shared(world());
  const std::string path = dir.file("bad.h5");
  if (world().rank() == 0) {
    test::write_fixture_serial(path, {"/a", {10}, DType::kInt64, false, {}, 0, 0, 0}, true);
    test::write_fixture_serial(path, {"/b", {9}, DType::kFloat64, false, {}, 0, 0, 0}, false);
    test::write_fixture_serial(path, {"/g", {10, 2}, DType::kFloat64, false, {}, 0, 0, 0}, false);
    test::write_fixture_serial(path, {"/h", {10, 2}, DType::kInt8, false, {}, 0, 0, 0}, false);
    test::write_fixture_serial(path, {"/cube", {10, 2, 2}, DType::kInt8, false, {}, 0, 0, 0},
                               false);
    test::write_columns_attribute(path, "/h", {"p", "q", "r"}, false);
    test::write_odd_datasets(path);
  }
  world().barrier();
  ErrorKind kind = ErrorKind::kConfig;
  std::string message = open_error(path, {"/a", "/missing"}, IoMode::kIndependent, &kind);
  EXPECT_THAT(message, HasSubstr("no dataset '/missing' in '" + path + "'"));
  EXPECT_EQ(kind, ErrorKind::kRuntime);
  EXPECT_THAT(open_error(dir.file("nope.h5"), {"/a"}), HasSubstr("nope.h5"));
  EXPECT_THAT(open_error(path, {"/a", "/b"}),
              HasSubstr("equal lengths: /a has 10 rows, /b has 9"));
  EXPECT_THAT(open_error(path, {"/h"}),
              HasSubstr("attribute 'columns' names 3 columns; the dataset has 2"));
  EXPECT_THAT(open_error(path, {"/cube"}), HasSubstr("dataset /cube in '" + path + "' has shape"));
  EXPECT_THAT(open_error(path, {"/scalar"}), HasSubstr("/scalar"));
  EXPECT_THAT(open_error(path, {"/g", "/g2"}), HasSubstr("no dataset '/g2'"));
  EXPECT_THAT(open_error(path, {"/a", "/g", "/names"}), HasSubstr("/a has 10 rows, /names has 2"));
  kind = ErrorKind::kRuntime;
  EXPECT_THAT(open_error(path, {"/a"}, IoMode::kCollective, &kind), HasSubstr("io = collective"));
  EXPECT_EQ(kind, ErrorKind::kConfig);
}

TEST(Hdf5TableSource, DuplicateColumnNamesAreRefused) {
  test::TempDir dir = test::TempDir::shared(world());
  const std::string path = dir.file("twice.h5");
  if (world().rank() == 0) {
    test::write_fixture_serial(path, {"/g", {4, 2}, DType::kFloat64, false, {}, 0, 0, 0}, true);
    test::write_fixture_serial(path, {"/k", {4, 2}, DType::kFloat64, false, {}, 0, 0, 0}, false);
  }
  world().barrier();
  EXPECT_THAT(open_error(path, {"/g", "/k"}), HasSubstr("two columns are named 'c0'"));
}

TEST(Hdf5TableSource, Uint64AboveInt64MaxIsAnErrorNamingTheValue) {
  test::TempDir dir = test::TempDir::shared(world());
  const std::string path = dir.file("big.h5");
  const std::uint64_t offset =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) - 4;
  if (world().rank() == 0) test::write_compound_serial(path, "/records", 9, 0, true, offset);
  world().barrier();
  auto source = open_table_source(world(), {path, {"/records"}, IoMode::kIndependent,
                                            kDefaultBlockBytes, 1});
  std::string message;
  try {
    table::Table block;
    while (source->next(block)) {
    }
  } catch (const Error& error) {
    message = error.what();
  }
  const int failed = world().allreduce(message.empty() ? 0 : 1, comm::ReduceOp::kSum);
  EXPECT_GE(failed, 1);
  if (!message.empty()) {
    // Each failing rank names its own first bad row (rows 5.. hold INT64_MAX + 1 ..).
    EXPECT_THAT(message, HasSubstr("dataset /records in '" + path + "', column 'big', row "));
    EXPECT_THAT(message, HasSubstr(": the uint64 value 92233720368547758"));
  }
}

// Reads everything with blocks of `block_rows` rows; returns this rank's error ("" when none).
std::string read_error(const std::string& path, const std::string& dataset, IoMode io,
                       std::uint64_t block_rows) {
  try {
    auto source = open_table_source(world(), {path, {dataset}, io, kDefaultBlockBytes, block_rows});
    table::Table block;
    while (source->next(block)) {
    }
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

// Gives the free-space object of every global heap collection of the file at `path` size 0
// (what fuzz_hdf5 found in an attribute's heap); returns how many it damaged. Little-endian,
// 8-byte lengths: what HDF5 1.10 writes by default.
int damage_global_heaps(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto number = [&](std::size_t at, std::size_t size) {
    std::uint64_t value = 0;
    for (std::size_t idx = size; idx-- > 0;)
      value = (value << 8) | static_cast<unsigned char>(bytes[at + idx]);
    return value;
  };
  int damaged = 0;
  for (std::size_t start = 0; start + 16 <= bytes.size(); ++start) {
    if (std::memcmp(bytes.data() + start, "GCOL", 4) != 0 || bytes[start + 4] != 1) continue;
    const std::uint64_t size = number(start + 8, 8);
    for (std::uint64_t at = 16; at + 16 <= size && start + at + 16 <= bytes.size();) {
      const std::uint64_t index = number(start + at, 2);
      const std::uint64_t object = number(start + at + 8, 8);
      if (index == 0) {
        std::memset(bytes.data() + start + at + 8, 0, 8);
        ++damaged;
        break;
      }
      at += 16 + (object + 7) / 8 * 8;
    }
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), std::streamsize(bytes.size()));
  return damaged;
}

// A damaged global heap behind variable-length strings made HDF5 1.10's H5Dread loop forever
// (as H5Aread did for attributes): the table source checks the heap first
// (RowSlab::check_strings) and every rank that reads such rows fails, naming the rows, the
// dataset, the heap's byte offset and the file. The 1-D case is a file of four strings written
// by HDF5 1.10 with its heap's free-space object set to size 0
// (tests/fuzz/crashes/hdf5/vlen-dataset-heap-object-of-size-0); the compound case damages the
// fixture's heaps the same way.
TEST(Hdf5TableSource, DamagedGlobalHeapsOfStringsAreErrorsNotHangs) {
  const std::string strings = std::string(RANKFLOW_SOURCE_DIR) +
                              "/tests/fuzz/crashes/hdf5/vlen-dataset-heap-object-of-size-0";
  test::TempDir dir = test::TempDir::shared(world());
  const std::string records = dir.file("records.h5");
  if (world().rank() == 0) {
    test::write_compound_serial(records, "/records", 29, 4, true);
    EXPECT_GE(damage_global_heaps(records), 1);
  }
  world().barrier();
  // Rows of this rank: at 4 rows over P ranks (block rows 2), ranks past the rows read none.
  const bool reads = world().rank() < 4;
  for (const IoMode io : {IoMode::kIndependent, IoMode::kPosix}) {
    SCOPED_TRACE(io_mode_name(io));
    const std::string message = read_error(strings, "/name", io, 2);
    if (reads || !message.empty()) {
      EXPECT_THAT(message, HasSubstr("of /name in '" + strings + "'"));
      EXPECT_THAT(message, HasSubstr("corrupt global heap at byte 2112 of '" + strings + "'"));
      EXPECT_THAT(message, HasSubstr("an object of size 0"));
    }
    const std::string compound = read_error(records, "/records", io, 3);
    EXPECT_EQ(world().allreduce(compound.empty() ? 0 : 1, comm::ReduceOp::kSum), world().size());
    EXPECT_THAT(compound, HasSubstr("of /records in '" + records + "'"));
    EXPECT_THAT(compound, HasSubstr("the file is damaged"));
  }
}

// A compound type whose field ends past its record (fuzz_hdf5 moved a field's offset) made
// H5Dread's conversion copy from outside its buffer: the source refuses it when it opens, on
// every rank, naming the field, its bytes and the dataset
// (tests/fuzz/crashes/hdf5/compound-field-outside-its-record).
TEST(Hdf5TableSource, CompoundFieldOutsideItsRecordIsAnErrorNotACrash) {
  const std::string path = std::string(RANKFLOW_SOURCE_DIR) +
                           "/tests/fuzz/crashes/hdf5/compound-field-outside-its-record";
  for (const IoMode io : {IoMode::kIndependent, IoMode::kPosix}) {
    SCOPED_TRACE(io_mode_name(io));
    const std::string message = read_error(path, "/records", io, 3);
    EXPECT_THAT(message, HasSubstr("dataset /records in '" + path + "': field '"));
    EXPECT_THAT(message, HasSubstr("lies outside its"));
    EXPECT_THAT(message, HasSubstr("the file is damaged"));
  }
}

}  // namespace
}  // namespace rankflow::io::hdf5
