// The batch script of `rankflow submit`: quoting that no value can escape, directives sbatch
// reads back as given, and the settings the script hands to srun/mpirun. Runs bash, no Slurm.
#include "rankflow/slurm/batch_script.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "rankflow/core/error.hpp"
#include "rankflow/core/process.hpp"
#include "rankflow/slurm/scheduler.hpp"

namespace rankflow::slurm {

using process::CommandResult;
using process::run_command;

namespace {

namespace fs = std::filesystem;

// Values a user could type, or a file could be called, that a careless script would execute.
const std::vector<std::string> kHostile = {"$(touch CANARY)",
                                           "`touch CANARY`",
                                           "a; touch CANARY",
                                           "it's",
                                           "\"quoted\" name",
                                           "back\\slash",
                                           "new\nline; touch CANARY",
                                           "$HOME ${PATH} $((1+1))",
                                           "*",
                                           "-n",
                                           "' ; touch CANARY ; '",
                                           "tab\there",
                                           "",
                                           "🙂 unicode"};

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = fs::temp_directory_path().string() + "/rankflow-batch-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string write(const std::string& name, const std::string& text, bool executable = false) {
    const std::string file = path_ + "/" + name;
    std::ofstream(file, std::ios::binary) << text;
    if (executable) chmod(file.c_str(), 0755);
    return file;
  }

 private:
  std::string path_;
};

std::vector<std::string> split_nul(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t at = text.find('\0'); at != std::string::npos; at = text.find('\0', start)) {
    out.push_back(text.substr(start, at - start));
    start = at + 1;
  }
  return out;
}

BatchRequest request_in(const std::string& dir) {
  BatchRequest request;
  request.job_name = "stats";
  request.ntasks = 2;
  request.log_dir = dir;
  request.rankflow = "/bin/true";
  request.run_args = {dir + "/job.ini"};
  return request;
}

std::string config_error(const BatchRequest& request) {
  try {
    render_batch_script(request);
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
    return error.what();
  }
  return "no error";
}

TEST(ShellQuote, BashReadsBackEveryValueExactly) {
  ScratchDir dir;
  for (const std::string& value : kHostile) {
    const std::string command =
        "cd " + shell_quote(dir.path()) + " && printf '%s\\0' " + shell_quote(value);
    const CommandResult result = run_command({"bash", "-c", command});
    ASSERT_TRUE(result.started);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, value + std::string(1, '\0'));
  }
  EXPECT_FALSE(fs::exists(dir.path() + "/CANARY"));
}

TEST(DirectiveQuote, PlainValuesStayAndOthersAreQuotedTheWaySbatchReadsThem) {
  EXPECT_EQ(directive_quote("proj-42_a.b", "x"), "proj-42_a.b");
  EXPECT_EQ(directive_quote("/scratch/logs/%x-%j.out", "x"), "/scratch/logs/%x-%j.out");
  EXPECT_EQ(directive_quote("a b", "x"), "\"a b\"");
  EXPECT_EQ(directive_quote("say \"hi\" \\o/", "x"), "\"say \\\"hi\\\" \\\\o/\"");
  EXPECT_EQ(directive_quote("$(x) `y`; 'z'", "x"), "\"$(x) `y`; 'z'\"");
  EXPECT_EQ(directive_quote("", "x"), "\"\"");
  EXPECT_THROW(directive_quote("a\nb", "x"), Error);
  EXPECT_THROW(directive_quote("a\rb", "x"), Error);
  EXPECT_THROW(directive_quote(std::string("a\x7f"), "x"), Error);
}

TEST(BatchScript, TemplateIsValidBashWithBothBlocks) {
  const std::string& text = sbatch_template();
  EXPECT_NE(text.find("\n### rankflow submit: directives\n"), std::string::npos);
  EXPECT_NE(text.find("\n### rankflow submit: settings\n"), std::string::npos);
  EXPECT_NE(text.find("srun --kill-on-bad-exit=1 --mpi=\"$mpi\""), std::string::npos);
  ScratchDir dir;
  const CommandResult check = run_command({"bash", "-n", dir.write("t.sbatch", text)});
  EXPECT_EQ(check.exit_code, 0) << check.err;
}

