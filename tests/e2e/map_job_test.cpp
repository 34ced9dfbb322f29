// [map] jobs through the CLI under mpirun at np 1..4 (docs/map.md): every input's task runs
// exactly once with the right argv (hostile names included), dynamic scheduling around a long
// task, retries, timeouts, on_error, resume after SIGTERM and after SIGKILL of a rank, empty
// input lists, more ranks than tasks, a task that writes nothing, a missing program.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <thread>

#include "support/process.hpp"
#include "support/strings.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {
namespace {

using Row = std::map<std::string, std::string>;

// The summary CSV (RFC 4180 quoting) as rows of named fields.
std::vector<Row> read_summary(const std::string& path) {
  const std::string text = read_file(path);
  std::vector<std::vector<std::string>> records(1);
  std::string field;
  bool quoted = false;
  for (std::size_t pos = 0; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (quoted) {
      if (c == '"' && pos + 1 < text.size() && text[pos + 1] == '"') {
        field += '"';
        ++pos;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      records.back().push_back(field);
      field.clear();
    } else if (c == '\n') {
      records.back().push_back(field);
      field.clear();
      records.emplace_back();
    } else {
      field += c;
    }
  }
  records.pop_back();  // after the last line break
  std::vector<Row> rows;
  for (std::size_t idx = 1; idx < records.size(); ++idx) {
    Row row;
    for (std::size_t col = 0; col < records[0].size() && col < records[idx].size(); ++col)
      row[records[0][col]] = records[idx][col];
    rows.push_back(row);
  }
  return rows;
}

std::size_t count_status(const std::vector<Row>& rows, const std::string& status) {
  std::size_t count = 0;
  for (const Row& row : rows) count += row.at("status") == status;
  return count;
}

// Files whose names mark a temporary output left behind.
bool has_temporaries(const std::string& dir) {
  for (const std::string& name : list_dir(dir))
    if (contains(name, "rankflow-tmp")) return true;
  return false;
}

std::string job_file(const TempDir& dir, const std::string& map_keys) {
  const std::string path = dir.file("job.ini");
  write_file(path, "[map]\n" + map_keys + "\n[output]\npath = " + dir.file("out/tasks.csv") + "\n");
  return path;
}

void make_inputs(const TempDir& dir, const std::vector<std::string>& names) {
  std::string list;
  for (std::size_t idx = 0; idx < names.size(); ++idx) {
    write_file(dir.file(names[idx]), "content " + std::to_string(idx) + "\n");
    list += dir.file(names[idx]) + "\n";
  }
  write_file(dir.file("list.txt"), list);
}

// Hostile names reach the program as one argument each and run nothing: the output of each
// task is its input's text, copied by the program itself.
TEST(MapJob, EveryTaskOnceWithItsOwnArgvAtEveryRankCount) {
  const std::vector<std::string> names = {
      "plain.txt", "with space.txt",  "semi;colon.txt", "$(touch CANARY).txt", "quote'd\".txt",
      "star*.txt", "back\\slash.txt", "dash-n.txt",     "a.b.c.txt",           "x.txt"};
  for (int np : {1, 2, 3, 4}) {
    TempDir dir;
    make_inputs(dir, names);
    const std::string job = job_file(dir, "inputs = @" + dir.file("list.txt") +
                                              "\ncommand = cp {input} {output}\noutput = " +
                                              dir.file("out/res/{index}-{stem}.copy"));
    RunResult run = run_rankflow(np, {"run", job}, 120, {"PWD=" + dir.path()});
    ASSERT_EQ(run.exit_code, 0) << "np " << np << "\n" << run.err;
    const std::vector<Row> rows = read_summary(dir.file("out/tasks.csv"));
    ASSERT_EQ(rows.size(), names.size());
    std::set<std::string> ranks;
    for (std::size_t idx = 0; idx < names.size(); ++idx) {
      const Row& row = rows[idx];
      EXPECT_EQ(row.at("input"), dir.file(names[idx]));
      EXPECT_EQ(row.at("status"), "ok");
      EXPECT_EQ(row.at("exit_code"), "0");
      EXPECT_EQ(row.at("attempts"), "1");
      EXPECT_EQ(row.at("index"), std::to_string(idx));
      const std::string stem = names[idx].substr(0, names[idx].rfind('.'));
      const std::string output = dir.file("out/res/" + std::to_string(idx) + "-" + stem + ".copy");
      EXPECT_EQ(row.at("output"), output);
      EXPECT_EQ(read_file(output), "content " + std::to_string(idx) + "\n") << output;
      EXPECT_TRUE(file_exists(row.at("log"))) << row.at("log");
      ranks.insert(row.at("rank"));
    }
    EXPECT_FALSE(file_exists(dir.file("CANARY")));
    EXPECT_FALSE(file_exists("CANARY"));
    EXPECT_FALSE(has_temporaries(dir.file("out/res")));
    EXPECT_EQ(list_dir(dir.file("out/res")).size(), names.size());
  }
}

// One long task and many short ones: the rank that takes the long one does little else, the
// others take the rest as they become free (static round-robin would give it half).
TEST(MapJob, ShortTasksFlowAroundALongOne) {
  for (int np : {2, 4}) {
    TempDir dir;
    std::vector<std::string> names = {"long.txt"};
    for (int idx = 0; idx < 15; ++idx) names.push_back("short" + std::to_string(idx) + ".txt");
    make_inputs(dir, names);
    const std::string job = job_file(
        dir, "inputs = @" + dir.file("list.txt") +
                 "\ncommand = sh -c 'case \"$1\" in *long*) sleep 4;; *) sleep 0.05;; esac' "
                 "sh {input}");
    RunResult run = run_rankflow(np, {"run", job}, 120);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const std::vector<Row> rows = read_summary(dir.file("out/tasks.csv"));
    ASSERT_EQ(rows.size(), names.size());
    std::map<std::string, int> per_rank;
    for (const Row& row : rows) ++per_rank[row.at("rank")];
    EXPECT_EQ(per_rank.size(), static_cast<std::size_t>(np)) << "every rank runs tasks";
    EXPECT_LE(per_rank[rows[0].at("rank")], 3) << "the long task's rank took few others";
  }
}

TEST(MapJob, RetriesTimeoutsAndOnError) {
  TempDir dir;
  make_inputs(dir, {"ok.txt", "flaky.txt", "bad.txt", "slow.txt", "after.txt"});
  // flaky fails on its first attempt only; bad always; slow outlives the timeout.
  const std::string script =
      "case \"$1\" in *flaky*) if [ -e \"$1.seen\" ]; then exit 0; fi; touch \"$1.seen\"; "
      "exit 5;; *bad*) echo broken >&2; exit 3;; *slow*) sleep 60;; esac";
  const std::string keys = "inputs = @" + dir.file("list.txt") + "\ncommand = sh -c '" + script +
                           "' sh {input}\ntimeout = 1s\nretries = 1";
  const auto started = std::chrono::steady_clock::now();
  RunResult run = run_rankflow(3, {"run", job_file(dir, keys)}, 120);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(40));
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_TRUE(contains(run.err, "map: 2 of 5 tasks failed")) << run.err;
  EXPECT_TRUE(contains(run.err, dir.file("bad.txt") + "' (exit 3")) << run.err;
  std::vector<Row> rows = read_summary(dir.file("out/tasks.csv"));
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].at("status"), "ok");
  EXPECT_EQ(rows[1].at("status"), "ok");
  EXPECT_EQ(rows[1].at("attempts"), "2");
  EXPECT_EQ(rows[2].at("status"), "failed");
  EXPECT_EQ(rows[2].at("exit_code"), "3");
  EXPECT_EQ(rows[2].at("attempts"), "2");
  EXPECT_TRUE(contains(read_file(rows[2].at("log")), "broken"));
  EXPECT_EQ(rows[3].at("status"), "timeout");
  EXPECT_EQ(rows[4].at("status"), "ok");

  // on_error = stop: nothing new starts after the first failure (np 1: in input order).
  RunResult stop = run_rankflow(1,
                                {"run", job_file(dir, keys), "--set", "map.on_error=stop", "--set",
                                 "map.rerun=all", "--set", "map.retries=0"},
                                120);
  EXPECT_EQ(stop.exit_code, 1) << stop.err;
  rows = read_summary(dir.file("out/tasks.csv"));
  EXPECT_EQ(rows[1].at("status"), "ok");  // flaky's marker is there now
  EXPECT_EQ(rows[2].at("status"), "failed");
  EXPECT_EQ(rows[3].at("status"), "skipped");
  EXPECT_EQ(rows[4].at("status"), "skipped");
  EXPECT_TRUE(contains(stop.err, "1 of 5 tasks failed (the others were skipped)")) << stop.err;
}

