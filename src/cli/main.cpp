// rankflow: the command-line entry point. See `rankflow --help`.
#include <iostream>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "commands.hpp"
#include "malloc_tuning.hpp"
#include "rankflow/core/error.hpp"
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
  rankflow inspect FILE         datasets of an HDF5 file: shape, type, chunks, compression;
                                a CSV file's inferred columns and types, row estimate, first rows
  mpirun -np N rankflow generate grid OUT.h5 --rows N [--cols C ...]   demo/test data
  rankflow keys [SECTION]       every job config section and key (or one section's), with defaults
  rankflow --version

Run `rankflow COMMAND --help` for a command's options.
Exit codes: 0 success, 1 runtime or data error, 2 usage or config error,
            143/130 stopped by SIGTERM/SIGINT (cleanly: no output, no temporary files).
)";

}  // namespace

namespace rankflow::cli {

int keys_command(const Args& args) {
  constexpr const char* kKeysUsage =
      "usage: rankflow keys [SECTION]\n"
      "  every job config section and key with its default and meaning (Markdown), or only\n"
      "  SECTION's (reduce, input, input.sales, ...)\n";
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << kKeysUsage;
    return 0;
  }
  if (!args.empty() && !args[0].empty() && args[0][0] == '-')
    throw ConfigError("unknown option '{}'\n{}", args[0], kKeysUsage);
  if (args.size() > 1) throw ConfigError("one section at most, not {}\n{}", args.size(), kKeysUsage);
  std::cout << (args.empty() ? job::describe_schema() : job::describe_schema(args[0]));
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
    if (command == "inspect") return rankflow::cli::inspect_command(args, &argc, &argv);
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
