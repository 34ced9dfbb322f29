// rankflow on a real (private, single-node) Slurm cluster: tests/slurm/slurm_cluster.sh brings
// it up and runs this binary with SLURM_CONF set. Jobs are submitted the ways users do (plain
// sbatch of slurm/rankflow.sbatch, srun, `rankflow submit`) and what reaches the user is
// checked: exit codes, error messages, logs, outputs.
#include <gtest/gtest.h>

#include <cstdlib>

#include "rankflow/slurm/scheduler.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

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

}  // namespace
}  // namespace rankflow::test