TEST(MapJob, EdgeCasesEmptyListFewTasksNoOutputMissingProgram) {
  TempDir dir;
  write_file(dir.file("empty.txt"), "");
  RunResult empty = run_rankflow(
      3, {"run", job_file(dir, "inputs = @" + dir.file("empty.txt") + "\ncommand = true")}, 60);
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_TRUE(read_summary(dir.file("out/tasks.csv")).empty());
  EXPECT_TRUE(contains(read_file(dir.file("out/tasks.csv")),
                       "input,status,exit_code,attempts,"
                       "rank,host,seconds,output"));

  make_inputs(dir, {"a.txt", "b.txt"});
  const std::string nothing =
      job_file(dir, "inputs = @" + dir.file("list.txt") +
                        "\ncommand = true {output}\noutput = " + dir.file("out/none/{stem}.csv"));
  RunResult few = run_rankflow(4, {"run", nothing}, 60);
  EXPECT_EQ(few.exit_code, 0) << few.err;
  const std::vector<Row> rows = read_summary(dir.file("out/tasks.csv"));
  ASSERT_EQ(rows.size(), 2u);
  for (const Row& row : rows) {
    EXPECT_EQ(row.at("status"), "ok");
    EXPECT_EQ(row.at("output"), "") << "the task wrote nothing";
  }
  EXPECT_TRUE(list_dir(dir.file("out/none")).empty());

  for (int np : {1, 3}) {
    RunResult missing =
        run_rankflow(np,
                     {"run", job_file(dir, "inputs = @" + dir.file("list.txt") +
                                               "\ncommand = no-such-program-rf13 {input}")},
                     60);
    EXPECT_EQ(missing.exit_code, 2) << missing.err;
    EXPECT_TRUE(contains(missing.err, "program 'no-such-program-rf13' not found on the PATH"))
        << missing.err;
  }
  EXPECT_EQ(read_summary(dir.file("out/tasks.csv")).size(), 2u) << "the old summary stays";

  RunResult unmatched = run_rankflow(
      2, {"run", job_file(dir, "inputs = " + dir.file("nope-*.h5") + "\ncommand = true")}, 60);
  EXPECT_EQ(unmatched.exit_code, 2) << unmatched.err;
  EXPECT_TRUE(contains(unmatched.err, "nope-*.h5' matches no file")) << unmatched.err;
}

