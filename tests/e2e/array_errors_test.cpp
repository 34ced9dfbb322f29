// Array jobs that must fail: one clear message (what and where), the right exit code, no rank
// left hanging (every run has a timeout), and no output left behind or truncated.
#include <gtest/gtest.h>

#include "support/h5_fixture.hpp"
#include "support/process.hpp"
#include "support/strings.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {
namespace {

constexpr int kTimeout = 60;

struct JobSetup {
  TempDir dir;
  std::string input = dir.file("in.h5");
  std::string output = dir.file("out/stats.csv");
  std::string job = dir.file("job.ini");
  JobSetup() {
    FixtureSpec spec;
    spec.dims = {40, 3};
    spec.chunk = {8, 3};
    write_fixture_serial(input, spec);
    run_process({"mkdir", "-p", dir.file("out")});
    write_file(job, "[input]\npath = " + input +
                        "\ndataset = /data\nblock_rows = 3\n"
                        "[reduce]\nfunctions = mean, std\n[output]\npath = " +
                        output + "\n");
  }
  // The output folder holds nothing (no result, no temporary, no part file).
  std::vector<std::string> leftovers() const { return list_dir(dir.file("out")); }
};

void expect_failure(const RunResult& run, int exit_code, const std::string& message) {
  EXPECT_NE(run.exit_code, 124) << "a rank hung:\n" << run.err;
  EXPECT_EQ(run.exit_code, exit_code) << run.err;
  EXPECT_TRUE(contains(run.err, message)) << "expected '" << message << "' in:\n" << run.err;
}

TEST(ArrayJobErrors, MissingInputFileIsARuntimeError) {
  JobSetup setup;
  for (int np : {1, 3}) {
    RunResult run = run_rankflow(
        np, {"run", setup.job, "--set", "input.path=" + setup.dir.file("nope.h5")}, kTimeout);
    expect_failure(run, 1, "cannot open '" + setup.dir.file("nope.h5") + "': no such file");
    EXPECT_TRUE(setup.leftovers().empty());
  }
}

TEST(ArrayJobErrors, MissingDatasetListsTheDatasets) {
  JobSetup setup;
  RunResult run = run_rankflow(2, {"run", setup.job, "--set", "input.dataset=/dta"}, kTimeout);
  expect_failure(run, 1, "no dataset '/dta' in '" + setup.input + "'; datasets are: /data");
  EXPECT_TRUE(setup.leftovers().empty());
}

TEST(ArrayJobErrors, AxisOutOfRangeNamesTheKeyBeforeReading) {
  JobSetup setup;
  for (int np : {1, 4}) {
    RunResult run = run_rankflow(np, {"run", setup.job, "--set", "reduce.axis=2"}, kTimeout);
    expect_failure(run, 2,
                   "--set reduce.axis = '2': /data has 2 axes: expected 0..1, -2..-1 or all");
    EXPECT_TRUE(setup.leftovers().empty());
  }
  write_file(setup.job, read_file(setup.job) +
                            "[center]\naxis = -3\npath = " + setup.dir.file("out/c.h5") + "\n");
  RunResult run = run_rankflow(2, {"run", setup.job}, kTimeout);
  expect_failure(run, 2, setup.job + ": [center] axis = '-3': /data has 2 axes");
}

TEST(ArrayJobErrors, ConfigTyposAndBadValuesAreUsageErrors) {
  JobSetup setup;
  struct Case {
    std::string set;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"reduce.functons=mean", "unknown key 'functons' in [reduce] (did you mean 'functions'?)"},
      {"reduce.functions=meen, std", "unknown function 'meen' (did you mean 'mean'?)"},
      {"reduce.nan=ignore", "--set reduce.nan = 'ignore': expected one of: skip, propagate"},
      {"reduce.ddof=-1", "expected a whole number from 0 to"},
      {"reduce.axis=first", "expected an axis number"},
      {"input.io=mmap", "expected one of: independent, collective, posix"},
      {"output.io=posix", "--set output.io = 'posix': expected one of: collective, independent"},
      {"output.path=" + setup.dir.file("out/x.txt"), "cannot tell the format from the extension"},
  };
  for (const Case& c : cases) {
    RunResult run = run_rankflow(1, {"run", setup.job, "--set", c.set}, kTimeout);
    expect_failure(run, 2, c.message);
  }
  write_file(setup.job,
             "[input]\npath = x.h5\n[reduce]\nfunctions = mean\n[output]\npath = o.csv\n");
  expect_failure(run_rankflow(1, {"run", setup.job}, kTimeout), 2,
                 "[input] dataset: this key is required");
  EXPECT_TRUE(setup.leftovers().empty());
}

