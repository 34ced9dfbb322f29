#include "support/background.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "support/temp_dir.hpp"

namespace rankflow::test {

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& command,
                                     const std::string& cwd, const std::vector<std::string>& env) {
  out_path_ = capture_.file("stdout");
  err_path_ = capture_.file("stderr");
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ != 0) return;
  setpgid(0, 0);
  if (chdir(cwd.c_str()) != 0) _exit(126);
  const int out_fd = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int err_fd = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int null_fd = open("/dev/null", O_RDONLY);
  dup2(out_fd, 1);
  dup2(err_fd, 2);
  dup2(null_fd, 0);
  for (const std::string& assignment : env) putenv(const_cast<char*>(assignment.c_str()));
  std::vector<char*> argv;
  for (const std::string& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  execvp(argv[0], argv.data());
  _exit(127);
}

BackgroundProcess::~BackgroundProcess() {
  if (!done_ && pid_ > 0) {
    kill(-pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

std::vector<pid_t> BackgroundProcess::children() const {
  std::ifstream file("/proc/" + std::to_string(pid_) + "/task/" + std::to_string(pid_) +
                     "/children");
  std::vector<pid_t> pids;
  long pid = 0;
  while (file >> pid) pids.push_back(static_cast<pid_t>(pid));
  return pids;
}

RunResult BackgroundProcess::wait(double timeout_s) {
  RunResult result;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) != pid_) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      done_ = true;
      result.exit_code = 124;
      result.out = read_file(out_path_);
      result.err = read_file(err_path_) + "\n[test] killed after the timeout\n";
      return result;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  done_ = true;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_file(out_path_);
  result.err = read_file(err_path_);
  return result;
}

std::vector<std::string> rankflow_command(int np, const std::vector<std::string>& args) {
  std::vector<std::string> command;
  if (np > 0) command = {RANKFLOW_MPIEXEC, "-np", std::to_string(np), "--oversubscribe"};
  command.push_back(rankflow_cli());
  command.insert(command.end(), args.begin(), args.end());
  return command;
}

}  // namespace rankflow::test
