// The HDF5 table sink at every rank count: rank r writes a known slice of rows (rank 0 none,
// in several blocks), both layouts, every column type, strings of varying width, nulls; the
// file is read back serially and compared with the rows in rank order. And a failed write
// leaves nothing behind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "rankflow/comm/phase.hpp"
#include "rankflow/io/hdf5/table_sink.hpp"
#include "support/h5_fixture.hpp"
#include "support/h5_table_fixture.hpp"
#include "support/mpi_test.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::io::hdf5 {
namespace {

using table::ColumnType;
using test::world;

table::Schema sink_schema() {
  return table::Schema({{"id", ColumnType::kInt64},
                        {"x", ColumnType::kFloat64},
                        {"flag", ColumnType::kBool},
                        {"label", ColumnType::kString},
                        {"day", ColumnType::kDate}});
}

// Global row `row` of the table; nulls in x every 5th row and in label every 7th.
void append_row(table::Table& table, std::uint64_t row) {
  table.column(0).append_i64(static_cast<std::int64_t>(row) * 11 - 3);
  if (row % 5 == 2) {
    table.column(1).append_null();
  } else {
    table.column(1).append_f64(0.25 * static_cast<double>(row));
  }
  table.column(2).append_bool(row % 3 == 0);
  if (row % 7 == 4) {
    table.column(3).append_null();
  } else {
    table.column(3).append_string(std::string(row % 9, 'a') + "é" + std::to_string(row));
  }
  table.column(4).append_i64(19000 + static_cast<std::int64_t>(row));
}

// Rank r holds 3 * r rows (rank 0 none), starting after the lower ranks'.
std::uint64_t rows_before(int rank) {
  const auto r = static_cast<std::uint64_t>(rank);
  return 3 * r * (r - (r > 0 ? 1 : 0)) / 2;
}

void write_table(const std::string& path, const TableSinkOptions& options) {
  auto sink = open_table_sink(world(), path, sink_schema(), options);
  const std::uint64_t first = rows_before(world().rank());
  const std::uint64_t count = 3 * static_cast<std::uint64_t>(world().rank());
  table::Table block(sink_schema());
  for (std::uint64_t row = first; row < first + count; ++row) {
    append_row(block, row);
    if (block.num_rows() == 2) {  // several blocks per rank
      sink->write(block);
      block.clear();
    }
  }
  sink->write(block);
  sink->finish();
}

// A mask dataset's values, or all zeros when the column has no null (then it has no mask).
std::vector<std::int64_t> mask_of(const std::string& path, const std::string& name,
                                  std::uint64_t total, bool expected) {
  EXPECT_EQ(test::has_object(path, name), expected) << name;
  if (!expected) return std::vector<std::int64_t>(total, 0);
  return test::read_int64s_of(path, name);
}

void check_file(const std::string& path, const std::string& dataset, const std::string& prefix,
                bool compound) {
  const std::uint64_t total = rows_before(world().size());
  table::Table want(sink_schema());
  for (std::uint64_t row = 0; row < total; ++row) append_row(want, row);
  auto at = [&](const std::string& column) { return compound ? dataset : prefix + column; };
  auto field = [&](const std::string& column) { return compound ? column : std::string(); };
  const auto ids = test::read_int64s_of(path, at("id"), field("id"));
  const auto xs = test::read_doubles_of(path, at("x"), field("x"));
  const auto flags = test::read_int64s_of(path, at("flag"), field("flag"));
  const auto labels = test::read_strings(path, at("label"), field("label"));
  const auto days = test::read_int64s_of(path, at("day"), field("day"));
  const auto x_nulls = mask_of(path, prefix + "nulls/x", total, want.column(1).has_nulls());
  const auto label_nulls =
      mask_of(path, prefix + "nulls/label", total, want.column(3).has_nulls());
  ASSERT_EQ(ids.size(), total);
  ASSERT_EQ(xs.size(), total);
  ASSERT_EQ(flags.size(), total);
  ASSERT_EQ(labels.size(), total);
  ASSERT_EQ(days.size(), total);
  ASSERT_EQ(x_nulls.size(), total);
  ASSERT_EQ(label_nulls.size(), total);
  std::uint64_t mismatches = 0;
  for (std::uint64_t row = 0; row < total; ++row) {
    mismatches += ids[row] != want.column(0).i64()[row];
    const bool x_null = !want.column(1).is_valid(row);
    mismatches += x_null ? !std::isnan(xs[row]) : xs[row] != want.column(1).f64()[row];
    mismatches += x_nulls[row] != (x_null ? 1 : 0);
    mismatches += flags[row] != want.column(2).u8()[row];
    const bool label_null = !want.column(3).is_valid(row);
    mismatches += labels[row] != (label_null ? "" : std::string(want.column(3).str(row)));
    mismatches += label_nulls[row] != (label_null ? 1 : 0);
    mismatches += days[row] != want.column(4).i64()[row];
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_FALSE(test::has_object(path, prefix + "nulls/id"));  // no nulls: no mask
  EXPECT_EQ(test::read_string_attribute(path, at("day"), "rankflow_type"),
            compound ? "compound" : "date");
  EXPECT_EQ(test::read_string_attribute(path, "/", "config"), "the job");
  EXPECT_EQ(test::read_string_attribute(path, at("id"), "config"), "the job");
}

// Rank 0 checks the file (serial reads); an exception there must not skip the barrier.
void check_on_rank0(const std::string& path, const std::string& dataset,
                    const std::string& prefix, bool compound) {
  if (world().rank() == 0) {
    try {
      check_file(path, dataset, prefix, compound);
    } catch (const std::exception& error) {
      ADD_FAILURE() << error.what();
    }
  }
  world().barrier();
}

TEST(Hdf5TableSink, ColumnsLayoutInRankOrder) {
  test::TempDir dir = test::TempDir::shared(world());
  const std::string path = dir.file("out.h5");
  TableSinkOptions options;
  options.attributes = {{"config", "the job"}};
  options.block_rows = 2;  // several collective steps
  write_table(path, options);
  check_on_rank0(path, "", "/", false);
  options.group = "/results/run1";
  write_table(path, options);  // replaces the file
  check_on_rank0(path, "", "/results/run1/", false);
  if (world().rank() == 0) {
    EXPECT_FALSE(test::has_object(path, "/id"));
  }
  world().barrier();
}

TEST(Hdf5TableSink, CompoundLayout) {
  test::TempDir dir = test::TempDir::shared(world());
  const std::string path = dir.file("rows.h5");
  TableSinkOptions options;
  options.layout = TableLayout::kCompound;
  options.dataset = "/out/rows";
  options.attributes = {{"config", "the job"}};
  options.block_rows = 1;
  write_table(path, options);
  check_on_rank0(path, "/out/rows", "/out/", true);
}

TEST(Hdf5TableSink, AnEmptyTableIsAFileOfEmptyDatasets) {
  test::TempDir dir = test::TempDir::shared(world());
  const std::string path = dir.file("empty.h5");
  {
    auto sink = open_table_sink(world(), path, sink_schema(), {});
    sink->finish();
  }
  if (world().rank() == 0) {
    try {
      EXPECT_EQ(test::read_int64s_of(path, "/id").size(), 0u);
      EXPECT_EQ(test::read_strings(path, "/label").size(), 0u);
    } catch (const std::exception& error) {
      ADD_FAILURE() << error.what();
    }
  }
  world().barrier();
}

TEST(Hdf5TableSink, AFailedJobLeavesNothing) {
  test::TempDir dir = test::TempDir::shared(world());
  const std::string path = dir.file("never.h5");
  std::string message;
  try {
    auto sink = open_table_sink(world(), path, sink_schema(), {});
    table::Table block(sink_schema());
    append_row(block, 0);
    sink->write(block);
    // One rank fails before the collective write: every rank must leave together.
    comm::run_phase(world(), "computing", [&] {
      if (world().rank() == world().size() - 1) throw DataError("injected");
    });
    sink->finish();
  } catch (const Error& error) {
    message = error.what();
  }
  EXPECT_THAT(message, ::testing::HasSubstr("injected"));
  world().barrier();
  EXPECT_EQ(test::list_dir(dir.path()), std::vector<std::string>{});
  world().barrier();
}

TEST(Hdf5TableSink, ANullsColumnWithNullsIsOneAgreedError) {
  // The clash is known only once the ranks agree that a column has nulls: every rank throws
  // it, so it must be an agreed error (rank 0 prints it, exit 2), not one that ends the job
  // with MPI_Abort from every rank.
  test::TempDir dir = test::TempDir::shared(world());
  const table::Schema schema({{"nulls", ColumnType::kInt64}, {"x", ColumnType::kFloat64}});
  Error caught(ErrorKind::kRuntime, "no error");
  try {
    auto sink = open_table_sink(world(), dir.file("clash.h5"), schema, {});
    table::Table block(schema);
    block.column(0).append_i64(world().rank());
    if (world().rank() == world().size() - 1) {  // the nulls are on one rank only
      block.column(1).append_null();
    } else {
      block.column(1).append_f64(1.5);
    }
    sink->write(block);
    sink->finish();
  } catch (const Error& error) {
    caught = error;
  }
  EXPECT_THAT(caught.what(), ::testing::HasSubstr("a column named 'nulls' and null values"));
  EXPECT_EQ(caught.kind(), ErrorKind::kConfig);
  EXPECT_TRUE(caught.agreed());
  world().barrier();
  EXPECT_EQ(test::list_dir(dir.path()), std::vector<std::string>{});
  world().barrier();
}

TEST(Hdf5TableSink, ColumnNamesThatCannotBeDatasets) {
  test::TempDir dir = test::TempDir::shared(world());
  ErrorKind kind = ErrorKind::kRuntime;
  std::string message;
  try {
    open_table_sink(world(), dir.file("bad.h5"), table::Schema({{"a/b", ColumnType::kInt64}}));
  } catch (const Error& error) {
    kind = error.kind();
    message = error.what();
  }
  EXPECT_THAT(message, ::testing::HasSubstr("the column 'a/b' cannot be written to HDF5"));
  EXPECT_EQ(kind, ErrorKind::kConfig);
}

}  // namespace
}  // namespace rankflow::io::hdf5
