// Array jobs ([reduce], [center]) through the CLI under mpirun, as a user runs them: the files
// written are compared with the serial oracle, at several rank counts, with tiny blocks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "oracle/array_oracle.hpp"
#include "support/h5_fixture.hpp"
#include "support/process.hpp"
#include "support/strings.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {
namespace {

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
    ++count;
  return count;
}

std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(read_file(path));
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> fields;
    std::istringstream items(line);
    std::string field;
    while (std::getline(items, field, ',')) fields.push_back(field);
    rows.push_back(fields);
  }
  return rows;
}

bool close_to(long double want, long double have) {
  if (std::isnan(want)) return std::isnan(have);
  return std::fabs(have - want) <= 1e-12L * std::fabs(want) + 1e-300L;
}

// A job file in `dir` reading `input` (dataset /data) with the given extra lines.
std::string job_file(const TempDir& dir, const std::string& input, const std::string& body) {
  const std::string path = dir.file("job.ini");
  write_file(path, "[input]\npath = " + input + "\ndataset = /data\nblock_rows = 2\n" + body);
  return path;
}

struct Fixture {
  TempDir dir;
  std::string input;
  std::vector<long double> values;
  std::vector<std::uint64_t> shape;
  explicit Fixture(const FixtureSpec& spec) : input(dir.file("in.h5")) {
    write_fixture_serial(input, spec);
    values = read_serial(input, spec.name, &shape);
  }
};

FixtureSpec grid(std::vector<std::uint64_t> dims) {
  FixtureSpec spec;
  spec.dims = std::move(dims);
  spec.chunk = spec.dims;
  spec.chunk[0] = 4;
  spec.nan_every = 11;
  return spec;
}

TEST(ArrayJob, ColumnStatsCsvMatchesTheOracleAtEveryRankCount) {
  Fixture data(grid({23, 5}));
  const std::string out = data.dir.file("stats.csv");
  const std::string job = job_file(
      data.dir, data.input,
      "[reduce]\nfunctions = mean, std, min, max, count, sum\n[output]\npath = " + out + "\n");
  oracle::ArrayOracleOptions options;
  options.axis = 0;
  for (int np : {1, 2, 3, 4}) {
    RunResult run = run_rankflow(np, {"run", job}, 60);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(occurrences(run.out, "mean"), 1u) << "one table, from rank 0:\n" << run.out;
    const auto rows = read_csv(out);
    ASSERT_EQ(rows.size(), 6u);
    EXPECT_EQ(rows[0],
              (std::vector<std::string>{"col", "mean", "std", "min", "max", "count", "sum"}));
    for (std::size_t column = 1; column < rows[0].size(); ++column) {
      const auto expected = oracle::reduce_array(data.values, data.shape, rows[0][column], options);
      for (std::size_t cell = 0; cell < 5; ++cell)
        EXPECT_TRUE(close_to(expected[cell], std::strtold(rows[cell + 1][column].c_str(), nullptr)))
            << rows[0][column] << " col " << cell << " np " << np << ": " << rows[cell + 1][column];
    }
    EXPECT_EQ(list_dir(data.dir.path()),
              (std::vector<std::string>{"in.h5", "job.ini", "stats.csv"}));
  }
}

TEST(ArrayJob, RowResultsStreamToCsvAndHdf5) {
  Fixture data(grid({37, 2, 3}));
  oracle::ArrayOracleOptions options;
  options.axis = 2;
  const auto mean = oracle::reduce_array(data.values, data.shape, "mean", options);
  const std::string csv = data.dir.file("rows.csv");
  const std::string job =
      job_file(data.dir, data.input,
               "[reduce]\nfunctions = mean, nan_count\naxis = -1\n[output]\npath = " + csv + "\n");
  RunResult run = run_rankflow(3, {"run", job, "--set", "output.table=off"}, 60);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "");
  const auto rows = read_csv(csv);
  ASSERT_EQ(rows.size(), 37u * 2 + 1);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"row", "col", "mean", "nan_count"}));
  for (std::size_t cell = 0; cell < mean.size(); ++cell) {
    EXPECT_EQ(rows[cell + 1][0], std::to_string(cell / 2));
    EXPECT_TRUE(close_to(mean[cell], std::strtold(rows[cell + 1][2].c_str(), nullptr))) << cell;
  }
  const std::string h5 = data.dir.file("rows.h5");
  run = run_rankflow(
      4,
      {"run", job, "--set", "output.path=" + h5, "--set", "output.datasets=mean:/stats/row_mean"},
      60);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<std::uint64_t> dims;
  const std::vector<double> written = read_doubles(h5, "/stats/row_mean", &dims);
  EXPECT_EQ(dims, (std::vector<std::uint64_t>{37, 2}));
  for (std::size_t cell = 0; cell < mean.size(); ++cell)
    EXPECT_TRUE(close_to(mean[cell], written[cell])) << cell;
  EXPECT_EQ(read_int64s(h5, "/nan_count").size(), 74u);
  EXPECT_EQ(read_string_attribute(h5, "/stats/row_mean", "function"), "mean");
  EXPECT_EQ(read_string_attribute(h5, "/stats/row_mean", "ranks"), "4");
}

