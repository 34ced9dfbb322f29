// HDF5 table jobs through the CLI under mpirun (np 1..4): jobs/w6_station_means.ini on a small
// grid with tiny blocks and chunks, compared with a serial oracle computed here; and each kind
// of bad input (missing dataset, unequal lengths, bad keys): message, exit code, no hang,
// nothing left in the output folder.
#include <gtest/gtest.h>

#include "oracle/table_job_oracle.hpp"
#include "oracle/table_oracle.hpp"
#include "rankflow/ops/groupby.hpp"
#include "support/error_checks.hpp"
#include "support/h5_fixture.hpp"
#include "support/h5_table_fixture.hpp"
#include "support/process.hpp"
#include "support/strings.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {
namespace {

using table::ColumnType;

constexpr std::uint64_t kRows = 301;
constexpr std::uint64_t kColumns = 16;

const FixtureSpec kStation{"/station", {kRows}, DType::kInt8, false, {7}, 0, 0, 0};
const FixtureSpec kGrid{
    "/temperature", {kRows, kColumns}, DType::kFloat64, false, {5, 16}, 0, 0, 0};

// The table the job reads, built from the fixtures' value functions (not from the file).
table::Table grid_table() {
  table::Table table;
  table::Column station(ColumnType::kInt64);
  for (std::uint64_t row = 0; row < kRows; ++row)
    station.append_i64(static_cast<std::int64_t>(fixture_value(kStation, row)));
  table.add_column("station", std::move(station));
  for (std::uint64_t col = 0; col < kColumns; ++col) {
    table::Column values(ColumnType::kFloat64);
    for (std::uint64_t row = 0; row < kRows; ++row)
      values.append_f64(static_cast<double>(fixture_value(kGrid, row * kColumns + col)));
    table.add_column("c" + std::to_string(col), std::move(values));
  }
  return table;
}

struct Fixture {
  TempDir dir;
  std::string input = dir.file("grid.h5");
  std::string out_dir = dir.file("out");
  std::string output = out_dir + "/w6.csv";

  Fixture() {
    write_fixture_serial(input, kStation, true);
    write_fixture_serial(input, kGrid, false);
    run_process({"mkdir", "-p", out_dir});
  }

