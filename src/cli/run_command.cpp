#include <mpi.h>

#include <boost/program_options.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "command_line.hpp"
#include "commands.hpp"
#include "malloc_tuning.hpp"
#include "rankflow/comm/environment.hpp"
#include "rankflow/comm/phase.hpp"
#include "rankflow/core/log.hpp"
#include "rankflow/core/stop_signal.hpp"
#include "rankflow/core/stop.hpp"
#include "rankflow/job/runner.hpp"

namespace po = boost::program_options;

namespace rankflow::cli {
namespace {

log::Level level_from(const po::variables_map& vars) {
  if (vars.count("quiet")) return log::Level::kQuiet;
  if (vars.count("verbose")) return log::Level::kDebug;
  const char* env = std::getenv("RANKFLOW_LOG");
  if (env != nullptr && std::string(env) == "debug") return log::Level::kDebug;
  if (env != nullptr && std::string(env) == "quiet") return log::Level::kQuiet;
  return log::Level::kInfo;
}

// Rank 0 reads the file once; every rank parses the same text.
job::RawConfig read_config_collectively(const comm::Communicator& comm, const std::string& path,
                                        const std::vector<std::string>& sets) {
  std::string text;
  std::string read_error;
  if (comm.rank() == 0) {
    std::ifstream file(path, std::ios::binary);
    if (file) {
      std::ostringstream buffer;
      buffer << file.rdbuf();
      text = buffer.str();
    } else {
      read_error = "cannot read job config '" + path + "': no such file or not readable";
    }
  }
  comm.bcast(read_error, 0);
  if (!read_error.empty()) throw Error(ErrorKind::kConfig, read_error, /*agreed=*/true);
  comm.bcast(text, 0);
  return comm::run_phase(comm, "reading the job config", [&] {
    job::RawConfig config = parse_ini(text, path);
    for (const std::string& assignment : sets) config.set_override(assignment);
    return config;
  });
}

}  // namespace

int finish_with_error(const comm::Communicator& comm, const Error& error) {
  const bool stop = core::is_stop(error.kind());
  if (!error.agreed()) {
    if (stop)
      core::report_stop();
    else
      log::write("error", error.what());
    comm::MpiEnvironment::abort(error.exit_code());
  }
  if (stop)
    core::report_stop();  // rank 0 only (install_stop_handlers)
  else if (comm.rank() == 0)
    std::cerr << "rankflow: error: " << error.what() << "\n";
  return error.exit_code();
}

int run_command(const Args& args, int* argc, char*** argv, bool explain) {
  po::options_description options(
      explain ? "rankflow explain JOB [options]\n\nPrints the bound plan of a job: its stages, "
                "the columns read from each input, the join strategy, the memory budget and the "
                "outputs. Reads only what binding reads (CSV samples, HDF5 metadata), no rows, "
                "and writes nothing"
              : "rankflow run JOB [options]\n\nRuns a job config under "
                "mpirun or srun (every rank runs the same command)");
  // clang-format off
  options.add_options()
    ("help,h", "show this help")
    ("set,s", po::value<std::vector<std::string>>()->composing(),
     "override a config key: --set section.key=value (repeatable); an empty value removes "
     "the key, so its default applies (--set join.on=), except join.left_suffix and "
     "join.right_suffix, where an empty suffix is a value")
    ("profile", po::value<std::string>(),
     "write a Chrome trace event JSON of every stage on every rank (Perfetto, chrome://tracing)")
    ("report", po::value<std::string>(),
     "write a self-contained HTML report: timeline per rank, stages across ranks, exchange heat "
     "map, memory and spill")
    ("progress", po::value<std::string>()->default_value("auto"),
     "progress on rank 0's stderr: auto (a bar on a terminal, lines otherwise), bar, lines, off")
    ("verbose,v", "debug messages from every rank")
    ("quiet,q", "log only errors (the results table on stdout is [output] table = off)");
  // clang-format on
  po::options_description hidden;
  hidden.add_options()("job", po::value<std::string>());
  po::positional_options_description positional;
  positional.add("job", 1);
  po::variables_map vars;
  if (!parse_command_line(args, "run", options, hidden, positional, vars)) return 2;
  if (vars.count("help")) {
    std::cout << options
              << "\nExit codes: 0 success, 1 runtime or data error, "
                 "2 usage or config error, 143/130 stopped by SIGTERM/SIGINT.\n";
    return 0;
  }
  if (!vars.count("job")) {
    std::cerr << "rankflow run: missing the job config file\n" << options;
    return 2;
  }
  const std::vector<std::string> sets =
      vars.count("set") ? vars["set"].as<std::vector<std::string>>() : std::vector<std::string>{};

  job::RunOptions run_options;
  run_options.explain = explain;
  if (vars.count("profile")) run_options.profile = vars["profile"].as<std::string>();
  if (vars.count("report")) run_options.report = vars["report"].as<std::string>();
  run_options.progress = vars["progress"].as<std::string>();
  if (run_options.progress != "auto" && run_options.progress != "bar" &&
      run_options.progress != "lines" && run_options.progress != "off") {
    std::cerr << "rankflow run: --progress takes auto, bar, lines or off, not '"
              << run_options.progress << "'\n";
    return 2;
  }
  if (vars.count("quiet") || explain) run_options.progress = "off";

  comm::MpiEnvironment environment(argc, argv);
  int exit_code = 0;
  {
    comm::Communicator comm(MPI_COMM_WORLD);
    core::install_stop_handlers(comm.rank() == 0);
    const char* job_id = std::getenv("SLURM_JOB_ID");
    log::init({comm.rank(), comm.size(), level_from(vars), job_id ? job_id : ""});
    if (environment.chose_shared_memory())
      log::debug(
          "all ranks on one node: Open MPI's shared-memory transport (RANKFLOW_MPI_AUTO_SHM=0 "
          "leaves the choice to Open MPI)");
    const char* user_tunables = std::getenv("GLIBC_TUNABLES");
    log::debug("malloc tuning {} (docs/memory.md); child processes get GLIBC_TUNABLES={}; "
               "process name {}",
               malloc_tuning_status(), user_tunables ? user_tunables : "(unset)",
               process_name());
    try {
      job::RawConfig config = read_config_collectively(comm, vars["job"].as<std::string>(), sets);
      job::run_job(comm, config, run_options);
    } catch (const Stopped& stopped) {
      if (comm.rank() == 0) std::cerr << "rankflow: " << stopped.what() << "\n";
      exit_code = stopped.stop_exit_code();
    } catch (const Error& error) {
      exit_code = finish_with_error(comm, error);
    } catch (const std::exception& error) {
      log::write("error", error.what());
      comm::MpiEnvironment::abort(1);
    }
  }
  return exit_code;
}

}  // namespace rankflow::cli
