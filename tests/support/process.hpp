// Running the rankflow CLI from end-to-end tests, as a user would: under mpirun.
#pragma once

#include <string>
#include <vector>

namespace rankflow::test {

struct RunResult {
  int exit_code = -1;  // the process's exit status; 124 when the timeout killed it
  std::string out;     // stdout
  std::string err;     // stderr
};

// Runs `command` (argv, no shell) with a timeout, capturing stdout and stderr.
RunResult run_process(const std::vector<std::string>& command, int timeout_s = 120,
                      const std::vector<std::string>& env = {});

// `mpirun -np NP --oversubscribe rankflow ARGS...` (np 0: rankflow without mpirun).
RunResult run_rankflow(int np, const std::vector<std::string>& args, int timeout_s = 120,
                       const std::vector<std::string>& env = {});

// Path of the rankflow executable (the launcher users run), of the program it starts
// (libexec/rankflow/rankflow) and of the source tree (jobs/, tests/data).
std::string rankflow_cli();
std::string rankflow_program();
std::string source_dir();

}  // namespace rankflow::test
