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

// `rankflow keys SECTION` shows that section's keys only; an unknown section or option is a
// usage error (exit 2) that says what is allowed.
TEST(Cli, KeysShowsOneSectionAndRejectsUnknownOnes) {
  RunResult all = run_rankflow(0, {"keys"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_TRUE(contains(all.out, "### [reduce]") && contains(all.out, "### [join]")) << all.out;
  for (const std::string& spelled : {std::string("reduce"), std::string("[reduce]")}) {
    RunResult reduce = run_rankflow(0, {"keys", spelled});
    ASSERT_EQ(reduce.exit_code, 0) << reduce.err;
    EXPECT_TRUE(contains(reduce.out, "### [reduce]") && contains(reduce.out, "`functions`"))
        << reduce.out;
    EXPECT_FALSE(contains(reduce.out, "### [join]")) << reduce.out;
    EXPECT_LT(reduce.out.size(), all.out.size() / 3) << reduce.out;
  }
  RunResult named = run_rankflow(0, {"keys", "input.sales"});
  EXPECT_EQ(named.exit_code, 0) << named.err;
  EXPECT_TRUE(contains(named.out, "### [input.*]")) << named.out;
  RunResult typo = run_rankflow(0, {"keys", "reduse"});
  EXPECT_EQ(typo.exit_code, 2) << typo.out;
  EXPECT_TRUE(contains(typo.err, "unknown section 'reduse' (did you mean 'reduce'?)")) << typo.err;
  EXPECT_TRUE(typo.out.empty()) << typo.out;
  RunResult bogus = run_rankflow(0, {"keys", "--bogus"});
  EXPECT_EQ(bogus.exit_code, 2) << bogus.out;
  EXPECT_TRUE(contains(bogus.err, "unknown option '--bogus'")) << bogus.err;
  EXPECT_TRUE(contains(bogus.err, "usage: rankflow keys [SECTION]")) << bogus.err;
}

// Issue #15: `inspect` on a CSV said only "not an HDF5 file". It shows what a job would read:
// the columns with their inferred types, the rows (estimated past the first block), the
// first rows; a CSV error names file and line as in a job.
TEST(Cli, InspectShowsACsvFileAsAJobReadsIt) {
  TempDir dir;
  std::string text = "id,name,price,day\n";
  for (int row = 0; row < 150000; ++row)  // more than one block (1 MiB and its slack)
    text += std::to_string(row) + ",item " + std::to_string(row % 7) + "," +
            std::to_string(row % 100) + ".5,2024-01-" + std::to_string(10 + row % 20) + "\n";
  write_file(dir.file("items.csv"), text);
  RunResult run = run_rankflow(0, {"inspect", dir.file("items.csv")}, 60);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(contains(run.out, "columns     4")) << run.out;
  EXPECT_TRUE(contains(run.out, "id                   int64")) << run.out;
  EXPECT_TRUE(contains(run.out, "name                 string")) << run.out;
  EXPECT_TRUE(contains(run.out, "price                float64")) << run.out;
  EXPECT_TRUE(contains(run.out, "day                  date")) << run.out;
  EXPECT_TRUE(contains(run.out, "rows        about ")) << run.out;
  EXPECT_TRUE(contains(run.out, "item 1")) << run.out;
  EXPECT_TRUE(contains(run.out, "schema = id:int64, name:string, price:float64, day:date"))
      << run.out;
  write_file(dir.file("small.csv"), "a,b\n1,x\n2,y\n");
  RunResult small = run_rankflow(0, {"inspect", dir.file("small.csv")}, 60);
  ASSERT_EQ(small.exit_code, 0) << small.err;
  EXPECT_TRUE(contains(small.out, "rows        2\n")) << small.out;
  write_file(dir.file("bad.csv"), "a,b\n1,\"x\n");
  RunResult bad = run_rankflow(0, {"inspect", dir.file("bad.csv")}, 60);
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
  EXPECT_TRUE(contains(bad.err, "bad.csv: line 2: unterminated quoted field")) << bad.err;
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

// mpirun on one node: rankflow picks Open MPI's shared-memory transport before MPI_Init
// (comm/environment.hpp), unless told not to or the user chose one; a broadcast join (a
// node-shared MPI window) gives the same result either way.
TEST(Cli, OneNodeRunsChooseSharedMemoryUnlessTheUserChose) {
  TempDir dir;
  write_file(dir.file("facts.csv"), "key,value\n1,2.5\n2,4\n1,1\n3,8\n2,0.5\n");
  write_file(dir.file("dim.csv"), "key,region\n1,north\n2,south\n3,north\n");
  write_file(dir.file("job.ini"),
             "[input.facts]\npath = " + dir.file("facts.csv") +
                 "\n[input.dim]\npath = " + dir.file("dim.csv") +
                 "\n[join]\nleft = facts\nright = dim\non = key\nstrategy = broadcast\n"
                 "[groupby]\nkeys = region\naggregate = sum(value)\n[output]\npath = " +
                 dir.file("out.csv") + "\nsort = region\n");
  const std::string chosen = "all ranks on one node: Open MPI's shared-memory transport";
  const struct {
    std::vector<std::string> env;
    bool expect_chosen;
  } cases[] = {{{}, true}, {{"RANKFLOW_MPI_AUTO_SHM=0"}, false}, {{"OMPI_MCA_pml=ob1"}, false}};
  for (const auto& run_case : cases) {
    const std::string what = run_case.env.empty() ? "default" : run_case.env.front();
    RunResult run = run_rankflow(3, {"run", "-v", dir.file("job.ini")}, 60, run_case.env);
    ASSERT_EQ(run.exit_code, 0) << what << "\n" << run.err;
    EXPECT_EQ(contains(run.err, chosen), run_case.expect_chosen) << what << "\n" << run.err;
    EXPECT_EQ(read_file(dir.file("out.csv")), "region,sum_value\nnorth,11.5\nsouth,4.5\n") << what;
  }
}

// rankflow run re-executes itself once with glibc's malloc tunables (huge pages) and puts the
// user's GLIBC_TUNABLES back before the job starts: child processes see what the user set, and
// the process keeps its name.
TEST(Cli, MallocTuningKeepsTheUsersTunablesForChildren) {
  TempDir dir;
  write_file(dir.file("in.csv"), "a,b\n1,2\n3,4\n");
  write_file(dir.file("job.ini"), "[input]\npath = " + dir.file("in.csv") +
                                      "\n[output]\npath = " + dir.file("out.csv") + "\n");
  const std::vector<std::string> args = {"run", dir.file("job.ini"), "--verbose"};
#if !defined(__SANITIZE_ADDRESS__)  // ASan has its own allocator: no tuning
  RunResult user = run_rankflow(2, args, 60, {"GLIBC_TUNABLES=glibc.malloc.perturb=0"});
  EXPECT_EQ(user.exit_code, 0) << user.err;
  EXPECT_TRUE(contains(user.err, "malloc tuning on (docs/memory.md); child processes get "
                                 "GLIBC_TUNABLES=glibc.malloc.perturb=0"))
      << user.err;
  RunResult unset = run_rankflow(1, args, 60);
  EXPECT_EQ(unset.exit_code, 0) << unset.err;
  EXPECT_TRUE(contains(unset.err, "malloc tuning on (docs/memory.md); child processes get "
                                  "GLIBC_TUNABLES=(unset)"))
      << unset.err;
  // The re-executed process keeps its name (top, pidof and pkill find "rankflow", not "exe").
  EXPECT_TRUE(contains(unset.err, "; process name rankflow")) << unset.err;
#endif
  RunResult off = run_rankflow(2, args, 60, {"RANKFLOW_MALLOC_TUNING=off"});
  EXPECT_EQ(off.exit_code, 0) << off.err;
  EXPECT_TRUE(contains(off.err, "malloc tuning off")) << off.err;
  EXPECT_FALSE(contains(off.err, "malloc tuning on")) << off.err;
}

// `rankflow` is a small entry program that starts the program (libexec/rankflow/rankflow) with the
// tunables in one exec. The program started directly re-executes itself instead, with the same
// result; batch scripts name the entry program, what users run; without its program it says
// where it looked.
TEST(Cli, TheRankflowCommandStartsTheProgramAndBatchScriptsNameIt) {
  TempDir dir;
  write_file(dir.file("in.csv"), "a,b\n1,2\n3,4\n");
  write_file(dir.file("job.ini"), "[input]\npath = " + dir.file("in.csv") +
                                      "\n[output]\npath = " + dir.file("out.csv") + "\n");
#if !defined(__SANITIZE_ADDRESS__)
  RunResult direct = run_process({RANKFLOW_MPIEXEC, "-np", "2", "--oversubscribe",
                                  rankflow_program(), "run", dir.file("job.ini"), "--verbose"},
                                 60);
  EXPECT_EQ(direct.exit_code, 0) << direct.err;
  EXPECT_TRUE(contains(direct.err, "malloc tuning on (docs/memory.md); child processes get "
                                   "GLIBC_TUNABLES=(unset); process name rankflow"))
      << direct.err;
#endif
  RunResult script = run_rankflow(0, {"submit", dir.file("job.ini"), "--ntasks", "2", "--dry-run",
                                      "--log-dir", dir.path()});
  ASSERT_EQ(script.exit_code, 0) << script.err;
  EXPECT_TRUE(contains(script.out, "rankflow='" + rankflow_cli() + "'")) << script.out;
  EXPECT_FALSE(contains(script.out, "libexec")) << script.out;

  const std::string lone = dir.file("rankflow");
  ASSERT_EQ(run_process({"cp", rankflow_cli(), lone}).exit_code, 0);
  RunResult alone = run_process({lone, "--version"});
  EXPECT_EQ(alone.exit_code, 1);
  EXPECT_TRUE(contains(alone.err, "rankflow: cannot start the rankflow program '" + dir.path() +
                                      "/../libexec/rankflow/rankflow': No such file or directory"))
      << alone.err;
}

}  // namespace
}  // namespace rankflow::test
