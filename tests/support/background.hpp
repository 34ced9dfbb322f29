// A process started in the background (mpirun and its ranks, or rankflow alone), for tests
// that signal or kill a running job.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {

class BackgroundProcess {
 public:
  // Starts `command` (argv) in its own process group, in folder `cwd`, with `env` added.
  BackgroundProcess(const std::vector<std::string>& command, const std::string& cwd,
                    const std::vector<std::string>& env = {});
  ~BackgroundProcess();  // kills the process group if still running
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  pid_t pid() const { return pid_; }
  // The process's children (mpirun's: the ranks, in start order), from /proc.
  std::vector<pid_t> children() const;
  // Waits up to `timeout_s` seconds for the exit; exit_code 124 (and the group killed) if not.
  RunResult wait(double timeout_s);

 private:
  pid_t pid_ = -1;
  bool done_ = false;
  TempDir capture_;  // stdout and stderr, outside the job's folder
  std::string out_path_;
  std::string err_path_;
};

// `mpirun -np NP --oversubscribe rankflow ARGS...` as a command (np 0: rankflow alone).
std::vector<std::string> rankflow_command(int np, const std::vector<std::string>& args);

}  // namespace rankflow::test
