// rankflow: the command users run. It starts the program (RANKFLOW_PROGRAM, relative to this
// file's folder: libexec/rankflow/rankflow beside bin/) in the same process, with glibc's
// malloc tunables added for `run` and `generate` (malloc_tuning.hpp says why they must be set
// before the program starts). Linked with nothing but the C++ runtime, so it loads in about a
// millisecond, where the program and its ~50 libraries (MPI, HDF5 and what they bring) take
// ~25 ms: the program is loaded once, not twice as when it re-executes itself. The exec keeps
// the process id that mpirun and srun know the rank by, and the program's file is named
// rankflow, so top, pidof, pkill and sstat see "rankflow".
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>

#include "malloc_tuning.hpp"

int main(int argc, char** argv) {
  std::error_code error;
  const std::string self = rankflow::cli::program_path(error);
  if (error) {
    std::fprintf(stderr, "rankflow: cannot find its own path (/proc/self/exe): %s\n",
                 error.message().c_str());
    return 1;
  }
  const std::string program = self.substr(0, self.rfind('/') + 1) + RANKFLOW_PROGRAM;
  setenv(rankflow::cli::kCommandPathVariable, self.c_str(), 1);
  if (argc >= 2 && (std::strcmp(argv[1], "run") == 0 || std::strcmp(argv[1], "generate") == 0))
    rankflow::cli::prepare_tuned_environment();
  execv(program.c_str(), argv);
  std::fprintf(stderr, "rankflow: cannot start the rankflow program '%s': %s (it is installed "
               "beside this command, in %s relative to its folder)\n",
               program.c_str(), std::strerror(errno), RANKFLOW_PROGRAM);
  return 1;
}
