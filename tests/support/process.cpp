#include "support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "support/temp_dir.hpp"

extern char** environ;

namespace rankflow::test {

std::string rankflow_cli() { return RANKFLOW_CLI; }
std::string rankflow_program() { return RANKFLOW_PROGRAM_PATH; }
std::string source_dir() { return RANKFLOW_SOURCE_DIR; }

RunResult run_process(const std::vector<std::string>& command, int timeout_s,
                      const std::vector<std::string>& env) {
  TempDir capture;
  const std::string out_path = capture.file("stdout");
  const std::string err_path = capture.file("stderr");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    setpgid(0, 0);  // own process group: a timeout kills mpirun and every rank
    const int out_fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
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
  RunResult result;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  int status = 0;
  while (true) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      result.exit_code = 124;
      result.out = read_file(out_path);
      result.err = read_file(err_path) + "\n[test] killed after the timeout\n";
      return result;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  return result;
}

RunResult run_rankflow(int np, const std::vector<std::string>& args, int timeout_s,
                       const std::vector<std::string>& env) {
  std::vector<std::string> command;
  if (np > 0) {
    command = {RANKFLOW_MPIEXEC, "-np", std::to_string(np), "--oversubscribe"};
  }
  command.push_back(rankflow_cli());
  command.insert(command.end(), args.begin(), args.end());
  return run_process(command, timeout_s, env);
}

}  // namespace rankflow::test