TEST(BatchScript, DirectivesFollowTheOptions) {
  ScratchDir dir;
  BatchRequest request = request_in(dir.path());
  request.nodes = 4;
  request.ntasks_per_node = 32;
  request.ntasks.reset();
  request.time = "01:30:00";
  request.partition = "compute";
  request.account = "proj 42";
  request.sbatch_args = {"--mem-per-cpu=4G", "--exclusive", "--comment=a \"b\"", "-C gpu"};
  const std::string script = render_batch_script(request);
  const std::string expected =
      "### rankflow submit: directives\n"
      "#SBATCH --job-name=stats\n#SBATCH --nodes=4\n#SBATCH --ntasks-per-node=32\n"
      "#SBATCH --time=01:30:00\n#SBATCH --partition=compute\n#SBATCH --account=\"proj 42\"\n"
      "#SBATCH --output=" +
      dir.path() + "/%x-%j.out\n#SBATCH --error=" + dir.path() +
      "/%x-%j.err\n#SBATCH --mem-per-cpu=4G\n#SBATCH --exclusive\n"
      "#SBATCH --comment=\"a \\\"b\\\"\"\n#SBATCH -C gpu\n"
      "### rankflow submit: end of directives\n";
  EXPECT_NE(script.find(expected), std::string::npos) << script;
  // Nothing of the template's own directives is left.
  EXPECT_EQ(script.find("#SBATCH --ntasks-per-node=2\n"), std::string::npos);
  EXPECT_EQ(log_path(request, "77", false), dir.path() + "/stats-77.out");
  EXPECT_EQ(log_path(request, "77", true), dir.path() + "/stats-77.err");
}