// What defines a task: a rewritten input or a deleted output runs that task again, nothing
// else; an edited command runs everything again.
TEST(MapJob, RerunRunsWhatChangedOnly) {
  TempDir dir;
  make_inputs(dir, {"a.txt", "b.txt", "c.txt", "d.txt"});
  const std::string keys =
      "inputs = @" + dir.file("list.txt") +
      "\ncommand = cp {input} {output}\noutput = " + dir.file("out/res/{stem}.copy");
  ASSERT_EQ(run_rankflow(2, {"run", job_file(dir, keys)}, 60).exit_code, 0);
  write_file(dir.file("b.txt"), "rewritten, longer than before\n");
  std::remove(dir.file("out/res/d.copy").c_str());
  RunResult again = run_rankflow(2, {"run", job_file(dir, keys)}, 60);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  std::vector<Row> rows = read_summary(dir.file("out/tasks.csv"));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].at("reused"), "true");
  EXPECT_EQ(rows[1].at("reused"), "false");
  EXPECT_EQ(rows[2].at("reused"), "true");
  EXPECT_EQ(rows[3].at("reused"), "false");
  EXPECT_EQ(read_file(dir.file("out/res/b.copy")), "rewritten, longer than before\n");
  EXPECT_EQ(read_file(dir.file("out/res/d.copy")), "content 3\n");
  RunResult edited = run_rankflow(
      2, {"run", job_file(dir, keys), "--set", "map.command=cp -p {input} {output}"}, 60);
  ASSERT_EQ(edited.exit_code, 0) << edited.err;
  rows = read_summary(dir.file("out/tasks.csv"));
  for (const Row& row : rows) EXPECT_EQ(row.at("reused"), "false");
}

