// rankflow on a real (private, single-node) Slurm cluster: tests/slurm/slurm_cluster.sh brings
// it up and runs this binary with SLURM_CONF set. Jobs are submitted the ways users do (plain
// sbatch of slurm/rankflow.sbatch, srun, `rankflow submit`) and what reaches the user is
// checked: exit codes, error messages, logs, outputs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>

#include "oracle/array_oracle.hpp"
#include "rankflow/slurm/scheduler.hpp"
#include "support/h5_fixture.hpp"
#include "support/process.hpp"
#include "support/strings.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {
namespace {

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t found = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++found;
  return found;
}

std::string trim(const std::string& text) {
  const auto end = text.find_last_not_of(" \n");
  return end == std::string::npos ? "" : text.substr(0, end + 1);
}

// Every job here has a time limit of a few minutes, so Slurm ends a job that hangs and
// wait_for_job returns; CTest's TIMEOUT is the last resort.
class Slurm : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(std::getenv("SLURM_CONF"), nullptr)
        << "run this test through tests/slurm/slurm_cluster.sh run -- "
        << "test_slurm_e2e";
  }
};

TEST_F(Slurm, SrunOffersPmix) {
  const RunResult list = run_process({"srun", "--mpi=list"}, 30);
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_TRUE(contains(list.out + list.err, "pmix")) << list.out << list.err;
}

// Both ranks started by srun --mpi=pmix form one MPI world: they agree on the error, and only
// rank 0 prints it (two singletons would print it twice).
TEST_F(Slurm, SrunPmixStartsOneWorldThatAgreesOnErrors) {
  TempDir dir;
  write_file(dir.file("empty.ini"), "[job]\nname = empty\n");
  const RunResult run = run_process({"srun", "--mpi=pmix", "--kill-on-bad-exit=1", "-n", "2",
                                     rankflow_cli(), "run", dir.file("empty.ini")},
                                    60);
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_EQ(count(run.err, "rankflow: error: " + dir.file("empty.ini")), 1u) << run.err;
}

// The plain template, as a user submits it: the job fails with rankflow's exit code, and the
// error log (named after the job and its id) says why.
TEST_F(Slurm, TemplateJobThatFailsReportsExitCodeAndMessage) {
  TempDir dir;
  write_file(dir.file("empty.ini"), "[job]\nname = empty\n");
  const RunResult sbatch = run_process(
      {"sbatch", "--parsable", "--chdir=" + dir.path(), "--job-name=tmpl", "--ntasks=2", "--time=2",
       "--ntasks-per-node=2", source_dir() + "/slurm/rankflow.sbatch", "empty.ini"},
      60, {"RANKFLOW=" + rankflow_cli()});
  ASSERT_EQ(sbatch.exit_code, 0) << sbatch.err;
  const std::string job_id = trim(sbatch.out);
  const slurm::JobStatus status = slurm::wait_for_job(job_id);
  EXPECT_EQ(status.state, "FAILED");
  EXPECT_EQ(status.exit_code(), 2);
  const std::string err = read_file(dir.file("tmpl-" + job_id + ".err"));
  EXPECT_TRUE(contains(err, "rankflow.sbatch: Slurm job " + job_id + ": 2 tasks")) << err;
  EXPECT_TRUE(contains(err, "rankflow: error: empty.ini: ")) << err;
  EXPECT_TRUE(file_exists(dir.file("tmpl-" + job_id + ".out")));
}

TEST_F(Slurm, TemplateWithoutAJobConfigSaysHowToUseIt) {
  TempDir dir;
  const RunResult sbatch =
      run_process({"sbatch", "--parsable", "--chdir=" + dir.path(), "--job-name=noargs", "--time=2",
                   source_dir() + "/slurm/rankflow.sbatch"},
                  60, {"RANKFLOW=" + rankflow_cli()});
  ASSERT_EQ(sbatch.exit_code, 0) << sbatch.err;
  const std::string job_id = trim(sbatch.out);
  EXPECT_EQ(slurm::wait_for_job(job_id).exit_code(), 2);
  EXPECT_TRUE(contains(read_file(dir.file("noargs-" + job_id + ".err")),
                       "usage: sbatch rankflow.sbatch JOB.ini"));
}

TEST_F(Slurm, SubmitChecksTheConfigBeforeSlurmSeesIt) {
  TempDir dir;
  write_file(dir.file("typo.ini"), "[jbo]\nname = x\n");
  const RunResult submit = run_process(
      {rankflow_cli(), "submit", dir.file("typo.ini"), "--ntasks", "2", "--log-dir", dir.path()},
      60);
  EXPECT_EQ(submit.exit_code, 2) << submit.err;
  EXPECT_TRUE(contains(submit.err, "unknown section [jbo] (did you mean 'job'?)")) << submit.err;
  EXPECT_FALSE(contains(submit.out, "Submitted")) << submit.out;
  const RunResult queue = run_process({"squeue", "-h", "-n", "typo"}, 30);
  EXPECT_EQ(trim(queue.out), "");
}

