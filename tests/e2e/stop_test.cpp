// Stops and kills (issue #17): SIGTERM or SIGINT to a running job stops every rank within
// 2 seconds, prints one message, removes every temporary file and leaves an existing output
// as it was; a SIGKILLed rank ends the job non-zero within 10 seconds, and the next job
// writing that output removes the temporary files it left. Two jobs writing one output at
// once leave one whole output. The jobs read a CSV slowly (RANKFLOW_TEST_SLOW_READ_MS, a
// pause before each block of a rank) so that they are still reading when signalled.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "support/background.hpp"
#include "support/strings.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {
namespace {

using Clock = std::chrono::steady_clock;

const std::vector<std::string> kSlow = {"RANKFLOW_TEST_SLOW_READ_MS=100"};

std::string make_csv(int rows) {
  std::string text = "id,key,value\n";
  for (int row = 0; row < rows; ++row)
    text += std::to_string(row) + "," + std::to_string(row % 97) + "," +
            std::to_string(row * 3) + "\n";
  return text;
}

// in.csv of ~2 MB in blocks of 8 KiB: ~250 blocks, 25 s of pauses in all at 100 ms each.
struct Folder {
  TempDir dir;
  std::string input = make_csv(120000);
  Folder() {
    write_file(dir.file("in.csv"), input);
    write_file(dir.file("job.ini"),
               "[input]\npath = in.csv\nblock_size = 8KiB\n[output]\npath = out.csv\n");
    write_file(dir.file("out.csv"), "the previous output\n");
  }
  std::vector<std::string> hidden() const {
    std::vector<std::string> names;
    for (const std::string& name : list_dir(dir.path()))
      if (name.rfind(".out.csv.", 0) == 0) names.push_back(name);
    return names;
  }
};

int count_of(const std::string& text, const std::string& part) {
  int count = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
    ++count;
  return count;
}

// Waits until every rank has created its part file (the job is reading), up to 30 s.
bool wait_for_parts(const Folder& folder, int ranks) {
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline) {
    int parts = 0;
    for (const std::string& name : folder.hidden()) parts += contains(name, ".part-") ? 1 : 0;
    if (parts >= std::max(ranks, 1)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

enum class Target { kRanks, kLauncher, kOneRank };

struct Outcome {
  RunResult run;
  double seconds = 0;        // until the launcher (mpirun, or rankflow alone) exited
  double rank_seconds = 0;   // until every rank had exited
};

// A process that has exited (gone, or a zombie that its parent has not reaped yet).
bool has_exited(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return true;
  const std::size_t close = text.rfind(')');
  return close == std::string::npos || close + 2 >= text.size() || text[close + 2] == 'Z' ||
         text[close + 2] == 'X';
}

// Waits until every one of `pids` has exited (up to 15 s); the seconds since `start`.
double wait_for_exit(const std::vector<pid_t>& pids, Clock::time_point start) {
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  while (Clock::now() < deadline) {
    bool all = true;
    for (const pid_t pid : pids) all = all && has_exited(pid);
    if (all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return seconds_since(start);
}

Outcome stop_job(const Folder& folder, int np, int signal_number, Target target) {
  BackgroundProcess job(rankflow_command(np, {"run", "job.ini"}), folder.dir.path(), kSlow);
  Outcome outcome;
  if (!wait_for_parts(folder, np)) {
    outcome.run = job.wait(0);
    ADD_FAILURE() << "the job did not start reading: " << outcome.run.err;
    return outcome;
  }
  std::vector<pid_t> ranks = np == 0 ? std::vector<pid_t>{job.pid()} : job.children();
  EXPECT_EQ(ranks.size(), static_cast<std::size_t>(std::max(np, 1)));
  const auto start = Clock::now();
  if (target == Target::kLauncher) kill(job.pid(), signal_number);
  if (target == Target::kOneRank && !ranks.empty()) kill(ranks.back(), signal_number);
  if (target == Target::kRanks)
    for (const pid_t rank : ranks) kill(rank, signal_number);
  if (np > 0) outcome.rank_seconds = wait_for_exit(ranks, start);
  outcome.run = job.wait(15);
  outcome.seconds = seconds_since(start);
  if (np == 0) outcome.rank_seconds = outcome.seconds;
  return outcome;
}

void expect_clean_stop(const Folder& folder, const Outcome& outcome, const std::string& name) {
  EXPECT_EQ(count_of(outcome.run.err, "rankflow: stopped by " + name), 1) << outcome.run.err;
  EXPECT_FALSE(contains(outcome.run.err, "error")) << outcome.run.err;
  EXPECT_EQ(folder.hidden(), std::vector<std::string>{}) << "temporary files left";
  EXPECT_EQ(read_file(folder.dir.file("out.csv")), "the previous output\n");
}

// As Slurm does (scancel, the time limit): every rank gets the signal.
TEST(Stop, SigtermAndSigintToEveryRank) {
  for (int np = 0; np <= 4; ++np) {
    for (const int signal_number : {SIGTERM, SIGINT}) {
      const std::string name = signal_number == SIGTERM ? "SIGTERM" : "SIGINT";
      SCOPED_TRACE("np " + std::to_string(np) + ", " + name);
      Folder folder;
      const Outcome outcome = stop_job(folder, np, signal_number, Target::kRanks);
      EXPECT_EQ(outcome.run.exit_code, 128 + signal_number) << outcome.run.err;
      EXPECT_LT(outcome.rank_seconds, 2.0);
      EXPECT_LT(outcome.seconds, 4.0) << "mpirun's own ending of an aborted job takes 1-2 s";
      expect_clean_stop(folder, outcome, name);
    }
  }
}

// Ctrl-C or kill to mpirun: Open MPI 4.1 waits 1 s, then sends SIGTERM to every rank (for a
// SIGINT too) and SIGKILL 1 s later; mpirun itself exits 1 (docs/slurm.md).
TEST(Stop, SigtermAndSigintToMpirun) {
  for (int np = 1; np <= 4; ++np) {
    for (const int signal_number : {SIGTERM, SIGINT}) {
      SCOPED_TRACE("np " + std::to_string(np) + ", signal " + std::to_string(signal_number));
      Folder folder;
      const Outcome outcome = stop_job(folder, np, signal_number, Target::kLauncher);
      EXPECT_NE(outcome.run.exit_code, 0) << outcome.run.err;
      EXPECT_NE(outcome.run.exit_code, 124) << outcome.run.err;
      EXPECT_LT(outcome.rank_seconds, 2.0) << "1 s of it is mpirun's own wait";
      EXPECT_LT(outcome.seconds, 4.0);
      expect_clean_stop(folder, outcome, "SIGTERM");
    }
  }
}

// One rank alone signalled: it cannot reach its peers, so its watchdog ends it (core/stop.hpp)
// and mpirun then stops the others.
TEST(Stop, SigtermToOneRank) {
  for (int np = 2; np <= 4; ++np) {
    SCOPED_TRACE("np " + std::to_string(np));
    Folder folder;
    const Outcome outcome = stop_job(folder, np, SIGTERM, Target::kOneRank);
    EXPECT_EQ(outcome.run.exit_code, 143) << outcome.run.err;
    EXPECT_LT(outcome.rank_seconds, 4.0);
    expect_clean_stop(folder, outcome, "SIGTERM");
  }
}

TEST(Stop, SigkillOfOneRankThenTheNextJobCleansUp) {
  for (int np = 1; np <= 4; ++np) {
    SCOPED_TRACE("np " + std::to_string(np));
    Folder folder;
    const Outcome outcome = stop_job(folder, np, SIGKILL, Target::kOneRank);
    EXPECT_NE(outcome.run.exit_code, 0) << outcome.run.err;
    EXPECT_LT(outcome.seconds, 10.0);
    EXPECT_EQ(read_file(folder.dir.file("out.csv")), "the previous output\n");
    EXPECT_FALSE(folder.hidden().empty()) << "the killed rank's part file should remain";
    BackgroundProcess next(rankflow_command(np, {"run", "job.ini"}), folder.dir.path());
    const RunResult run = next.wait(60);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(read_file(folder.dir.file("out.csv")), folder.input);
    EXPECT_EQ(folder.hidden(), std::vector<std::string>{}) << "stale temporary files left";
  }
}

// Two jobs writing out.csv at once: each writes its own temporary files and renames; the
// second job's cleanup of stale files leaves the first job's (live, locked) files alone, and
// the output is always one job's whole output.
TEST(Stop, TwoJobsWritingOneOutput) {
  for (int np = 1; np <= 3; ++np) {
    SCOPED_TRACE("np " + std::to_string(np));
    Folder folder;
    write_file(folder.dir.file("even.ini"),
               "[input]\npath = in.csv\nblock_size = 8KiB\n[filter]\nwhere = id % 2 == 0\n"
               "[output]\npath = out.csv\n");
    BackgroundProcess slow(rankflow_command(np, {"run", "job.ini"}), folder.dir.path(),
                           {"RANKFLOW_TEST_SLOW_READ_MS=60"});
    ASSERT_TRUE(wait_for_parts(folder, np));
    const std::vector<std::string> live = folder.hidden();
    BackgroundProcess fast(rankflow_command(np, {"run", "even.ini"}), folder.dir.path());
    const RunResult even = fast.wait(60);
    EXPECT_EQ(even.exit_code, 0) << even.err;
    std::string expected_even = "id,key,value\n";
    for (int row = 0; row < 120000; row += 2)
      expected_even += std::to_string(row) + "," + std::to_string(row % 97) + "," +
                       std::to_string(row * 3) + "\n";
    EXPECT_EQ(read_file(folder.dir.file("out.csv")), expected_even);
    ASSERT_FALSE(has_exited(slow.pid())) << "the slow job ended first: no test of a live job";
    for (const std::string& name : live)
      EXPECT_TRUE(file_exists(folder.dir.file(name))) << name << " of the live job was removed";
    const RunResult all = slow.wait(120);
    EXPECT_EQ(all.exit_code, 0) << all.err;
    EXPECT_EQ(read_file(folder.dir.file("out.csv")), folder.input) << "the last rename wins";
    EXPECT_EQ(folder.hidden(), std::vector<std::string>{});
  }
}

bool is_char_device(const std::string& path) {
  struct stat seen {};
  return ::stat(path.c_str(), &seen) == 0 && S_ISCHR(seen.st_mode);
}

bool is_fifo(const std::string& path) {
  struct stat seen {};
  return ::lstat(path.c_str(), &seen) == 0 && S_ISFIFO(seen.st_mode);
}

// Special files as outputs are written to or refused, never replaced by a regular file.
TEST(SpecialOutput, DevNullIsWrittenAndStaysADevice) {
  ASSERT_TRUE(is_char_device("/dev/null"));
  Folder folder;
  write_file(folder.dir.file("null.ini"),
             "[input]\npath = in.csv\n[output]\npath = /dev/null\n");
  write_file(folder.dir.file("null_h5.ini"),
             "[input]\npath = in.csv\n[output]\npath = /dev/null\nformat = hdf5\n");
  for (int np = 1; np <= 4; ++np) {
    SCOPED_TRACE("np " + std::to_string(np));
    BackgroundProcess job(rankflow_command(np, {"run", "null.ini"}), folder.dir.path());
    const RunResult run = job.wait(60);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_TRUE(contains(run.out, "/dev/null: 120000 rows")) << run.out;
    ASSERT_TRUE(is_char_device("/dev/null")) << "/dev/null was replaced";
    BackgroundProcess h5(rankflow_command(np, {"run", "null_h5.ini"}), folder.dir.path());
    const RunResult refused = h5.wait(60);
    EXPECT_EQ(refused.exit_code, 2) << refused.err;
    EXPECT_TRUE(contains(refused.err, "an HDF5 output must be a regular file")) << refused.err;
    ASSERT_TRUE(is_char_device("/dev/null")) << "/dev/null was replaced";
  }
}

TEST(SpecialOutput, FifoIsRefusedAndKept) {
  Folder folder;
  ASSERT_EQ(::mkfifo(folder.dir.file("pipe").c_str(), 0600), 0);
  write_file(folder.dir.file("fifo.ini"), "[input]\npath = in.csv\n[output]\npath = pipe\n");
  for (int np = 1; np <= 4; ++np) {
    SCOPED_TRACE("np " + std::to_string(np));
    BackgroundProcess job(rankflow_command(np, {"run", "fifo.ini"}), folder.dir.path());
    const RunResult run = job.wait(60);
    EXPECT_EQ(run.exit_code, 2) << run.err;
    EXPECT_TRUE(contains(run.err, "cannot write 'pipe': it is a FIFO")) << run.err;
    EXPECT_TRUE(is_fifo(folder.dir.file("pipe")));
    EXPECT_EQ(folder.hidden(), std::vector<std::string>{});
  }
}

}  // namespace
}  // namespace rankflow::test