// mpirun (or the rank itself at np 0) gets SIGTERM once `journal` has `lines` lines.
int run_and_signal(int np, const std::string& job, const std::string& journal, std::size_t lines) {
  std::vector<std::string> command;
  if (np > 0) command = {RANKFLOW_MPIEXEC, "-np", std::to_string(np), "--oversubscribe"};
  command.insert(command.end(), {rankflow_cli(), "run", job, "-q"});
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    const int null_fd = open("/dev/null", O_RDWR);
    dup2(null_fd, 0);
    dup2(null_fd, 1);
    std::vector<char*> argv;
    for (const std::string& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int status = 0;
  bool signalled = false;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    if (!signalled && file_exists(journal)) {
      const std::string text = read_file(journal);
      if (static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) >= lines) {
        kill(pid, SIGTERM);
        signalled = true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Tasks ignore SIGTERM (trap "" TERM) and t3, t13, t23 run long: they must be killed within the
// grace mpirun leaves its ranks (1 s before SIGKILL), or the summary would be lost.
TEST(MapJob, SigtermStopsCleanlyAndTheRerunContinues) {
  for (int np : {0, 2, 4}) {
    TempDir dir;
    std::vector<std::string> names;
    for (int idx = 0; idx < 24; ++idx) names.push_back("t" + std::to_string(idx) + ".txt");
    make_inputs(dir, names);
    const std::string job = job_file(
        dir,
        "inputs = @" + dir.file("list.txt") +
            "\ncommand = sh -c 'trap \"\" TERM; case \"$1\" in *3.txt) sleep 3;; *) sleep 0.4;; "
            "esac; cat \"$1\" > \"$2\"' sh {input} {output}"
            "\noutput = " +
            dir.file("out/res/{stem}.txt"));
    const int code = run_and_signal(np, job, dir.file("out/tasks.csv.journal"), 2);
    if (np == 0) {
      EXPECT_EQ(code, 143);
    }
    EXPECT_NE(code, 0) << "np " << np;
    std::vector<Row> first = read_summary(dir.file("out/tasks.csv"));
    ASSERT_EQ(first.size(), names.size()) << "np " << np << ": the summary of what finished";
    const std::size_t done = count_status(first, "ok");
    EXPECT_GE(done, 2u);
    EXPECT_GT(count_status(first, "skipped"), 0u);
    EXPECT_FALSE(has_temporaries(dir.file("out/res")));
    EXPECT_EQ(list_dir(dir.file("out/res")).size(), done);

    RunResult rerun = run_rankflow(np == 0 ? 1 : np, {"run", job}, 120);
    ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
    const std::vector<Row> second = read_summary(dir.file("out/tasks.csv"));
    ASSERT_EQ(second.size(), names.size());
    std::size_t reused = 0;
    for (std::size_t idx = 0; idx < names.size(); ++idx) {
      EXPECT_EQ(second[idx].at("status"), "ok");
      reused += second[idx].at("reused") == "true";
      if (first[idx].at("status") == "ok") {
        EXPECT_EQ(second[idx].at("reused"), "true");
      }
      EXPECT_EQ(read_file(dir.file("out/res/t" + std::to_string(idx) + ".txt")),
                "content " + std::to_string(idx) + "\n");
    }
    EXPECT_EQ(reused, done) << "only the tasks that had not finished ran again";
  }
}

// A rank killed outright (SIGKILL, as the OOM killer does): the journal still lets the rerun
// skip what finished and complete the rest.
TEST(MapJob, SigkillOfARankLeavesAJournalToContinueFrom) {
  for (int np : {2, 3}) {
    TempDir dir;
    std::vector<std::string> names;
    for (int idx = 0; idx < 12; ++idx) names.push_back("t" + std::to_string(idx) + ".txt");
    names[8] = "killer.txt";
    make_inputs(dir, names);
    // $PPID of the task's sh is the rank that started it.
    const std::string script =
        "case \"$1\" in *killer*) if [ ! -e \"$1.seen\" ]; then touch \"$1.seen\"; "
        "kill -9 $PPID; exit 1; fi;; esac; sleep 0.1; cat \"$1\" > \"$2\"";
    const std::string job =
        job_file(dir, "inputs = @" + dir.file("list.txt") + "\ncommand = sh -c '" + script +
                          "' sh {input} {output}\noutput = " + dir.file("out/res/{stem}.txt"));
    RunResult killed = run_rankflow(np, {"run", job}, 60);
    EXPECT_NE(killed.exit_code, 0);
    EXPECT_TRUE(file_exists(dir.file("killer.txt.seen")));
    RunResult rerun = run_rankflow(np, {"run", job}, 60);
    ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
    const std::vector<Row> rows = read_summary(dir.file("out/tasks.csv"));
    ASSERT_EQ(rows.size(), names.size());
    std::size_t reused = 0;
    for (std::size_t idx = 0; idx < names.size(); ++idx) {
      EXPECT_EQ(rows[idx].at("status"), "ok");
      reused += rows[idx].at("reused") == "true";
      EXPECT_EQ(read_file(dir.file("out/res/" + names[idx])),
                "content " + std::to_string(idx) + "\n");
    }
    EXPECT_GT(reused, 0u) << "tasks 0-7 finished before the kill";
    EXPECT_FALSE(has_temporaries(dir.file("out/res")));
  }
}

// jobs/map_files.ini runs as written where `scripts/quickstart demo` made data/, and
// `rankflow submit` checks a map job like any other (on a login node: no MPI, no files read).
TEST(MapJob, TheShippedJobRunsAndSubmitChecksMapJobs) {
  TempDir dir;
  RunResult data =
      run_process({source_dir() + "/scripts/make_sales_data", dir.file("data"), "3000", "3"}, 60);
  ASSERT_EQ(data.exit_code, 0) << data.err;
  const std::string job = source_dir() + "/jobs/map_files.ini";
  RunResult run = run_process({RANKFLOW_MPIEXEC, "-np", "2", "--oversubscribe", "-wdir", dir.path(),
                               rankflow_cli(), "run", job},
                              120);
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  const std::vector<Row> rows = read_summary(dir.file("out/map/tasks.csv"));
  ASSERT_EQ(rows.size(), 3u);
  for (int part = 1; part <= 3; ++part) {
    const std::string input = "data/sales-" + std::to_string(part) + ".csv";
    const std::string text = read_file(dir.file(input));
    const auto lines = std::count(text.begin(), text.end(), '\n');
    EXPECT_EQ(rows[static_cast<std::size_t>(part - 1)].at("input"), input);
    EXPECT_EQ(read_file(dir.file("out/map/line_counts/sales-" + std::to_string(part) + ".txt")),
              std::to_string(lines) + "\n");
  }

  RunResult keys = run_rankflow(0, {"keys"}, 60);
  EXPECT_TRUE(contains(keys.out, "### [map]")) << keys.out;
  for (const char* key :
       {"inputs", "command", "output", "timeout", "retries", "on_error", "log_dir", "rerun"})
    EXPECT_TRUE(contains(keys.out, std::string("| `") + key + "` |")) << key;

  RunResult submit = run_rankflow(0, {"submit", job, "--ntasks", "4", "--dry-run"}, 60);
  EXPECT_EQ(submit.exit_code, 0) << submit.err;
  EXPECT_TRUE(contains(submit.out, "map_files.ini")) << submit.out;
  RunResult bad = run_rankflow(
      0, {"submit", job, "--ntasks", "4", "--dry-run", "--set", "map.on_error=explode"}, 60);
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_TRUE(contains(bad.err, "on_error")) << bad.err;
}

}  // namespace
}  // namespace rankflow::test