TEST(ArrayJobErrors, UnwritableOutputFolderFailsBeforeReading) {
  JobSetup setup;
  RunResult run = run_rankflow(
      3, {"run", setup.job, "--set", "output.path=" + setup.dir.file("missing/stats.csv")},
      kTimeout);
  expect_failure(run, 1, "the folder '" + setup.dir.file("missing") + "' does not exist");
  write_file(setup.dir.file("file"), "x");
  run = run_rankflow(
      2, {"run", setup.job, "--set", "output.path=" + setup.dir.file("file/stats.h5")}, kTimeout);
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_TRUE(contains(run.err, "cannot write '" + setup.dir.file("file/stats.h5") + "'"))
      << run.err;
}

TEST(ArrayJobErrors, FailureOnOneRankStopsEveryRankAndLeavesNothing) {
  JobSetup setup;
  write_file(setup.output, "previous results\n");
  const std::string h5 = setup.dir.file("out/c.h5");
  const std::string job = read_file(setup.job);
  struct Case {
    std::string phase;
    int rank;
    std::string extra;  // --set for jobs that need other paths
  };
  const std::vector<Case> cases = {
      {"reducing", 1, ""},
      {"opening the input", 2, ""},
      {"writing the output", 0, ""},
      {"writing the output", 2, "output.path=" + setup.dir.file("out/s.h5")},
      {"reducing", 2, "reduce.axis=1"},
      {"reducing", 0, "reduce.axis=1"},
      {"closing the output", 1, ""}};
  for (const Case& c : cases) {
    std::vector<std::string> args = {"run", setup.job};
    if (!c.extra.empty()) args.insert(args.end(), {"--set", c.extra});
    RunResult run = run_rankflow(
        3, args, kTimeout, {"RANKFLOW_INJECT_FAILURE=" + c.phase + ":" + std::to_string(c.rank)});
    expect_failure(
        run, 1,
        "rank " + std::to_string(c.rank) + " of 3 failed while " + c.phase + ": injected failure");
    EXPECT_EQ(read_file(setup.output), "previous results\n") << c.phase;
    EXPECT_EQ(setup.leftovers(), std::vector<std::string>{"stats.csv"}) << c.phase;
  }
  write_file(setup.job, job + "[center]\naxis = 0\npath = " + h5 + "\n");
  RunResult run =
      run_rankflow(4, {"run", setup.job}, kTimeout, {"RANKFLOW_INJECT_FAILURE=centering:3"});
  expect_failure(run, 1, "rank 3 of 4 failed while centering: injected failure");
  EXPECT_EQ(setup.leftovers(), std::vector<std::string>{"stats.csv"});
}

TEST(ArrayJobErrors, IntegerSumOverflowNamesTheColumn) {
  TempDir dir;
  FixtureSpec spec;
  spec.dims = {20, 2};
  spec.dtype = DType::kInt64;
  spec.offset = std::int64_t{1} << 60;
  write_fixture_serial(dir.file("big.h5"), spec);
  write_file(dir.file("job.ini"), "[input]\npath = " + dir.file("big.h5") +
                                      "\ndataset = /data\n"
                                      "[reduce]\nfunctions = sum, mean\n[output]\npath = " +
                                      dir.file("s.csv") + "\n");
  RunResult run = run_rankflow(2, {"run", dir.file("job.ini")}, kTimeout);
  expect_failure(run, 1, "the sum of /data[:, 0] is ");
  EXPECT_TRUE(contains(run.err, "does not fit in int64")) << run.err;
  EXPECT_FALSE(file_exists(dir.file("s.csv")));
}

}  // namespace
}  // namespace rankflow::test