TEST(ArrayJob, Hdf5OutputCarriesProvenance) {
  Fixture data(grid({10, 3}));
  const std::string out = data.dir.file("stats.h5");
  const std::string job = job_file(
      data.dir, data.input,
      "[reduce]\nfunctions = var, max\naxis = all\nddof = 1\n[output]\npath = " + out + "\n");
  RunResult run = run_rankflow(2, {"run", job}, 60);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  oracle::ArrayOracleOptions options;
  options.ddof = 1;
  EXPECT_TRUE(close_to(oracle::reduce_array(data.values, data.shape, "var", options)[0],
                       read_doubles(out, "/var")[0]));
  EXPECT_EQ(read_string_attribute(out, "/", "rankflow_version"), RANKFLOW_VERSION);
  EXPECT_TRUE(contains(read_string_attribute(out, "/", "config"), "functions = var, max"));
  EXPECT_EQ(read_string_attribute(out, "/var", "input_path"), data.input);
  EXPECT_EQ(read_string_attribute(out, "/var", "axis"), "all");
  EXPECT_EQ(read_string_attribute(out, "/var", "ddof"), "1");
}

TEST(ArrayJob, CenteringWritesTheSameShapeInParallel) {
  Fixture data(grid({29, 4}));
  for (const auto& [kind, axis] :
       std::vector<std::pair<std::string, int>>{{"center", 1}, {"zscore", 0}}) {
    const std::string out = data.dir.file(kind + ".h5");
    const std::string job =
        job_file(data.dir, data.input,
                 "[center]\nkind = " + kind + "\naxis = " + std::to_string(axis) +
                     "\ndataset = /anomaly\n[output]\npath = " + out + "\n");
    // Both write modes: collective for the row means, independent for the z-scores.
    const std::string mode = kind == "center" ? "collective" : "independent";
    RunResult run = run_rankflow(3, {"run", job, "-v", "--set", "output.io=" + mode}, 60);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    // [output] io was documented but never read: every centering wrote collectively.
    EXPECT_TRUE(contains(run.err, "with " + mode + " MPI-IO writes")) << run.err;
    oracle::ArrayOracleOptions options;
    options.axis = static_cast<std::size_t>(axis);
    const auto expected = oracle::center_array(data.values, data.shape, kind == "zscore", options);
    std::vector<std::uint64_t> dims;
    const std::vector<double> written = read_doubles(out, "/anomaly", &dims);
    EXPECT_EQ(dims, data.shape);
    for (std::size_t idx = 0; idx < expected.size(); ++idx)
      EXPECT_TRUE(std::isnan(expected[idx]) ? std::isnan(written[idx])
                                            : std::fabs(written[idx] - expected[idx]) < 1e-9)
          << kind << " " << idx;
    EXPECT_EQ(read_string_attribute(out, "/anomaly", "kind"), kind);
  }
}

