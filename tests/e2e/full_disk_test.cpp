// An HDF5 output on a full disk (issue 17): a real tmpfs of 1 MiB mounted for the test, at np
// 1..4. Each job ends in one agreed error naming "No space left on device", exit 1, no
// MPI_ABORT, no HDF5-DIAG, no rank left hanging (exit 124) and nothing in the output folder.
// Mounting needs root (CAP_SYS_ADMIN): elsewhere the test is skipped and says why.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/strings.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {
namespace {

constexpr int kTimeout = 120;

// A tmpfs of 1 MiB at dir/disk for the life of the object.
class SmallDisk {
 public:
  explicit SmallDisk(const TempDir& dir) : path_(dir.file("disk")) {
    run_process({"mkdir", "-p", path_});
    if (::mount("tmpfs", path_.c_str(), "tmpfs", 0, "size=1m") != 0) why_ = std::strerror(errno);
  }
  ~SmallDisk() {
    // Lazily when busy, so that the TempDir holding it can still be removed.
    if (why_.empty() && ::umount(path_.c_str()) != 0) ::umount2(path_.c_str(), MNT_DETACH);
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  bool mounted() const { return why_.empty(); }
  const std::string& why() const { return why_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string why_;
};

// The error names the output the user gave first (the hidden temporary file, if at all, after
// it), then the cause.
void expect_full_disk_error(const RunResult& run, const std::string& output,
                            const std::string& what) {
  EXPECT_NE(run.exit_code, 124) << what << ": a rank hung\n" << run.err;
  EXPECT_EQ(run.exit_code, 1) << what << "\n" << run.err;
  const std::string::size_type error = run.err.find("error: ");
  ASSERT_NE(error, std::string::npos) << what << "\n" << run.err;
  const std::string line = run.err.substr(error, run.err.find('\n', error) - error);
  EXPECT_TRUE(contains(line, "No space left on device")) << what << "\n" << line;
  EXPECT_EQ(line.find('\''), line.find("'" + output + "'")) << what << "\n" << line;
  EXPECT_EQ(run.err.find("error: ", error + 1), std::string::npos) << what << "\n" << run.err;
  EXPECT_FALSE(contains(run.err, "MPI_ABORT")) << what << "\n" << run.err;
  EXPECT_FALSE(contains(run.err, "HDF5-DIAG")) << what << "\n" << run.err;
  EXPECT_LT(run.err.size(), 4096u) << what << ": more than one clear message\n" << run.err;
}

class FullDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!disk_.mounted())
      GTEST_SKIP() << "cannot mount a tmpfs of 1 MiB at " << disk_.path() << " (" << disk_.why()
                   << "): the full-disk test needs root";
    // 40,000 x 8 float64 values: 2.4 MiB in, 2.4 MiB out, more than the disk holds.
    const RunResult grid = run_rankflow(
        1, {"generate", "grid", dir_.file("grid.h5"), "--rows", "40000", "--cols", "8"}, kTimeout);
    ASSERT_EQ(grid.exit_code, 0) << grid.err;
    std::string csv = "a,b,c\n";
    for (int row = 0; row < 100000; ++row)
      csv += std::to_string(row) + "," + std::to_string(row * 3) + "," + std::to_string(row % 7) +
             "\n";
    write_file(dir_.file("in.csv"), csv);
  }

  std::string array_job(const std::string& section, const std::string& output) const {
    const std::string job = dir_.file("array.ini");
    write_file(job, "[input]\npath = " + dir_.file("grid.h5") + "\ndataset = /temperature\n" +
                        section + "[output]\npath = " + output + "\ntable = off\n");
    return job;
  }

  std::string table_job(const std::string& output) const {
    const std::string job = dir_.file("copy.ini");
    write_file(job, "[input]\npath = " + dir_.file("in.csv") + "\n[output]\npath = " + output +
                        "\ntable = off\n");
    return job;
  }

  TempDir dir_;
  SmallDisk disk_{dir_};
};

TEST_F(FullDisk, LargeHdf5OutputsFailWithOneMessageAtEveryRankCount) {
  const std::string center =
      array_job("[center]\nkind = center\naxis = 1\ndataset = /anomaly\n", disk_.file("a.h5"));
  const std::string copy = table_job(disk_.file("copy.h5"));
  for (int np = 1; np <= 4; ++np) {
    const std::string at = " at np " + std::to_string(np);
    expect_full_disk_error(run_rankflow(np, {"run", center}, kTimeout), disk_.file("a.h5"),
                           "array center" + at);
    EXPECT_EQ(list_dir(disk_.path()), std::vector<std::string>{}) << at;
    expect_full_disk_error(run_rankflow(np, {"run", copy}, kTimeout), disk_.file("copy.h5"),
                           "table copy" + at);
    EXPECT_EQ(list_dir(disk_.path()), std::vector<std::string>{}) << at;
    expect_full_disk_error(
        run_rankflow(np, {"generate", "grid", disk_.file("g.h5"), "--rows", "40000", "--cols", "8"},
                     kTimeout),
        disk_.file("g.h5"), "generate grid" + at);
    EXPECT_EQ(list_dir(disk_.path()), std::vector<std::string>{}) << at;
  }
}

// A disk already full: no HDF5 file is even created (HDF5 would fail writing its metadata
// when it closes it, and crash at exit).
TEST_F(FullDisk, AFullDiskFailsBeforeTheFileIsCreated) {
  const RunResult fill = run_process(
      {"dd", "if=/dev/zero", "of=" + disk_.file("filler"), "bs=4096", "count=1000"}, kTimeout);
  ASSERT_TRUE(contains(fill.err, "No space left on device")) << fill.err;
  const std::string reduce =
      array_job("[reduce]\nfunctions = mean, max\naxis = 0\n", disk_.file("stats.h5"));
  const std::string copy = table_job(disk_.file("copy.h5"));
  for (int np = 1; np <= 4; ++np) {
    const std::string at = " at np " + std::to_string(np);
    expect_full_disk_error(run_rankflow(np, {"run", reduce}, kTimeout), disk_.file("stats.h5"),
                           "array reduce" + at);
    EXPECT_EQ(list_dir(disk_.path()), std::vector<std::string>{"filler"}) << at;
    expect_full_disk_error(run_rankflow(np, {"run", copy}, kTimeout), disk_.file("copy.h5"),
                           "table copy" + at);
    EXPECT_EQ(list_dir(disk_.path()), std::vector<std::string>{"filler"}) << at;
  }
}

// What fits is written as before: the space reserved for the output is cut back to the file's
// real size when HDF5 closes it.
TEST_F(FullDisk, AnOutputThatFitsIsWrittenAtItsRealSize) {
  const std::string reduce =
      array_job("[reduce]\nfunctions = mean, max\naxis = 0\n", disk_.file("stats.h5"));
  for (int np = 1; np <= 4; ++np) {
    const RunResult run = run_rankflow(np, {"run", reduce}, kTimeout);
    ASSERT_EQ(run.exit_code, 0) << "np " << np << "\n" << run.err;
    EXPECT_EQ(list_dir(disk_.path()), std::vector<std::string>{"stats.h5"});
    const RunResult size = run_process({"stat", "-c", "%s", disk_.file("stats.h5")});
    EXPECT_LT(std::stoll(size.out), 64 * 1024) << "np " << np;
  }
  const RunResult listing = run_process({"h5ls", disk_.file("stats.h5")});
  EXPECT_TRUE(contains(listing.out, "max")) << listing.out;
  EXPECT_TRUE(contains(listing.out, "mean")) << listing.out;
}

}  // namespace
}  // namespace rankflow::test
