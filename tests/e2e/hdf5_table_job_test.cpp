// HDF5 table jobs through the CLI under mpirun (np 1..4): jobs/w6_station_means.ini on a small
// grid with tiny blocks and chunks, compared with a serial oracle computed here; and each kind
// of bad input (missing dataset, unequal lengths, bad keys): message, exit code, no hang,
// nothing left in the output folder.
#include <gtest/gtest.h>

#include "oracle/table_job_oracle.hpp"
#include "oracle/table_oracle.hpp"
#include "rankflow/ops/groupby.hpp"
#include "support/h5_fixture.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {
namespace {

using table::ColumnType;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

constexpr std::uint64_t kRows = 301;
constexpr std::uint64_t kColumns = 16;

const FixtureSpec kStation{"/station", {kRows}, DType::kInt8, false, {7}, 0, 0, 0};
const FixtureSpec kGrid{"/temperature", {kRows, kColumns}, DType::kFloat64, false, {5, 16}, 0, 0,
                        0};

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
    std::vector<std::string> args = {"run", source_dir() + "/jobs/w6_station_means.ini",
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
    const table::Table actual =
        oracle::read_csv_output(text, table::Schema(fields));
    EXPECT_EQ(oracle::diff(expected, oracle::result_map(actual, 1), 1e-9), "");
    EXPECT_EQ(oracle::rows_of(actual),
              oracle::stable_sort(actual, {{"station", false, false}}))
        << "not sorted";
  }
  // Byte blocks instead of rows, and POSIX reads.
  const RunResult run = fixture.run(3, {"input.block_size=300",
                                        "input.io=posix"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
}

struct BadCase {
  std::string what;
  std::vector<std::string> sets;
  int exit_code;
  std::vector<std::string> messages;
};

TEST(Hdf5TableJob, BadInputsAndKeysStopWithOneClearError) {
  const Fixture fixture;
  FixtureSpec short_column{"/short", {kRows - 1}, DType::kFloat32, false, {}, 0, 0, 0};
  write_fixture_serial(fixture.input, short_column, false);
  const std::vector<BadCase> cases = {
      {"missing dataset", {"input.datasets=/station, /temprature"}, 1,
       {"no dataset '/temprature' in '" + fixture.input + "'", "/temperature"}},
      {"unequal lengths", {"input.datasets=/station, /short"}, 1,
       {"equal lengths: /station has 301 rows, /short has 300"}},
      {"missing file", {"input.path=" + fixture.dir.file("nope.h5")}, 1, {"nope.h5"}},
      {"collective io", {"input.io=collective"}, 2, {"input.io", "independent or posix"}},
      {"misspelt key", {"input.datasest=/station"}, 2, {"datasest", "did you mean"}},
      {"no datasets", {"input.datasets=", "input.dataset="}, 2, {"datasets"}},
      {"unknown column", {"groupby.keys=statoin"}, 2, {"no column 'statoin'", "station"}},
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
