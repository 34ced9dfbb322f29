// Issue 17's bad-input matrix through the CLI at np 1..4: each input a hostile user might give
// ends with one clear message (what and where), its exit code, no rank left hanging (every
// run has a timeout: exit 124 is a hang), and no output or temporary file left behind.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "support/h5_fixture.hpp"
#include "support/process.hpp"
#include "support/strings.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {
namespace {

constexpr int kTimeout = 120;

// A group-by job over `input` writing out/res.csv.
std::string groupby_job(const TempDir& dir, const std::string& input) {
  const std::string job = dir.file("job.ini");
  write_file(job, "[input]\npath = " + input +
                      "\n[groupby]\nkeys = a\naggregate = count()\n[output]\npath = " +
                      dir.file("out/res.csv") + "\n");
  return job;
}

struct BadCsv {
  std::string name;
  std::string content;
  int exit_code;
  std::string message;
};

TEST(BadInput, CsvFilesFailWithOneMessageAndLeaveNothing) {
  const std::vector<BadCsv> cases = {
      {"empty", "", 1, "is empty, so no header names the columns"},
      {"a line of 100 MB without a newline", std::string(100u << 20, 'x'), 1,
       "line 1: the first record is larger than max_record_size (64 MiB)"},
      // Not text: named as such (not as a header of garbage without column 'a'), exit 1.
      {"binary garbage", std::string("\x7f\x45\x4c\x46\x02\x01\x01\xff\xfe\x80,\x81\n\x90", 13), 1,
       "in.csv: the file is not a text file (4 of its first 13 bytes are control bytes, the "
       "first at byte 0 (0x7F))"},
      {"a NUL byte in the second row", std::string("a,b\n1,2\n3\0,4\n", 13), 1,
       "in.csv: the file is not a text file (byte 9 is a NUL byte (0x00))"},
  };
  for (const BadCsv& bad : cases) {
    for (int np = 1; np <= 4; ++np) {
      TempDir dir;
      run_process({"mkdir", "-p", dir.file("out")});
      write_file(dir.file("in.csv"), bad.content);
      const RunResult run = run_rankflow(np, {"run", groupby_job(dir, dir.file("in.csv"))}, kTimeout);
      EXPECT_NE(run.exit_code, 124) << bad.name << " np " << np << ": a rank hung\n" << run.err;
      EXPECT_EQ(run.exit_code, bad.exit_code) << bad.name << " np " << np << "\n" << run.err;
      EXPECT_TRUE(contains(run.err, bad.message)) << bad.name << " np " << np << "\n" << run.err;
      EXPECT_LT(run.err.size(), 4096u) << bad.name << ": the message quotes too much";
      EXPECT_EQ(list_dir(dir.file("out")), std::vector<std::string>{}) << bad.name;
    }
  }
}

// A header and no rows: an empty result with its header, exit 0 (pandas gives an empty frame).
TEST(BadInput, HeaderOnlyCsvGivesAnEmptyResult) {
  for (int np = 1; np <= 4; ++np) {
    TempDir dir;
    run_process({"mkdir", "-p", dir.file("out")});
    write_file(dir.file("in.csv"), "a,b\n");
    const RunResult run = run_rankflow(np, {"run", groupby_job(dir, dir.file("in.csv")), "-q"},
                                       kTimeout);
    ASSERT_EQ(run.exit_code, 0) << "np " << np << "\n" << run.err;
    EXPECT_EQ(read_file(dir.file("out/res.csv")), "a,count\n") << "np " << np;
  }
}

// 10,000 tiny files in one glob: read and counted, every row once, at every rank count.
TEST(BadInput, AGlobOfTenThousandTinyFiles) {
  TempDir dir;
  run_process({"mkdir", "-p", dir.file("out"), dir.file("many")});
  for (int file = 0; file < 10000; ++file)
    write_file(dir.file("many/f" + std::to_string(file) + ".csv"),
               "a,b\n" + std::to_string(file % 7) + ",1\n");
  for (int np = 1; np <= 4; ++np) {
    const RunResult run =
        run_rankflow(np, {"run", groupby_job(dir, dir.file("many/*.csv")), "-q",
                          "--set", "output.sort=a"}, kTimeout);
    ASSERT_EQ(run.exit_code, 0) << "np " << np << "\n" << run.err;
    EXPECT_EQ(read_file(dir.file("out/res.csv")),
              "a,count\n0,1429\n1,1429\n2,1429\n3,1429\n4,1428\n5,1428\n6,1428\n")
        << "np " << np;
  }
}

// A truncated HDF5 file: HDF5's reason and the file, before anything is read; no output.
TEST(BadInput, TruncatedHdf5FileIsNamed) {
  TempDir dir;
  run_process({"mkdir", "-p", dir.file("out")});
  FixtureSpec spec;
  spec.dims = {4000, 4};
  spec.chunk = {100, 4};
  write_fixture_serial(dir.file("full.h5"), spec);
  {
    std::ifstream in(dir.file("full.h5"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    write_file(dir.file("cut.h5"), bytes.substr(0, bytes.size() / 2));
  }
  write_file(dir.file("job.ini"), "[input]\npath = " + dir.file("cut.h5") +
                                      "\ndataset = /data\n[reduce]\nfunctions = mean\n"
                                      "[output]\npath = " + dir.file("out/r.csv") + "\n");
  for (int np = 1; np <= 4; ++np) {
    const RunResult run = run_rankflow(np, {"run", dir.file("job.ini")}, kTimeout);
    EXPECT_NE(run.exit_code, 124) << "np " << np << ": a rank hung\n" << run.err;
    EXPECT_EQ(run.exit_code, 1) << "np " << np << "\n" << run.err;
    EXPECT_TRUE(contains(run.err, "truncated file")) << run.err;
    EXPECT_TRUE(contains(run.err, "cut.h5")) << run.err;
    EXPECT_EQ(list_dir(dir.file("out")), std::vector<std::string>{});
  }
}

}  // namespace
}  // namespace rankflow::test
