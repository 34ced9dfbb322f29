// An output path that is one of the job's inputs, however it is spelled (`out/../in.csv`, a
// symlink, a hard link, `./in.csv`, an input matched by a glob, a join's second input, an HDF5
// input of an array job or of [center]), is refused before any row is read: exit 2, one
// message naming both keys, the input byte for byte as it was, and no temporary file left.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "support/process.hpp"
#include "support/strings.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {
namespace {

const std::string kCsv = "id,value\n1,2.5\n2,3.5\n3,4.5\n";

struct Case {
  std::string job;     // the job file's text
  std::string input;   // the file that must survive, relative to the folder
  std::vector<std::string> message;
};

// Runs `job` in `dir` at np 1..4 and checks the refusal; the folder holds the same names after.
void expect_refused(const TempDir& dir, const std::string& job, const std::string& input,
                    const std::vector<std::string>& message) {
  write_file(dir.file("job.ini"), job);
  const std::string before = read_file(dir.file(input));
  const std::vector<std::string> names = list_dir(dir.path());
  for (int np = 1; np <= 4; ++np) {
    SCOPED_TRACE("np " + std::to_string(np));
    const std::string cwd = std::filesystem::current_path();
    std::filesystem::current_path(dir.path());
    const RunResult run = run_rankflow(np, {"run", "job.ini"});
    std::filesystem::current_path(cwd);
    EXPECT_EQ(run.exit_code, 2) << run.err;
    for (const std::string& part : message) EXPECT_TRUE(contains(run.err, part)) << run.err;
    EXPECT_TRUE(contains(run.err, "would destroy the input")) << run.err;
    EXPECT_FALSE(contains(run.err, "read ")) << "rows were read first: " << run.err;
    EXPECT_EQ(read_file(dir.file(input)), before);
    EXPECT_EQ(list_dir(dir.path()), names) << "a file was added or removed";
  }
}

std::string csv_job(const std::string& output) {
  return "[input]\npath = in.csv\n[output]\npath = " + output + "\n";
}

TEST(OutputOverInput, CsvHoweverSpelled) {
  TempDir dir;
  write_file(dir.file("in.csv"), kCsv);
  std::filesystem::create_directory(dir.file("out"));
  std::filesystem::create_symlink("in.csv", dir.file("link.csv"));
  std::filesystem::create_hard_link(dir.file("in.csv"), dir.file("hard.csv"));
  for (const std::string& output : std::vector<std::string>{"in.csv", "./in.csv", "out/../in.csv", "link.csv",
                                   "hard.csv", dir.file("in.csv")})
    expect_refused(dir, csv_job(output), "in.csv",
                   {"job.ini: [output] path '" + output + "'", "[input] path 'in.csv'"});
}

TEST(OutputOverInput, OneFileOfAGlob) {
  TempDir dir;
  write_file(dir.file("part-1.csv"), kCsv);
  write_file(dir.file("part-2.csv"), kCsv);
  expect_refused(dir, "[input]\npath = part-*.csv\n[output]\npath = part-2.csv\n", "part-2.csv",
                 {"is the input file 'part-2.csv'", "[input] path 'part-*.csv'"});
}

TEST(OutputOverInput, EitherSideOfAJoin) {
  TempDir dir;
  write_file(dir.file("sales.csv"), kCsv);
  write_file(dir.file("dim.csv"), "id,name\n1,a\n2,b\n");
  expect_refused(dir,
                 "[input.sales]\npath = sales.csv\n[input.dim]\npath = dim.csv\n"
                 "[join]\nleft = sales\nright = dim\non = id\n[output]\npath = ./dim.csv\n",
                 "dim.csv", {"[input.dim] path 'dim.csv'"});
}

TEST(OutputOverInput, Hdf5ArrayJobAndCenter) {
  TempDir dir;
  const RunResult made =
      run_rankflow(2, {"generate", "grid", dir.file("grid.h5"), "--rows", "64", "--cols", "3"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  std::filesystem::create_directory(dir.file("out"));
  const std::string input = "[input]\npath = grid.h5\ndataset = /grid\n";
  expect_refused(dir, input + "[reduce]\nfunctions = sum\n[output]\npath = grid.h5\n"
                              "format = hdf5\n",
                 "grid.h5", {"[output] path 'grid.h5'"});
  expect_refused(dir, input + "[center]\nkind = center\npath = out/../grid.h5\n", "grid.h5",
                 {"[center] path 'out/../grid.h5'"});
}

TEST(OutputOverInput, Hdf5TableInput) {
  TempDir dir;
  const RunResult made =
      run_rankflow(1, {"generate", "grid", dir.file("grid.h5"), "--rows", "64", "--cols", "3"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  expect_refused(dir,
                 "[input]\npath = grid.h5\ndatasets = /grid\n[output]\npath = grid.h5\n"
                 "format = hdf5\n",
                 "grid.h5", {"[output] path 'grid.h5'"});
}

}  // namespace
}  // namespace rankflow::test
