// The CSV writer: every rank's rows in rank order, exact RFC 4180 text, round trip through the
// reader at every rank count, and nothing left behind when a job fails.
#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "rankflow/comm/phase.hpp"
#include "rankflow/core/text.hpp"
#include "rankflow/io/csv/csv_sink.hpp"
#include "rankflow/io/csv/csv_source.hpp"
#include "rankflow/table/datetime.hpp"
#include "support/csv_fixtures.hpp"
#include "support/mpi_test.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {
namespace {

using table::ColumnType;

const table::Schema kSchema({{"id", ColumnType::kInt64},
                             {"real", ColumnType::kFloat64},
                             {"flag", ColumnType::kBool},
                             {"text", ColumnType::kString},
                             {"day", ColumnType::kDate},
                             {"at", ColumnType::kTimestamp}});

// Rows of `rank`: a rank-dependent count (rank 1 has none), every type, nulls, and strings
// that need quoting.
table::Table rows_of(int rank, std::size_t count) {
  std::mt19937_64 rng(static_cast<std::uint64_t>(rank) * 1000 + count);
  const std::vector<std::string> texts = {"plain", "", "a,b", "say \"hi\"", "two\nlines",
                                          "cr\r\nlf", "caf\xC3\xA9 \xF0\x9F\x98\x80", " spaced "};
  table::Table table(kSchema);
  for (std::size_t row = 0; row < count; ++row) {
    const bool null = rng() % 7 == 0;
    const std::size_t null_col = rng() % 6;
    auto put = [&](std::size_t col, auto append) {
      if (null && col == null_col) table.column(col).append_null();
      else append(table.column(col));
    };
    put(0, [&](table::Column& c) { c.append_i64(static_cast<std::int64_t>(rng()) >> 3); });
    put(1, [&](table::Column& c) {
      const double values[] = {0.1, -0.0, 1e300, 5e-324, 1.0 / 3, 2.5, 100.0};
      c.append_f64(values[rng() % 7] * static_cast<double>(1 + rng() % 1000));
    });
    put(2, [&](table::Column& c) { c.append_bool((rng() & 1) != 0); });
    put(3, [&](table::Column& c) { c.append_string(texts[rng() % texts.size()]); });
    put(4, [&](table::Column& c) { c.append_i64(static_cast<std::int64_t>(rng() % 100000) - 50000); });
    put(5, [&](table::Column& c) {
      c.append_i64(static_cast<std::int64_t>(rng() % 4000000000000000ull) - 1000000000000000);
    });
  }
  return table;
}

std::size_t count_for(int rank) { return rank == 1 ? 0 : 5 + static_cast<std::size_t>(rank) * 37; }

// The file as a serial writer would produce it.
std::string expected_text(int ranks) {
  auto field = [](const table::Column& column, std::size_t row) -> std::string {
    if (!column.is_valid(row)) return "";
    if (column.type() != ColumnType::kString) return column.format(row);
    const std::string text(column.str(row));
    if (!text.empty() && text.find_first_of(",\"\r\n") == std::string::npos) return text;
    std::string quoted = "\"";
    for (const char ch : text) quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return quoted + "\"";
  };
  std::string text = "id,real,flag,text,day,at\n";
  for (int rank = 0; rank < ranks; ++rank) {
    const table::Table table = rows_of(rank, count_for(rank));
    for (std::size_t row = 0; row < table.num_rows(); ++row) {
      for (std::size_t col = 0; col < table.num_columns(); ++col)
        text += (col > 0 ? "," : "") + field(table.column(col), row);
      text += "\n";
    }
  }
  return text;
}

void write_in_pieces(io::TableSink& sink, const table::Table& table) {
  // Several write() calls of uneven sizes, as a pipeline would make them.
  std::size_t row = 0;
  std::size_t step = 1;
  while (row < table.num_rows()) {
    std::vector<std::uint8_t> selection(table.num_rows(), 0);
    for (std::size_t idx = row; idx < std::min(table.num_rows(), row + step); ++idx) selection[idx] = 1;
    sink.write(table.filter(selection));
    row += step;
    step = step * 2 + 1;
  }
}

TEST(CsvWriter, RowsInRankOrderWithExactText) {
  TempDir dir = TempDir::shared(world());
  const std::string path = dir.file("out.csv");
  io::CsvWriteOptions options;
  options.buffer_size = 7;  // flush to the part file all the time
  {
    auto sink = io::open_csv_sink(world(), path, kSchema, options);
    comm::run_phase(world(), "writing", [&] {
      write_in_pieces(*sink, rows_of(world().rank(), count_for(world().rank())));
    });
    sink->finish();
  }
  world().barrier();
  EXPECT_EQ(read_file(path), expected_text(world().size()));
  EXPECT_EQ(list_dir(dir.path()), std::vector<std::string>{"out.csv"});
}

TEST(CsvWriter, RoundTripThroughTheReader) {
  TempDir dir = TempDir::shared(world());
  const std::string path = dir.file("round.csv");
  {
    auto sink = io::open_csv_sink(world(), path, kSchema);
    comm::run_phase(world(), "writing", [&] {
      sink->write(rows_of(world().rank(), count_for(world().rank())));
    });
    sink->finish();
  }
  std::vector<std::string> expected;
  for (int rank = 0; rank < world().size(); ++rank) canonical_rows(rows_of(rank, count_for(rank)), &expected);
  io::CsvOptions options;
  options.path = path;
  options.block_size = 97;
  options.schema = kSchema.fields();
  const DistributedRead read = read_distributed(world(), options);
  EXPECT_EQ(read.error, "");
  EXPECT_EQ(read.rows, expected);
  // Without a schema, inference finds the same types (the file has every kind of value).
  options.schema.clear();
  const DistributedRead inferred = read_distributed(world(), options);
  EXPECT_EQ(inferred.schema.describe(), kSchema.describe());
}

// Regression: 3.0 was written "3" and -0.0 "-0", so a float column of whole numbers read back
// as int64. Floats are written as pandas, DuckDB and Polars write them: with ".0" when the
// shortest text has no point or exponent.
TEST(CsvWriter, WholeFloatsKeepAPointAndReadBackAsFloat64) {
  TempDir dir = TempDir::shared(world());
  const std::string path = dir.file("whole.csv");
  const table::Schema schema({{"x", ColumnType::kFloat64}});
  const std::vector<double> values = {3.0,  -0.0,  0.0, 100.0, 1e15,  -7.0,
                                      1e16, 1e300, 0.1, -2.5,  5e-324};
  {
    auto sink = io::open_csv_sink(world(), path, schema);
    comm::run_phase(world(), "writing", [&] {
      table::Table table(schema);
      if (world().rank() == 0)
        for (const double value : values) table.column(0).append_f64(value);
      sink->write(table);
    });
    sink->finish();
  }
  world().barrier();
  EXPECT_EQ(read_file(path),
            "x\n3.0\n-0.0\n0.0\n100.0\n1000000000000000.0\n-7.0\n1e+16\n1e+300\n0.1\n-2.5\n"
            "5e-324\n");
  io::CsvOptions options;
  options.path = path;
  options.block_size = 16;
  const DistributedRead read = read_distributed(world(), options);
  EXPECT_EQ(read.error, "");
  EXPECT_EQ(read.schema.describe(), schema.describe());
  EXPECT_EQ(format_float(3.0), "3.0");
  EXPECT_EQ(format_float(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(format_float(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(format_float(std::numeric_limits<double>::quiet_NaN()), "nan");
}

TEST(CsvWriter, NoRowsGivesTheHeaderOnly) {
  TempDir dir = TempDir::shared(world());
  const std::string path = dir.file("empty.csv");
  {
    auto sink = io::open_csv_sink(world(), path, table::Schema({{"a b", ColumnType::kInt64}, {"c,d", ColumnType::kString}}));
    sink->finish();
  }
  world().barrier();
  EXPECT_EQ(read_file(path), "a b,\"c,d\"\n");
}

TEST(CsvWriter, AFailedJobLeavesNothingBehind) {
  TempDir dir = TempDir::shared(world());
  const std::string path = dir.file("never.csv");
  if (world().rank() == 0) write_file(dir.file("keep.txt"), "x");
  try {
    auto sink = io::open_csv_sink(world(), path, kSchema);
    comm::run_phase(world(), "writing", [&] {
      sink->write(rows_of(world().rank(), 50));
      if (world().rank() == world().size() - 1) throw DataError("disk on fire");
    });
    sink->finish();
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_TRUE(error.agreed());
    EXPECT_NE(std::string(error.what()).find("disk on fire"), std::string::npos);
  }
  world().barrier();
  EXPECT_EQ(list_dir(dir.path()), std::vector<std::string>{"keep.txt"});
}

TEST(CsvWriter, MissingFolderIsAnAgreedError) {
  try {
    io::open_csv_sink(world(), "/nonexistent-folder/x.csv", kSchema);
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_TRUE(error.agreed());
    EXPECT_NE(std::string(error.what()).find("does not exist"), std::string::npos);
  }
}

}  // namespace
}  // namespace rankflow::test