// Runs the rendered script outside Slurm with a fake launcher on the PATH that records its
// arguments: what reaches `rankflow run` must be exactly what was asked for.
std::vector<std::string> launched_args(ScratchDir& dir, const BatchRequest& request) {
  const std::string script = dir.write("job.sbatch", render_batch_script(request));
  const std::string bin = dir.path() + "/bin";
  fs::create_directories(bin);
  const std::string recorder =
      "#!/bin/sh\nprintf '%s\\0' \"$@\" > " + shell_quote(dir.path() + "/args") + "\n";
  dir.write("bin/srun", recorder, true);
  dir.write("bin/mpirun", recorder, true);
  const std::string path = bin + ":" + std::getenv("PATH");
  const CommandResult syntax = run_command({"bash", "-n", script});
  EXPECT_EQ(syntax.exit_code, 0) << syntax.err;
  const CommandResult run = run_command({"env", "PATH=" + path, "bash", "-c",
                                         "cd " + shell_quote(dir.path()) + " && bash job.sbatch"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  std::ifstream file(dir.path() + "/args", std::ios::binary);
  const std::string args((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  return split_nul(args);
}

TEST(BatchScript, HostileValuesReachRankflowIntactAndRunNothing) {
  for (const std::string& hostile : kHostile) {
    ScratchDir dir;
    BatchRequest request = request_in(dir.path());
    const bool directive_safe = hostile.find_first_of("\n\t\r") == std::string::npos;
    request.job_name = directive_safe && !hostile.empty() ? hostile : "stats";
    request.partition = directive_safe ? hostile : "";
    request.rankflow = dir.write("rank flow $(x)", "", true);
    request.run_args = {dir.path() + "/" + hostile + ".ini", "--set", "a.b=" + hostile};
    const std::vector<std::string> args = launched_args(dir, request);
    const std::vector<std::string> expected = {
        "--kill-on-bad-exit=1", "--mpi=pmix", request.rankflow,   "run",
        request.run_args[0],    "--set",      request.run_args[2]};
    EXPECT_EQ(args, expected) << "value: " << hostile;
    EXPECT_FALSE(fs::exists(dir.path() + "/CANARY")) << "value: " << hostile;
  }
}

TEST(BatchScript, MpirunLauncherStartsRankflowInsideTheAllocation) {
  ScratchDir dir;
  BatchRequest request = request_in(dir.path());
  request.launcher = "mpirun";
  const std::vector<std::string> args = launched_args(dir, request);
  EXPECT_EQ(args, (std::vector<std::string>{"/bin/true", "run", dir.path() + "/job.ini"}));
}

TEST(BatchScript, RefusesWhatCannotBeSubmittedSafely) {
  ScratchDir dir;
  auto with = [&](auto change) {
    BatchRequest request = request_in(dir.path());
    change(request);
    return config_error(request);
  };
  EXPECT_NE(with([](BatchRequest& r) { r.job_name = "a\nb"; }).find("control character"),
            std::string::npos);
  EXPECT_NE(with([](BatchRequest& r) { r.job_name = "../x"; }).find("contains '/'"),
            std::string::npos);
  EXPECT_NE(with([](BatchRequest& r) { r.job_name = ""; }).find("--job-name is empty"),
            std::string::npos);
  EXPECT_NE(with([](BatchRequest& r) { r.partition = "p\n#SBATCH --x"; }).find("--partition"),
            std::string::npos);
  EXPECT_NE(with([](BatchRequest& r) { r.launcher = "ssh"; }).find("expected srun or mpirun"),
            std::string::npos);
  EXPECT_NE(with([](BatchRequest& r) { r.mpi = "pmix; rm"; }).find("--mpi"), std::string::npos);
  EXPECT_NE(with([](BatchRequest& r) { r.time = "1:00;x"; }).find("--time"), std::string::npos);
  EXPECT_NE(with([](BatchRequest& r) { r.ntasks = 0; }).find("at least 1"), std::string::npos);
  EXPECT_NE(with([](BatchRequest& r) { r.log_dir = "logs"; }).find("not an absolute path"),
            std::string::npos);
  EXPECT_NE(with([](BatchRequest& r) { r.log_dir = "/tmp/100%"; }).find("contains '%'"),
            std::string::npos);
  for (const char* owned : {"--output=x", "-o", "-ex", "--job-name=y", "-J y", "--error=z"}) {
    EXPECT_NE(with([&](BatchRequest& r) { r.sbatch_args = {owned}; }).find("--log-dir"),
              std::string::npos)
        << owned;
  }
  EXPECT_NE(with([](BatchRequest& r) { r.sbatch_args = {"mem=4G"}; }).find("starts with '-'"),
            std::string::npos);
  EXPECT_NE(with([](BatchRequest& r) { r.sbatch_args = {"--mem 4G"}; }).find("--name=value"),
            std::string::npos);
  EXPECT_EQ(with([](BatchRequest& r) { r.time = "UNLIMITED"; }), "no error");
  EXPECT_EQ(with([](BatchRequest& r) { r.time = "2-12:00:00"; }), "no error");
}

TEST(JobStatus, ParsesScontrolAndMapsExitCodes) {
  const JobStatus done = parse_job_line(
      "JobId=7 JobName=a b UserId=root(0) JobState=COMPLETED Reason=None Dependency=(null) "
      "ExitCode=0:0 NodeList=node[1-2] BatchHost=node1\n");
  EXPECT_EQ(done.state, "COMPLETED");
  EXPECT_TRUE(done.finished());
  EXPECT_EQ(done.nodes, "node[1-2]");
  EXPECT_EQ(done.exit_code(), 0);
  const JobStatus failed = parse_job_line(
      "JobId=8 JobState=FAILED Reason=NonZeroExitCode ReqNodeList=(null) ExitCode=2:0 NodeList=vm");
  EXPECT_EQ(failed.reason, "NonZeroExitCode");
  EXPECT_EQ(failed.exit_code(), 2);
  EXPECT_EQ(parse_job_line("JobState=CANCELLED Reason=None ExitCode=0:15").exit_code(), 143);
  EXPECT_EQ(parse_job_line("JobState=TIMEOUT Reason=TimeLimit ExitCode=0:0").exit_code(), 1);
  const JobStatus pending = parse_job_line("JobState=PENDING Reason=Resources ExitCode=0:0");
  EXPECT_FALSE(pending.finished());
  EXPECT_FALSE(parse_job_line("JobState=COMPLETING ExitCode=0:0").finished());
  EXPECT_THROW(parse_job_line("slurm_load_jobs error: Invalid job id specified"), Error);
}

TEST(RunCommand, CapturesBothOutputsFeedsStdinAndReportsMissingPrograms) {
  const std::string big(1 << 20, 'x');  // more than a pipe holds: no deadlock either way
  const CommandResult cat = run_command({"sh", "-c", "cat; echo oops >&2; exit 3"}, big);
  EXPECT_TRUE(cat.started);
  EXPECT_EQ(cat.exit_code, 3);
  EXPECT_EQ(cat.out, big);
  EXPECT_EQ(cat.err, "oops\n");
  const CommandResult early = run_command({"true"}, big);  // exits without reading stdin
  EXPECT_EQ(early.exit_code, 0);
  const CommandResult killed = run_command({"sh", "-c", "kill -9 $$"});
  EXPECT_EQ(killed.exit_code, 128 + 9);
  const CommandResult missing = run_command({"rankflow-no-such-program"});
  EXPECT_FALSE(missing.started);
  EXPECT_NE(missing.err.find("No such file"), std::string::npos);
}

}  // namespace
}  // namespace rankflow::slurm