  RunResult run(int np, std::vector<std::string> sets = {}) const {
    std::vector<std::string> args = {"run",   source_dir() + "/jobs/w6_station_means.ini",
                                     "--set", "input.path=" + input,
                                     "--set", "output.path=" + output};
    for (const std::string& set : sets) {
      args.push_back("--set");
      args.push_back(set);
    }
    return run_rankflow(np, args, 120);
  }
};

TEST(Hdf5TableJob, W6JobMatchesTheSerialOracleAtEveryRankCount) {
  const Fixture fixture;
  const table::Table input = grid_table();  // stations -100..100
  ops::GroupByOptions groupby;
  groupby.keys = {"station"};
  std::string aggregates = "count() as count";
  std::vector<table::Field> fields = {{"station", ColumnType::kInt64},
                                      {"count", ColumnType::kInt64}};
  for (std::uint64_t col = 0; col < kColumns; ++col) {
    aggregates += fmt::format(", mean(c{0}) as c{0}", col);
    fields.push_back({"c" + std::to_string(col), ColumnType::kFloat64});
  }
  groupby.aggregates = ops::parse_aggregates(aggregates);
  const oracle::GroupResult expected = oracle::group_by(input, groupby);
  for (int np : {1, 2, 3, 4}) {
    SCOPED_TRACE("np " + std::to_string(np));
    const RunResult run = fixture.run(np, {"input.block_rows=3"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const std::string text = read_file(fixture.output);
    EXPECT_EQ(text.substr(0, text.find('\n')),
              "station,count,c0,c1,c2,c3,c4,c5,c6,c7,c8,c9,c10,c11,c12,c13,c14,c15");
    const table::Table actual = oracle::read_csv_output(text, table::Schema(fields));
    EXPECT_EQ(oracle::diff(expected, oracle::result_map(actual, 1), 1e-9), "");
    EXPECT_EQ(oracle::rows_of(actual), oracle::stable_sort(actual, {{"station", false, false}}))
        << "not sorted";
  }
  // Byte blocks instead of rows, and POSIX reads.
  const RunResult run = fixture.run(3, {"input.block_size=300", "input.io=posix"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
}

// A group-by straight over the rows folds a 2-D dataset's columns from its rows as read
// (ops::GroupBy::use_row_major); a filter sends the same job through the columns. Both equal
// the oracle, with scattered columns, extremes and count(col).
TEST(Hdf5TableJob, RowAndColumnPathsAgreeWithTheOracle) {
  const Fixture fixture;
  const std::string aggregates =
      "count(c3) as n3, sum(c1) as s1, min(c5) as lo5, max(c5) as hi5, mean(c14) as m14";
  ops::GroupByOptions groupby;
  groupby.keys = {"station"};
  groupby.aggregates = ops::parse_aggregates(aggregates);
  const oracle::GroupResult expected = oracle::group_by(grid_table(), groupby);
  const table::Schema fields({{"station", ColumnType::kInt64},
                              {"n3", ColumnType::kInt64},
                              {"s1", ColumnType::kFloat64},
                              {"lo5", ColumnType::kFloat64},
                              {"hi5", ColumnType::kFloat64},
                              {"m14", ColumnType::kFloat64}});
  for (int np : {1, 2, 3, 4}) {
    for (const char* where : {"", "station > -1000"}) {
      SCOPED_TRACE("np " + std::to_string(np) + ", where '" + where + "'");
      std::vector<std::string> sets = {"input.block_rows=3", "groupby.aggregate=" + aggregates};
      if (*where != '\0') sets.push_back(std::string("filter.where=") + where);
      const RunResult run = fixture.run(np, sets);
      ASSERT_EQ(run.exit_code, 0) << run.err;
      const table::Table actual = oracle::read_csv_output(read_file(fixture.output), fields);
      EXPECT_EQ(oracle::diff(expected, oracle::result_map(actual, 1), 1e-9), "");
    }
  }
}

// The W6 result as written to HDF5, read back serially into a table (datasets `prefix`<name>,
// or fields of the compound dataset `compound`).
table::Table read_w6(const std::string& path, const std::string& compound) {
  auto at = [&](const std::string& name) { return compound.empty() ? "/" + name : compound; };
  auto field = [&](const std::string& name) { return compound.empty() ? "" : name; };
  table::Table table;
  table::Column station(ColumnType::kInt64), count(ColumnType::kInt64);
  for (std::int64_t value : read_int64s_of(path, at("station"), field("station")))
    station.append_i64(value);
  for (std::int64_t value : read_int64s_of(path, at("count"), field("count")))
    count.append_i64(value);
  table.add_column("station", std::move(station));
  table.add_column("count", std::move(count));
  for (std::uint64_t col = 0; col < kColumns; ++col) {
    const std::string name = "c" + std::to_string(col);
    table::Column values(ColumnType::kFloat64);
    for (double value : read_doubles_of(path, at(name), field(name))) values.append_f64(value);
    table.add_column(name, std::move(values));
  }
  return table;
}

TEST(Hdf5TableJob, W6WritesHdf5ThatReadsBack) {
  const Fixture fixture;
  const std::string output = fixture.out_dir + "/w6.h5";
  ops::GroupByOptions groupby;
  groupby.keys = {"station"};
  std::string aggregates = "count() as count";
  for (std::uint64_t col = 0; col < kColumns; ++col)
    aggregates += fmt::format(", mean(c{0}) as c{0}", col);
  groupby.aggregates = ops::parse_aggregates(aggregates);
  const oracle::GroupResult expected = oracle::group_by(grid_table(), groupby);
  for (int np : {1, 2, 3, 4}) {
    for (bool compound : {false, true}) {
      if (compound && np != 3) continue;
      SCOPED_TRACE("np " + std::to_string(np) + (compound ? " compound" : " columns"));
      std::vector<std::string> sets = {"input.block_rows=4", "output.path=" + output};
      if (compound) sets.push_back("output.layout=compound");
      const RunResult run = fixture.run(np, sets);
      ASSERT_EQ(run.exit_code, 0) << run.err;
      const table::Table actual = read_w6(output, compound ? "/table" : "");
      EXPECT_EQ(oracle::diff(expected, oracle::result_map(actual, 1), 1e-9), "");
      EXPECT_EQ(oracle::rows_of(actual), oracle::stable_sort(actual, {{"station", false, false}}));
      const std::string object = compound ? "/table" : "/c0";
      EXPECT_EQ(read_string_attribute(output, "/", "ranks"), std::to_string(np));
      EXPECT_TRUE(contains(read_string_attribute(output, object, "config"), "[groupby]"));
      EXPECT_EQ(read_string_attribute(output, object, "rankflow_type"),
                compound ? "compound" : "float64");
      EXPECT_EQ(list_dir(fixture.out_dir), std::vector<std::string>{"w6.h5"});
    }
  }
}

TEST(Hdf5TableJob, CompoundStringsAndNullsRoundTrip) {
  const Fixture fixture;
  const std::uint64_t rows = 57;
  write_compound_serial(fixture.input, "/records", rows, 5, false);
  const std::string job = fixture.dir.file("copy.ini");
  write_file(job, "[input]\npath = unset\ndatasets = /records\n[output]\ntable = off\n");
  const std::string output = fixture.out_dir + "/copy.h5";
  for (int np : {2, 4}) {
    SCOPED_TRACE("np " + std::to_string(np));
    const RunResult run =
        run_rankflow(np, {"run", job, "--set", "input.path=" + fixture.input, "--set",
                          "output.path=" + output, "--set", "input.block_rows=2"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const auto ids = read_int64s_of(output, "/id");
    const auto codes = read_strings(output, "/code");
    const auto names = read_strings(output, "/name");
    const auto name_nulls = read_int64s_of(output, "/nulls/name");
    ASSERT_EQ(ids.size(), rows);
    ASSERT_EQ(name_nulls.size(), rows);
    std::uint64_t mismatches = 0;
    for (std::uint64_t row = 0; row < rows; ++row) {
      const CompoundRow want = compound_row(row);  // a streamed job keeps the input order
      mismatches += ids[row] != want.id || codes[row] != want.code;
      mismatches += names[row] != want.name.value_or("");
      mismatches += name_nulls[row] != (want.name ? 0 : 1);
    }
    EXPECT_EQ(mismatches, 0u);
    EXPECT_FALSE(has_object(output, "/nulls/id"));
  }
}

TEST(Hdf5TableJob, AFailedHdf5WriteLeavesNothing) {
  const Fixture fixture;
  for (const char* phase : {"writing the HDF5 output:1", "reading the input:0"}) {
    SCOPED_TRACE(phase);
    const RunResult run = run_rankflow(
        2,
        {"run", source_dir() + "/jobs/w6_station_means.ini", "--set", "input.path=" + fixture.input,
         "--set", "output.path=" + fixture.out_dir + "/w6.h5"},
        120, {std::string("RANKFLOW_INJECT_FAILURE=") + phase});
    EXPECT_EQ(run.exit_code, 1) << run.err;
    EXPECT_TRUE(contains(run.err, "injected")) << run.err;
    EXPECT_EQ(list_dir(fixture.out_dir), std::vector<std::string>{});
  }
}

struct BadCase {
  std::string what;
  std::vector<std::string> sets;
  int exit_code;
  std::vector<std::string> messages;
};

TEST(Hdf5TableJob, AMissingInputFileIsOneAgreedError) {
  // The open failed on every rank but was not agreed: every rank printed it and the job ended
  // with MPI_Abort, as a single input and as a join's side.
  const Fixture fixture;
  const std::string missing = fixture.dir.file("nope.h5");
  const std::string join_job = fixture.dir.file("join.ini");
  write_file(join_job, "[input.grid]\npath = " + fixture.input +
                           "\ndatasets = /station\n[input.dim]\npath = " + missing +
                           "\ndatasets = /station\n[join]\nleft = grid\nright = dim\n"
                           "on = station\n[output]\npath = " +
                           fixture.output + "\n");
  for (int np : {1, 3}) {
    SCOPED_TRACE("np " + std::to_string(np));
    expect_one_clear_error(fixture.run(np, {"input.path=" + missing}), 1,
                           {"cannot open '" + missing + "': no such file"}, fixture.out_dir);
    expect_one_clear_error(run_rankflow(np, {"run", join_job}, 120), 1,
                           {"cannot open '" + missing + "': no such file"}, fixture.out_dir);
  }
}

TEST(Hdf5TableJob, BadInputsAndKeysStopWithOneClearError) {
  const Fixture fixture;
  FixtureSpec short_column{"/short", {kRows - 1}, DType::kFloat32, false, {}, 0, 0, 0};
  write_fixture_serial(fixture.input, short_column, false);
  const std::vector<BadCase> cases = {
      {"missing dataset",
       {"input.datasets=/station, /temprature"},
       1,
       {"no dataset '/temprature' in '" + fixture.input + "'", "/temperature"}},
      {"unequal lengths",
       {"input.datasets=/station, /short"},
       1,
       {"equal lengths: /station has 301 rows, /short has 300"}},
      {"missing file", {"input.path=" + fixture.dir.file("nope.h5")}, 1, {"nope.h5"}},
      {"collective io", {"input.io=collective"}, 2, {"input.io", "independent or posix"}},
      {"misspelt key", {"input.datasest=/station"}, 2, {"datasest", "did you mean"}},
      {"no datasets", {"input.datasets=", "input.dataset="}, 2, {"datasets"}},
      {"unknown column", {"groupby.keys=statoin"}, 2, {"no column 'statoin'", "station"}},
      {"bad output layout",
       {"output.path=" + fixture.out_dir + "/w6.h5", "output.layout=rows"},
       2,
       {"output.layout", "columns, compound"}},
  };
  for (const BadCase& bad : cases) {
    for (int np : {1, 3}) {
      SCOPED_TRACE(bad.what + ", np " + std::to_string(np));
      const RunResult run = fixture.run(np, bad.sets);
      EXPECT_EQ(run.exit_code, bad.exit_code) << run.err;
      for (const std::string& message : bad.messages)
        EXPECT_TRUE(contains(run.err, message)) << run.err;
      EXPECT_EQ(list_dir(fixture.out_dir), std::vector<std::string>{});
    }
  }
}

}  // namespace
}  // namespace rankflow::test
