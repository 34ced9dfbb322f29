// The stop flag as an agreed error (core/stop.hpp, comm/phase.hpp), the registry of temporary
// files, and the stale-temporary cleanup of AtomicOutput (io/output_file.hpp).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include "rankflow/comm/phase.hpp"
#include "rankflow/core/stop.hpp"
#include "rankflow/core/temp_files.hpp"
#include "rankflow/io/output_file.hpp"
#include "support/mpi_test.hpp"
#include "support/temp_dir.hpp"

namespace rankflow {
namespace {

using test::world;

TEST(StaleTemps, DeadWritersFilesGoLiveWritersAndOthersStay) {
  if (world().rank() != 0) return;  // local
  test::TempDir dir;
  const std::string live = dir.file(".x.csv.rankflow-tmp-local-1");
  const std::string dead = dir.file(".x.csv.rankflow-tmp-local-2");
  for (const std::string& name :
       {live, live + ".lock", live + ".part-0", live + ".part3", dead, dead + ".lock",
        dead + ".part-1", dir.file(".x.csv.rankflow-tmp-local-12.part-1"),
        dir.file(".y.csv.rankflow-tmp-local-2.part-1"), dir.file("x.csv")})
    test::write_file(name, "bytes");
  const int held = ::open((live + ".lock").c_str(), O_RDONLY);
  ASSERT_GE(held, 0);
  ASSERT_EQ(::flock(held, LOCK_EX), 0);  // as the live writer's rank 0 holds it
  io::remove_stale_temps(dir.path(), "x.csv");
  EXPECT_EQ(test::list_dir(dir.path()),
            (std::vector<std::string>{".x.csv.rankflow-tmp-local-1",
                                      ".x.csv.rankflow-tmp-local-1.lock",
                                      ".x.csv.rankflow-tmp-local-1.part-0",
                                      ".x.csv.rankflow-tmp-local-1.part3",
                                      ".y.csv.rankflow-tmp-local-2.part-1", "x.csv"}));
  ::close(held);  // the writer is gone: now its files are stale
  io::remove_stale_temps(dir.path(), "x.csv");
  EXPECT_EQ(test::list_dir(dir.path()),
            (std::vector<std::string>{".y.csv.rankflow-tmp-local-2.part-1", "x.csv"}));
}

TEST(StaleTemps, AnOutputHoldsItsLockAndRemovesItLast) {
  test::TempDir dir = test::TempDir::shared(world());
  const std::string target = dir.file("out.csv");
  if (world().rank() == 0) test::write_file(dir.file(".out.csv.rankflow-tmp-1-99.part-2"), "old");
  world().barrier();
  {
    io::AtomicOutput out(world(), target);
    if (world().rank() == 0) {
      // The killed job's part is gone; this output's lock is held.
      EXPECT_FALSE(test::file_exists(dir.file(".out.csv.rankflow-tmp-1-99.part-2")));
      const int fd = ::open((out.temp_path() + ".lock").c_str(), O_RDONLY);
      EXPECT_GE(fd, 0);
      EXPECT_NE(::flock(fd, LOCK_EX | LOCK_NB), 0) << "the lock is not held";
      ::close(fd);
      test::write_file(out.temp_path(), "new");
    }
    out.commit();
  }
  world().barrier();
  EXPECT_EQ(test::list_dir(dir.path()), std::vector<std::string>{"out.csv"});
}

TEST(TempFiles, RemovesWhatIsRegisteredAndNothingElse) {
  test::TempDir dir;  // each rank its own
  const std::string kept = dir.file("kept");
  const std::string registered = dir.file("registered");
  test::write_file(kept, "k");
  test::write_file(registered, "r");
  {
    core::TempFile gone(dir.file("unregistered"));
    test::write_file(dir.file("unregistered"), "u");
  }
  core::TempFile guard(registered);
  core::remove_temp_files();
  EXPECT_EQ(test::list_dir(dir.path()), (std::vector<std::string>{"kept", "unregistered"}));
}

// Last: the stop flag cannot be cleared in a process.
TEST(ZStop, ARequestOnOneRankIsEveryRanksAgreedStop) {
  comm::run_phase(world(), "before", [] {});  // no stop yet: no error
  const int last = world().size() - 1;
  if (world().rank() == last) core::request_stop_for_test(SIGTERM);
  bool stopped = false;
  try {
    comm::run_phase(world(), "reading", [] {});
  } catch (const Error& error) {
    stopped = true;
    EXPECT_EQ(error.kind(), ErrorKind::kTerminated);
    EXPECT_EQ(error.exit_code(), 143);
    EXPECT_TRUE(error.agreed());
    const std::string expected =
        world().size() == 1 ? "stopped by SIGTERM"
                            : "stopped by SIGTERM (rank " + std::to_string(last) + " of " +
                                  std::to_string(world().size()) + ")";
    EXPECT_EQ(std::string(error.what()), expected);
  }
  EXPECT_TRUE(stopped);
  if (world().rank() == last) {
    EXPECT_TRUE(core::stop_requested());
    EXPECT_THROW(core::throw_if_stopped(), Error);
  }
}

}  // namespace
}  // namespace rankflow