std::string host_name() {
  char buffer[256] = {};
  gethostname(buffer, sizeof(buffer) - 1);
  return buffer;
}

// "Submitted Slurm job 123 (name)" -> "123".
std::string submitted_id(const std::string& out) {
  const std::string marker = "Submitted Slurm job ";
  const auto at = out.find(marker);
  if (at == std::string::npos) return "";
  const auto begin = at + marker.size();
  return out.substr(begin, out.find(' ', begin) - begin);
}

// A small HDF5 grid (23 x 5, NaNs here and there) and the shipped column-statistics job,
// pointed at it with --set, as a user would reuse jobs/hdf5_column_stats.ini.
struct ColumnStats {
  TempDir dir;
  FixtureSpec spec;
  std::string input = dir.file("grid.h5");
  std::string output = dir.file("stats.h5");
  std::vector<long double> values;
  std::vector<std::uint64_t> shape;
  ColumnStats() {
    spec.dims = {23, 5};
    spec.chunk = {4, 5};
    spec.nan_every = 11;
    write_fixture_serial(input, spec);
    values = read_serial(input, spec.name, &shape);
  }
  std::vector<std::string> submit_args(const std::vector<std::string>& more) const {
    std::vector<std::string> args = {rankflow_cli(),
                                     "submit",
                                     source_dir() + "/jobs/hdf5_column_stats.ini",
                                     "--ntasks",
                                     "2",
                                     "--time",
                                     "2",
                                     "--log-dir",
                                     dir.path(),
                                     "--set",
                                     "input.path=" + input,
                                     "--set",
                                     "input.dataset=" + spec.name,
                                     "--set",
                                     "input.block_rows=2",
                                     "--set",
                                     "output.path=" + output};
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }
  void expect_output_matches_the_oracle() const {
    for (const char* function : {"mean", "std", "min", "max", "count"}) {
      oracle::ArrayOracleOptions options;
      options.axis = 0;
      const auto expected = oracle::reduce_array(values, shape, function, options);
      const std::vector<double> written = read_doubles(output, std::string("/") + function);
      ASSERT_EQ(written.size(), expected.size()) << function;
      for (std::size_t col = 0; col < expected.size(); ++col)
        EXPECT_NEAR(static_cast<double>(expected[col]), written[col],
                    1e-12 * std::fabs(static_cast<double>(expected[col])) + 1e-300)
            << function << " column " << col;
    }
  }
};

// The whole path a user takes: submit --wait of a 2-task job, the job runs under srun with
// PMIx, the output matches the serial oracle and records its Slurm job and layout.
TEST_F(Slurm, SubmitWaitRunsATwoTaskJobAndRecordsItsLayout) {
  ColumnStats job;
  const RunResult submit = run_process(job.submit_args({"--wait"}), 120);
  ASSERT_EQ(submit.exit_code, 0) << submit.out << submit.err;
  const std::string job_id = submitted_id(submit.out);
  ASSERT_FALSE(job_id.empty()) << submit.out;
  EXPECT_TRUE(contains(submit.out, "Slurm job " + job_id + " COMPLETED on " + host_name()))
      << submit.out;
  const std::string err_log = job.dir.file("hdf5_column_stats-" + job_id + ".err");
  EXPECT_TRUE(contains(submit.out, "error log:  " + err_log)) << submit.out;
  job.expect_output_matches_the_oracle();
  const std::string& out = job.output;
  EXPECT_EQ(read_string_attribute(out, "/", "slurm_job_id"), job_id);
  EXPECT_EQ(read_string_attribute(out, "/", "slurm_ntasks"), "2");
  EXPECT_EQ(read_string_attribute(out, "/", "slurm_tasks_per_node"), "2");
  EXPECT_EQ(read_string_attribute(out, "/", "slurm_nodelist"), host_name());
  EXPECT_EQ(read_string_attribute(out, "/", "slurm_partition"), "debug");
  EXPECT_EQ(read_string_attribute(out, "/", "ranks"), "2");
  EXPECT_EQ(read_string_attribute(out, "/", "nodes"), "1");
  EXPECT_TRUE(contains(read_string_attribute(out, "/", "config"), "block_rows = 2"));
  // The job's log: the script's first line, then rank 0's start line with the job id prefix
  // and the provenance summary.
  const std::string log = read_file(err_log);
  EXPECT_TRUE(contains(log, "rankflow.sbatch: Slurm job " + job_id + ": 2 tasks on " + host_name() +
                                " (2 per node) with srun"))
      << log;
  EXPECT_TRUE(
      contains(log, "rankflow[job " + job_id +
                        " 0/2] info: rankflow " RANKFLOW_VERSION ", 2 ranks on 1 node, Slurm job " +
                        job_id + " (nodes " + host_name() + ", tasks per node 2, partition debug)"))
      << log;
}

