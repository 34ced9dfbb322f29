// core/process.hpp's ChildProcess and find_program, without MPI: exit codes and signals, logs,
// the process group killed on terminate (also a child that ignores SIGTERM, and what it left
// in the background), and PATH lookup.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "rankflow/core/process.hpp"

namespace rankflow::process {
namespace {

std::string scratch(const std::string& name) {
  const char* tmp = std::getenv("TMPDIR");
  return std::string(tmp != nullptr ? tmp : "/tmp") + "/rankflow-child-test-" +
         std::to_string(getpid()) + "-" + name;
}

ExitStatus wait_for(ChildProcess& child) {
  for (int tries = 0; tries < 5000; ++tries) {
    if (std::optional<ExitStatus> status = child.poll()) return *status;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  throw std::runtime_error("child did not end");
}

std::string slurp(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST(ChildProcess, ExitCodesSignalsAndTheLog) {
  const std::string log = scratch("log");
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ChildProcess ok({"sh", "-c", "echo out; echo err >&2; exit 0"}, fd);
  EXPECT_TRUE(wait_for(ok).ok());
  ChildProcess failing({"sh", "-c", "exit 7"}, fd);
  const ExitStatus failed = wait_for(failing);
  EXPECT_EQ(failed.code, 7);
  EXPECT_EQ(failed.signal, 0);
  ChildProcess killed({"sh", "-c", "kill -9 $$"}, fd);
  const ExitStatus signalled = wait_for(killed);
  EXPECT_EQ(signalled.signal, 9);
  EXPECT_EQ(signalled.code, 137);
  ::close(fd);
  EXPECT_EQ(slurp(log), "out\nerr\n");
  std::remove(log.c_str());
  EXPECT_THROW(ChildProcess({"no-such-program-rf13"}, 1), std::runtime_error);
}

TEST(ChildProcess, TerminateKillsTheWholeGroupEvenWhenSigtermIsIgnored) {
  const std::string marker = scratch("marker");
  // The child ignores SIGTERM and has a grandchild that would write the marker later.
  ChildProcess child({"sh", "-c", "trap '' TERM; (sleep 1; touch " + marker + ") & sleep 30"}, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto started = std::chrono::steady_clock::now();
  const ExitStatus status = child.terminate(0.2);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  EXPECT_EQ(status.signal, SIGKILL);
  EXPECT_FALSE(child.running());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_NE(::access(marker.c_str(), F_OK), 0) << "the grandchild was killed with its group";
}

TEST(FindProgram, PathLookupAndExplicitPaths) {
  EXPECT_TRUE(find_program("sh").has_value());
  EXPECT_EQ(find_program("/bin/sh"), std::optional<std::string>("/bin/sh"));
  EXPECT_FALSE(find_program("no-such-program-rf13").has_value());
  EXPECT_FALSE(find_program("/etc/passwd").has_value()) << "not executable";
  EXPECT_FALSE(find_program("").has_value());
}

}  // namespace
}  // namespace rankflow::process
