#include <gtest/gtest.h>

#include "rankflow/comm/phase.hpp"
#include "rankflow/io/output_file.hpp"
#include "support/mpi_test.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::io {
namespace {

using test::world;

TEST(AtomicOutput, CommitRenamesAndLeavesNoTemporary) {
  test::TempDir dir = test::TempDir::shared(world());
  const std::string target = dir.file("result.txt");
  {
    AtomicOutput out(world(), target);
    EXPECT_EQ(out.temp_path().find(dir.path() + "/.result.txt.rankflow-tmp-"), 0u);
    if (world().rank() == 0) test::write_file(out.temp_path(), "done");
    out.commit();
  }
  world().barrier();
  EXPECT_EQ(test::read_file(target), "done");
  EXPECT_EQ(test::list_dir(dir.path()), std::vector<std::string>{"result.txt"});
}

TEST(AtomicOutput, FailureKeepsTheOldFileAndRemovesTheTemporary) {
  test::TempDir dir = test::TempDir::shared(world());
  const std::string target = dir.file("result.txt");
  if (world().rank() == 0) test::write_file(target, "old");
  world().barrier();
  try {
    AtomicOutput out(world(), target);
    comm::run_phase(world(), "writing", [&] {
      if (world().rank() == 0) test::write_file(out.temp_path(), "half");
      if (world().rank() == world().size() - 1) throw DataError("write failed");
    });
    out.commit();
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_TRUE(error.agreed());
  }
  world().barrier();
  EXPECT_EQ(test::read_file(target), "old");
  EXPECT_EQ(test::list_dir(dir.path()), std::vector<std::string>{"result.txt"});
}

TEST(AtomicOutput, MissingFolderIsAnAgreedError) {
  try {
    AtomicOutput out(world(), "/nonexistent-folder/x.csv");
    ADD_FAILURE();
  } catch (const Error& error) {
    EXPECT_TRUE(error.agreed());
    EXPECT_NE(std::string(error.what()).find("the folder '/nonexistent-folder' does not exist"),
              std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace rankflow::io
