// rankflow: the command-line entry point. See `rankflow --help`.
#include <iostream>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "commands.hpp"
#include "malloc_tuning.hpp"
#include "rankflow/job/schema.hpp"

namespace {

constexpr const char* kUsage = R"(rankflow: parallel batch jobs over HDF5 and CSV with MPI

Usage:
  mpirun -np N rankflow run JOB.ini [--set section.key=value ...] [--profile P.json]
                                [--report R.html] [--progress auto|bar|lines|off]
  rankflow submit JOB.ini [--nodes N] [--ntasks-per-node N] [--time T] [--partition P] ...
                                checks the job, writes its Slurm batch script and sbatch-es it
  rankflow explain JOB.ini [--set ...]   the bound plan: stages, columns read, strategy,
                                memory budget, outputs (reads no rows, writes nothing)
  rankflow inspect FILE.h5      datasets of an HDF5 file: shape, type, chunks, compression
  mpirun -np N rankflow generate grid OUT.h5 --rows N [--cols C ...]   demo/test data
  rankflow keys                 every job config section and key, with defaults
  rankflow --version

Run `rankflow COMMAND --help` for a command's options.
Exit codes: 0 success, 1 runtime or data error, 2 usage or config error,
            143/130 stopped by SIGTERM/SIGINT (cleanly: no output, no temporary files).
)";

}  // namespace

namespace rankflow::cli {

int keys_command(const Args& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << "rankflow keys: prints every job config section and key (Markdown)\n";
    return 0;
  }
  std::cout << job::describe_schema();
  return 0;
}

}  // namespace rankflow::cli

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  rankflow::cli::take_command_path();
  const std::string command = argv[1];
  // Before anything else (and before MPI_Init): a job's large blocks get huge pages.
  if (command == "run" || command == "generate") rankflow::cli::tune_malloc(argv);
  const rankflow::cli::Args args(argv + 2, argv + argc);
  try {
    if (command == "--help" || command == "-h" || command == "help") {
      std::cout << kUsage;
      return 0;
    }
    if (command == "--version" || command == "version") {
      std::cout << "rankflow " << RANKFLOW_VERSION << "\n";
      return 0;
    }
    if (command == "run") return rankflow::cli::run_command(args, &argc, &argv);
    if (command == "explain") return rankflow::cli::run_command(args, &argc, &argv, true);
    if (command == "keys") return rankflow::cli::keys_command(args);
    if (command == "submit") return rankflow::cli::submit_command(args);
    if (command == "inspect") return rankflow::cli::inspect_command(args);
    if (command == "generate") return rankflow::cli::generate_command(args, &argc, &argv);
  } catch (const rankflow::Error& error) {
    std::cerr << "rankflow " << command << ": error: " << error.what() << "\n";
    return error.exit_code();
  } catch (const std::exception& error) {
    std::cerr << "rankflow " << command << ": error: " << error.what() << "\n";
    return 1;
  }
  std::cerr << "rankflow: unknown command '" << command << "'\n\n" << kUsage;
  return 2;
}
