// The CLI as a user meets it: help, version, exit codes, config errors at every rank count.
#include <gtest/gtest.h>

#include "support/process.hpp"
#include "support/strings.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {
namespace {

TEST(Cli, VersionAndHelp) {
  RunResult version = run_rankflow(0, {"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_TRUE(contains(version.out, "rankflow " RANKFLOW_VERSION));
  RunResult help = run_rankflow(0, {"run", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_TRUE(contains(help.out, "--set"));
  RunResult unknown = run_rankflow(0, {"frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_TRUE(contains(unknown.err, "unknown command 'frobnicate'"));
}

TEST(Cli, MissingJobFileIsAConfigErrorAtEveryRankCount) {
  for (int np : {1, 2, 3, 4}) {
    RunResult run = run_rankflow(np, {"run", "/nonexistent/job.ini"}, 60);
    EXPECT_EQ(run.exit_code, 2) << "np " << np << "\n" << run.err;
    EXPECT_TRUE(contains(run.err, "cannot read job config '/nonexistent/job.ini'")) << run.err;
  }
}

TEST(Cli, UnknownSectionNamesTheFileAndSuggests) {
  TempDir dir;
  write_file(dir.file("job.ini"), "[jbo]\nname = x\n");
  for (int np : {1, 3}) {
    RunResult run = run_rankflow(np, {"run", dir.file("job.ini")}, 60);
    EXPECT_EQ(run.exit_code, 2) << run.err;
    EXPECT_TRUE(
        contains(run.err, dir.file("job.ini") + ": unknown section [jbo] (did you mean 'job'?)"))
        << run.err;
  }
}

TEST(Cli, BadSetOverrideIsAUsageError) {
  TempDir dir;
  write_file(dir.file("job.ini"), "[job]\nname = x\n");
  RunResult run = run_rankflow(2, {"run", dir.file("job.ini"), "--set", "nodot"}, 60);
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_TRUE(contains(run.err, "expected section.key=value")) << run.err;
}

}  // namespace
}  // namespace rankflow::test