// A job with only [center] writes its own dataset ([center] path): it needed an [output] path
// it never wrote. `rankflow submit` runs the same checks without MPI and agrees.
TEST(ArrayJob, ACenterOnlyJobNeedsNoOutputPath) {
  Fixture data(grid({9, 3}));
  const std::string out = data.dir.file("anomaly.h5");
  const std::string job = job_file(data.dir, data.input,
                                   "[center]\naxis = 1\ndataset = /anomaly\npath = " + out + "\n");
  RunResult run = run_rankflow(2, {"run", job}, 60);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<std::uint64_t> dims;
  read_doubles(out, "/anomaly", &dims);
  EXPECT_EQ(dims, data.shape);
  RunResult submit =
      run_rankflow(0, {"submit", job, "--ntasks", "2", "--dry-run", "--log-dir", data.dir.path()});
  EXPECT_EQ(submit.exit_code, 0) << submit.err;

  // Nowhere to write the centered array: [center] path is the one to set.
  const std::string nowhere =
      job_file(data.dir, data.input, "[center]\naxis = 1\n[output]\ntable = off\n");
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"submit", nowhere, "--dry-run", "--log-dir", data.dir.path()},
        std::vector<std::string>{"run", nowhere}}) {
    RunResult failed = run_rankflow(command[0] == "run" ? 2 : 0, command, 60);
    EXPECT_EQ(failed.exit_code, 2) << failed.err;
    EXPECT_TRUE(contains(failed.err,
                         "[center] path: the centered array is written to an HDF5 "
                         "file: set [center] path (or [output] path)"))
        << failed.err;
  }
  // With [reduce] there is something else to write: [output] path stays required.
  const std::string reduce =
      job_file(data.dir, data.input, "[reduce]\nfunctions = mean\n[center]\npath = " + out + "\n");
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"submit", reduce, "--dry-run", "--log-dir", data.dir.path()},
        std::vector<std::string>{"run", reduce}}) {
    RunResult failed = run_rankflow(command[0] == "run" ? 2 : 0, command, 60);
    EXPECT_EQ(failed.exit_code, 2) << failed.err;
    EXPECT_TRUE(contains(failed.err, "[output] path")) << failed.err;
  }
}

TEST(ArrayJob, GenerateIsTheSameAtAnyRankCountAndInspectDescribesIt) {
  TempDir dir;
  for (int np : {1, 3}) {
    const std::string out = dir.file("grid" + std::to_string(np) + ".h5");
    RunResult run = run_rankflow(np,
                                 {"generate", "grid", out, "--rows", "1000", "--cols", "3",
                                  "--chunk-rows", "64", "--stations", "7", "--nan-every", "50"},
                                 60);
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }
  const auto one = read_serial(dir.file("grid1.h5"), "/temperature");
  const auto three = read_serial(dir.file("grid3.h5"), "/temperature");
  ASSERT_EQ(one.size(), 3000u);
  for (std::size_t idx = 0; idx < one.size(); ++idx)
    EXPECT_TRUE(one[idx] == three[idx] || (std::isnan(one[idx]) && std::isnan(three[idx]))) << idx;
  EXPECT_EQ(read_int64s(dir.file("grid1.h5"), "/station"),
            read_int64s(dir.file("grid3.h5"), "/station"));
  RunResult inspect = run_rankflow(0, {"inspect", dir.file("grid3.h5")}, 60);
  EXPECT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_TRUE(contains(inspect.out, "/temperature\n  shape       (1000, 3)")) << inspect.out;
  EXPECT_TRUE(contains(inspect.out, "chunks (64, 3)")) << inspect.out;
  EXPECT_TRUE(contains(inspect.out, "/station\n  shape       (1000,)\n  type        int64"))
      << inspect.out;
  EXPECT_EQ(run_rankflow(0, {"inspect", dir.file("none.h5")}, 60).exit_code, 1);
  EXPECT_EQ(run_rankflow(0, {"inspect"}, 60).exit_code, 2);
}

TEST(ArrayJob, ShippedJobsValidate) {
  for (const char* job : {"jobs/hdf5_column_stats.ini", "jobs/demo.ini", "jobs/hdf5_center.ini"}) {
    TempDir dir;
    RunResult generate = run_rankflow(
        2, {"generate", "grid", dir.file("grid.h5"), "--rows", "300", "--cols", "4"}, 60);
    ASSERT_EQ(generate.exit_code, 0) << generate.err;
    RunResult run = run_rankflow(
        2,
        {"run", source_dir() + "/" + job, "--set", "input.path=" + dir.file("grid.h5"), "--set",
         std::string("output.path=") + dir.file(contains(job, "center") ? "o.h5" : "o.csv")},
        60);
    EXPECT_EQ(run.exit_code, 0) << job << "\n" << run.err;
  }
}

}  // namespace
}  // namespace rankflow::test