TEST_F(Slurm, MpirunInsideTheAllocationRunsTheSameJob) {
  ColumnStats job;
  const RunResult submit = run_process(job.submit_args({"--launcher", "mpirun", "--wait"}), 120);
  ASSERT_EQ(submit.exit_code, 0) << submit.out << submit.err;
  job.expect_output_matches_the_oracle();
  EXPECT_EQ(read_string_attribute(job.output, "/", "ranks"), "2");
}

// A job that passes the login-node checks and fails on the nodes (its input is missing): the
// job's exit code and rankflow's message reach the user of submit --wait, and no output.
TEST_F(Slurm, SubmitWaitReportsAFailingJob) {
  ColumnStats job;
  const std::string missing = job.dir.file("no such grid.h5");
  std::vector<std::string> args = job.submit_args({"--wait", "--set", "input.path=" + missing});
  const RunResult submit = run_process(args, 120);
  EXPECT_EQ(submit.exit_code, 1) << submit.out << submit.err;
  const std::string job_id = submitted_id(submit.out);
  ASSERT_FALSE(job_id.empty()) << submit.out;
  EXPECT_TRUE(contains(submit.err, "Slurm job " + job_id + " ended FAILED (exit code 1:0"))
      << submit.err;
  EXPECT_TRUE(
      contains(submit.err, "error log:  " + job.dir.file("hdf5_column_stats-" + job_id + ".err")))
      << submit.err;
  EXPECT_TRUE(contains(submit.err, "rankflow: error: ")) << submit.err;
  EXPECT_TRUE(contains(submit.err, missing)) << submit.err;
  EXPECT_FALSE(file_exists(job.output));
}

TEST_F(Slurm, SlurmRefusalsAndAMissingSbatchAreExitOneWithSlurmsMessage) {
  ColumnStats job;
  const RunResult partition = run_process(job.submit_args({"--partition", "nosuch"}), 60);
  EXPECT_EQ(partition.exit_code, 1);
  EXPECT_TRUE(contains(partition.err, "sbatch refused the job")) << partition.err;
  EXPECT_TRUE(contains(partition.err, "Invalid partition name specified")) << partition.err;
  // More nodes than the cluster has: refused at once (EnforcePartLimits), never pending.
  const RunResult nodes = run_process(job.submit_args({"--nodes", "5"}), 60);
  EXPECT_EQ(nodes.exit_code, 1);
  EXPECT_TRUE(contains(nodes.err, "sbatch refused the job")) << nodes.err;
  const RunResult no_sbatch =
      run_process(job.submit_args({}), 60, {"PATH=" + job.dir.path() + "/no-bin"});
  EXPECT_EQ(no_sbatch.exit_code, 1);
  EXPECT_TRUE(contains(no_sbatch.err, "cannot run sbatch")) << no_sbatch.err;
  EXPECT_EQ(trim(run_process({"squeue", "-h"}, 30).out), "");
}

// Hostile names through the real sbatch: Slurm gets the job name as typed, the logs are named
// after it, the job config with shell syntax in its name runs, and nothing is executed.
TEST_F(Slurm, HostileNamesReachSlurmAsTypedAndRunNothing) {
  ColumnStats job;
  const std::string name = "x $(touch CANARY) `touch CANARY`; \" 'q' \\ #";
  const std::string config = job.dir.file("$(touch CANARY) 'a' \"b\"; `c`.ini");
  write_file(config, read_file(source_dir() + "/jobs/hdf5_column_stats.ini"));
  std::vector<std::string> dry_args = job.submit_args({"--dry-run", "--job-name", name});
  dry_args[2] = config;
  const RunResult dry = run_process(dry_args, 60);
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  write_file(job.dir.file("dry.sbatch"), dry.out);
  EXPECT_EQ(run_process({"bash", "-n", job.dir.file("dry.sbatch")}, 30).exit_code, 0);
  std::vector<std::string> args = job.submit_args({"--wait", "--job-name", name});
  args[2] = config;
  const RunResult submit = run_process(args, 120);
  ASSERT_EQ(submit.exit_code, 0) << submit.out << submit.err;
  const std::string job_id = submitted_id(submit.out);
  EXPECT_TRUE(file_exists(job.dir.file(name + "-" + job_id + ".err"))) << submit.out;
  const RunResult show = run_process({"scontrol", "show", "job", job_id}, 30);
  EXPECT_TRUE(contains(show.out, "JobName=" + name + "\n")) << show.out;
  job.expect_output_matches_the_oracle();
  EXPECT_TRUE(contains(read_string_attribute(job.output, "/", "config_path"), "'a' \"b\"; `c`"));
  EXPECT_FALSE(file_exists(job.dir.file("CANARY")));
  EXPECT_FALSE(file_exists("CANARY"));
}

}  // namespace
}  // namespace rankflow::test
