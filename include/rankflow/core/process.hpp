// Running other programs: argv only, never a shell (a file name holding spaces, quotes, `;` or
// `$(...)` reaches the program as one argument and runs nothing). Not collective; no MPI.
//
//   run_command: runs a program to its end with a text on stdin, both outputs captured (the
//                Slurm commands of `rankflow submit`).
//   ChildProcess: starts a program in its own process group with stdout and stderr into a log
//                file and lets the caller poll it, time it out and kill the whole group (the
//                tasks of a [map] job, docs/map.md).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace rankflow::process {

struct CommandResult {
  bool started = false;  // false: the program was not found or could not be executed
  int exit_code = -1;    // the exit status, or 128 + signal
  std::string out;
  std::string err;  // when !started: why (strerror of the exec)
};

// Runs argv[0] (looked up on PATH) with `input` on stdin; waits for it to end.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = "");

// How a child ended.
struct ExitStatus {
  int code = 0;    // exit status, or 128 + signal when killed by a signal
  int signal = 0;  // the signal that ended it, 0 when it exited
  bool ok() const { return code == 0 && signal == 0; }
};

// The full path of `program` as exec would find it: itself when it holds a '/', else the first
// executable file of that name in $PATH. nullopt when there is none.
std::optional<std::string> find_program(const std::string& program);

class ChildProcess {
 public:
  ChildProcess() = default;
  // Starts argv[0] (looked up on PATH) in a new process group, stdin from /dev/null, stdout
  // and stderr appended to the open file descriptor `log_fd` (the child gets a copy). Signal
  // dispositions and the signal mask are reset to the defaults in the child. Throws
  // std::runtime_error naming the program and the reason when it cannot be started.
  ChildProcess(const std::vector<std::string>& argv, int log_fd);
  // A child still running is killed (SIGKILL to its group) and reaped.
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool running() const noexcept { return pid_ > 0; }
  pid_t pid() const noexcept { return pid_; }
  // Does not block: the exit status once the child has ended (and reaps it), else nullopt.
  std::optional<ExitStatus> poll();
  // Sends `signal` to the child's whole process group (its own children too).
  void signal_group(int signal) const;
  // SIGTERM to the group; SIGKILL after `grace_seconds` if the child has not ended; reaps it.
  ExitStatus terminate(double grace_seconds);

 private:
  pid_t pid_ = -1;
};

}  // namespace rankflow::process
