// Running Slurm's commands (sbatch, scontrol) from `rankflow submit`: argv only, never a shell,
// with the text for stdin and both outputs captured. Not collective; no MPI.
#pragma once

#include <string>
#include <vector>

namespace rankflow::slurm {

struct CommandResult {
  bool started = false;  // false: the program was not found or could not be executed
  int exit_code = -1;    // the exit status, or 128 + signal
  std::string out;
  std::string err;  // when !started: why (strerror of the exec)
};

// Runs argv[0] (looked up on PATH) with `input` on stdin; waits for it to end.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = "");

}  // namespace rankflow::slurm
