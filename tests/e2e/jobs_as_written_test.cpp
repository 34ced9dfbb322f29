// Every job in jobs/ and every job command of README.md runs as written, after the Quick
// start's first step has made the demo data (scripts/make_demo_data, which scripts/quickstart
// demo runs): from a fresh folder holding data/, out/ and the repository's jobs/, with rankflow
// on PATH, `mpirun -np 2 rankflow run jobs/X.ini` succeeds and writes the job's output.
// Regression (issue #15): jobs pointed at data nothing made (data/sales.csv, /tmp/rfbench).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sys/stat.h>

#include "support/process.hpp"
#include "support/strings.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {
namespace {

namespace fs = std::filesystem;

// A shell in `dir` with the rankflow command first on PATH.
RunResult run_in(const std::string& dir, const std::string& command, int timeout_s = 300) {
  const std::string bin = fs::path(rankflow_cli()).parent_path().string();
  return run_process({"/bin/bash", "-c",
                      "cd '" + dir + "' && export PATH='" + bin + "':\"$PATH\" && " + command},
                     timeout_s);
}

// The demo data in a fresh folder, as scripts/quickstart demo makes it; shared by the tests.
class DemoFolder : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const RunResult made = run_in(dir_->path(), "RANKFLOW='" + rankflow_cli() + "' '" +
                                                    source_dir() + "/scripts/make_demo_data' data"
                                                    " && mkdir -p out && ln -s '" +
                                                    source_dir() + "/jobs' jobs");
    ASSERT_EQ(made.exit_code, 0) << made.out << made.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static TempDir* dir_;
};
TempDir* DemoFolder::dir_ = nullptr;

// The [output] path of a job file (the jobs write relative paths such as out/w1.csv).
std::string output_path(const std::string& job) {
  std::ifstream in(job);
  std::string line;
  bool in_output = false;
  const std::regex path_line(R"(^\s*path\s*=\s*(\S+)\s*$)");
  std::smatch match;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '[') in_output = line.rfind("[output]", 0) == 0;
    if (in_output && std::regex_match(line, match, path_line)) return match[1];
  }
  return "";
}

TEST_F(DemoFolder, EveryJobInJobsRunsAsWritten) {
  std::vector<std::string> jobs;
  for (const auto& entry : fs::directory_iterator(source_dir() + "/jobs"))
    if (entry.path().extension() == ".ini") jobs.push_back(entry.path().filename().string());
  std::sort(jobs.begin(), jobs.end());
  ASSERT_GE(jobs.size(), 9u);
  for (const std::string& job : jobs) {
    const std::string output = output_path(source_dir() + "/jobs/" + job);
    ASSERT_FALSE(output.empty()) << job << ": no [output] path";
    fs::remove(dir_->file(output));
    const RunResult run = run_in(dir_->path(), "mpirun -np 2 rankflow run jobs/" + job);
    EXPECT_EQ(run.exit_code, 0) << job << "\n" << run.err;
    EXPECT_FALSE(contains(run.err, "warning")) << job << "\n" << run.err;
    ASSERT_TRUE(file_exists(dir_->file(output))) << job << ": no " << output << "\n" << run.err;
    EXPECT_GT(fs::file_size(dir_->file(output)), 16u) << job << ": " << output;
  }
}

// `rankflow explain` on every job in jobs/ at np 1..4: exit 0, the plan's stages on stdout, and
// nothing written (the job's output is not made; out/ holds what it held before).
TEST_F(DemoFolder, ExplainEveryJobInJobsAtEveryRankCount) {
  std::vector<std::string> jobs;
  for (const auto& entry : fs::directory_iterator(source_dir() + "/jobs"))
    if (entry.path().extension() == ".ini") jobs.push_back(entry.path().filename().string());
  std::sort(jobs.begin(), jobs.end());
  ASSERT_GE(jobs.size(), 9u);
  const auto listing = [&] {
    std::vector<std::string> names;
    for (const auto& entry : fs::recursive_directory_iterator(dir_->file("out")))
      names.push_back(entry.path().string());
    std::sort(names.begin(), names.end());
    return names;
  };
  for (const std::string& job : jobs) {
    const std::string output = output_path(source_dir() + "/jobs/" + job);
    fs::remove(dir_->file(output));
    const std::vector<std::string> before = listing();
    for (int np = 1; np <= 4; ++np) {
      const RunResult explain = run_in(dir_->path(), "mpirun -np " + std::to_string(np) +
                                                         " --oversubscribe rankflow explain jobs/" +
                                                         job);
      EXPECT_EQ(explain.exit_code, 0) << job << " np " << np << "\n" << explain.err;
      EXPECT_TRUE(contains(explain.out, "job jobs/" + job + ": ")) << job << "\n" << explain.out;
      EXPECT_TRUE(contains(explain.out, " on " + std::to_string(np) + " rank"))
          << job << "\n" << explain.out;
      EXPECT_TRUE(contains(explain.out, "stages, in order:\n  1. ")) << job << "\n" << explain.out;
    }
    EXPECT_FALSE(file_exists(dir_->file(output))) << job << ": explain wrote " << output;
    EXPECT_EQ(listing(), before) << job << ": explain changed out/";
  }
}

// Each `rankflow run/inspect/keys` line of README.md's shell blocks, as written (comments off).
TEST_F(DemoFolder, TheReadmeCommandsRunAsWritten) {
  std::ifstream readme(source_dir() + "/README.md");
  std::string line;
  bool in_shell = false;
  std::vector<std::string> commands;
  const std::regex command(R"(^((mpirun -np \d+ )?rankflow (run|inspect|keys)\b[^#]*?)\s*(#.*)?$)");
  std::smatch match;
  while (std::getline(readme, line)) {
    if (line.rfind("```", 0) == 0) in_shell = !in_shell && line == "```sh";
    else if (in_shell && std::regex_match(line, match, command)) commands.push_back(match[1]);
  }
  ASSERT_GE(commands.size(), 5u);
  for (const std::string& text : commands) {
    EXPECT_TRUE(text.rfind("mpirun", 0) != 0 || contains(text, "mpirun -np 2 "))
        << "a README example for a 2-core laptop: " << text;
    const RunResult run = run_in(dir_->path(), text);
    EXPECT_EQ(run.exit_code, 0) << text << "\n" << run.err;
  }
}

// A second run of make_demo_data keeps what is there: the demo's data is never overwritten.
TEST_F(DemoFolder, MakingTheDemoDataAgainKeepsIt) {
  struct stat before {};
  ASSERT_EQ(stat(dir_->file("data/grid.h5").c_str(), &before), 0);
  const RunResult again = run_in(dir_->path(), "RANKFLOW=/nonexistent '" + source_dir() +
                                                   "/scripts/make_demo_data' data");
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "") << again.out;
  struct stat after {};
  ASSERT_EQ(stat(dir_->file("data/grid.h5").c_str(), &after), 0);
  EXPECT_EQ(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
  EXPECT_EQ(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
}

}  // namespace
}  // namespace rankflow::test
