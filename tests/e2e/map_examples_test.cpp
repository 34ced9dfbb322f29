// The programs of examples/ for api::map (word_counts, with api::NodeShared) and
// api::TaskPool (pair_tasks) under mpirun at np 1..4, against serial oracles written here.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "support/process.hpp"
#include "support/strings.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {
namespace {

std::uint64_t count_in(const std::string& text, const std::string& word) {
  std::uint64_t count = 0;
  for (std::size_t pos = text.find(word); pos != std::string::npos;
       pos = text.find(word, pos + word.size()))
    ++count;
  return count;
}

TEST(MapExamples, WordCountsAgainstASerialOracle) {
  TempDir dir;
  write_file(dir.file("words.txt"), "north south\n7\n");
  std::vector<std::string> files;
  for (int idx = 0; idx < 9; ++idx) {
    std::string text;
    for (int line = 0; line < idx * 3; ++line)
      text += (line % 2 ? "north," : "south,") + std::to_string(line * 7) + "\n";
    files.push_back(dir.file("f" + std::to_string(idx) + ".csv"));
    write_file(files.back(), text);
  }
  std::string oracle = "file,word,count\n";
  for (const std::string& file : files)
    for (const char* word : {"north", "south", "7"})
      oracle += file + "," + word + "," + std::to_string(count_in(read_file(file), word)) + "\n";
  for (int np : {1, 2, 3, 4}) {
    std::vector<std::string> command = {RANKFLOW_MPIEXEC,
                                        "-np",
                                        std::to_string(np),
                                        "--oversubscribe",
                                        RANKFLOW_EXAMPLE_WORD_COUNTS,
                                        dir.file("out.csv"),
                                        dir.file("words.txt")};
    command.insert(command.end(), files.begin(), files.end());
    RunResult run = run_process(command, 120);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(read_file(dir.file("out.csv")), oracle) << "np " << np;
  }
  RunResult missing =
      run_process({RANKFLOW_MPIEXEC, "-np", "3", "--oversubscribe", RANKFLOW_EXAMPLE_WORD_COUNTS,
                   dir.file("out.csv"), dir.file("words.txt"), dir.file("nope.csv")},
                  120);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(contains(missing.err, "item 0: cannot read '" + dir.file("nope.csv") + "'"))
      << missing.err;
}

TEST(MapExamples, PairTasksAgainstTheNestedLoop) {
  TempDir dir;
  constexpr int kN = 12;
  auto oracle = [](int a, int b) {
    return a > b ? std::sqrt(static_cast<double>(a * a + b)) : static_cast<double>(b - a) / (a + 1);
  };
  for (int np : {1, 2, 3, 4}) {
    RunResult run =
        run_process({RANKFLOW_MPIEXEC, "-np", std::to_string(np), "--oversubscribe",
                     RANKFLOW_EXAMPLE_PAIR_TASKS, std::to_string(kN), dir.file("pairs.csv")},
                    120);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    std::istringstream lines(read_file(dir.file("pairs.csv")));
    std::string line;
    std::getline(lines, line);
    EXPECT_EQ(line, "a,b,value");
    int rows = 0;
    while (std::getline(lines, line)) {
      int a = 0, b = 0;
      double value = 0;
      ASSERT_EQ(std::sscanf(line.c_str(), "%d,%d,%lf", &a, &b, &value), 3) << line;
      EXPECT_EQ(a, rows / kN);
      EXPECT_EQ(b, rows % kN);
      EXPECT_DOUBLE_EQ(value, oracle(a, b)) << line;
      ++rows;
    }
    EXPECT_EQ(rows, kN * kN) << "np " << np;
  }
}

}  // namespace
}  // namespace rankflow::test
