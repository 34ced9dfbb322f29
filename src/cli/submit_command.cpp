// rankflow submit: check a job config on the login node, write its batch script, sbatch it.
// Runs no MPI (it is not started under mpirun or srun) and reads no data.
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "command_line.hpp"
#include "commands.hpp"
#include "rankflow/job/runner.hpp"
#include "rankflow/slurm/batch_script.hpp"
#include "rankflow/slurm/scheduler.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace rankflow::cli {
namespace {

constexpr const char* kSubmitHelp = R"(
Checks the job config (the same checks as `rankflow run`, reading no data), writes a batch script
from slurm/rankflow.sbatch and submits it with sbatch. The job runs this rankflow executable and
the job config by absolute path, in the current folder (outputs with relative paths land here;
it must be on a file system the compute nodes share). Logs: LOG_DIR/<job name>-<job id>.out/.err.

Examples:
  rankflow submit jobs/x.ini --nodes 4 --ntasks-per-node 32 --time 01:00:00 -p compute -A proj42
  rankflow submit jobs/x.ini --ntasks 8 --dry-run > x.sbatch      # the script; nothing submitted
  rankflow submit jobs/x.ini --ntasks 8 --wait --set reduce.columns=t,p
  rankflow submit jobs/x.ini --ntasks 8 --sbatch-arg=--mem-per-cpu=4G --sbatch-arg=--exclusive

Exit codes: 0 submitted (with --wait: the job succeeded); 2 the job config or an option is wrong
(nothing was submitted); 1 sbatch is missing or refused the job (Slurm's message is shown); with
--wait, the job's own exit code when it fails (1 runtime error, 2 config error in the job, 128+N
killed by signal N, 1 for a time limit, cancellation or node failure).
)";

po::options_description submit_options() {
  po::options_description options("rankflow submit JOB [options]");
  // clang-format off
  options.add_options()
    ("help,h", "show this help")
    ("nodes,N", po::value<std::int64_t>(), "nodes (sbatch --nodes)")
    ("ntasks-per-node", po::value<std::int64_t>(), "MPI ranks per node")
    ("ntasks,n", po::value<std::int64_t>(), "MPI ranks in all (sbatch --ntasks)")
    ("time,t", po::value<std::string>(), "time limit: minutes, HH:MM:SS or D-HH:MM:SS")
    ("partition,p", po::value<std::string>(), "partition (default: the cluster's)")
    ("account,A", po::value<std::string>(), "account to charge")
    ("job-name,J", po::value<std::string>(), "job name (default: [job] name, else the config "
     "file's name); also names the logs")
    ("sbatch-arg", po::value<std::vector<std::string>>()->composing(),
     "any other sbatch option, one per use: --sbatch-arg=--mem-per-cpu=4G")
    ("set,s", po::value<std::vector<std::string>>()->composing(),
     "override a config key: --set section.key=value (checked now, passed to the job); an "
     "empty value removes the key, as with rankflow run")
    ("launcher", po::value<std::string>(), "srun (default, or $RANKFLOW_LAUNCHER) or mpirun "
     "(Open MPI's mpirun inside the allocation, for sites without PMIx)")
    ("mpi", po::value<std::string>(), "srun --mpi plugin (default pmix, or $RANKFLOW_MPI)")
    ("log-dir", po::value<std::string>(), "folder of the job's logs (default: the current one)")
    ("rankflow", po::value<std::string>(), "rankflow executable the job runs (default: this "
     "one, by absolute path)")
    ("job-path", po::value<std::string>(), "the job config's path as the job sees it "
     "(default: its absolute path here)")
    ("dry-run", "print the batch script and submit nothing")
    ("wait", "wait for the job to end; exit with its exit code and show its error");
  // clang-format on
  return options;
}

std::string option_or(const po::variables_map& vars, const char* name, const char* env,
                      const std::string& fallback) {
  if (vars.count(name)) return vars[name].as<std::string>();
  const char* value = env != nullptr ? std::getenv(env) : nullptr;
  return value != nullptr && *value != '\0' ? value : fallback;
}

std::string this_executable() {
  std::error_code error;
  std::string self = executable_path(error);
  if (error)
    throw DataError(
        "cannot find this rankflow executable (/proc/self/exe): {}; use "
        "--rankflow PATH",
        error.message());
  return self;
}

std::string log_dir(const po::variables_map& vars) {
  const fs::path dir = fs::absolute(option_or(vars, "log-dir", nullptr, ".")).lexically_normal();
  std::string text = dir.string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  if (!fs::is_directory(dir) || access(text.c_str(), W_OK) != 0)
    throw ConfigError("the log folder '{}' is not a writable folder (--log-dir)", text);
  return text;
}

slurm::BatchRequest make_request(const po::variables_map& vars, const job::RawConfig& config,
                                 const std::string& job_path,
                                 const std::vector<std::string>& sets) {
  slurm::BatchRequest request;
  const auto config_name = job::Section(config, "job").get("name");
  request.job_name = vars.count("job-name") ? vars["job-name"].as<std::string>()
                     : config_name          ? *config_name
                                            : fs::path(job_path).stem().string();
  for (const auto& [option, field] : {std::pair{"nodes", &request.nodes},
                                      {"ntasks-per-node", &request.ntasks_per_node},
                                      {"ntasks", &request.ntasks}}) {
    if (vars.count(option)) *field = vars[option].as<std::int64_t>();
  }
  request.time = option_or(vars, "time", nullptr, "");
  request.partition = option_or(vars, "partition", nullptr, "");
  request.account = option_or(vars, "account", nullptr, "");
  if (vars.count("sbatch-arg"))
    request.sbatch_args = vars["sbatch-arg"].as<std::vector<std::string>>();
  request.log_dir = log_dir(vars);
  request.rankflow =
      vars.count("rankflow") ? vars["rankflow"].as<std::string>() : this_executable();
  request.launcher = option_or(vars, "launcher", "RANKFLOW_LAUNCHER", "srun");
  request.mpi = option_or(vars, "mpi", "RANKFLOW_MPI", "pmix");
  request.run_args.push_back(vars.count("job-path")
                                 ? vars["job-path"].as<std::string>()
                                 : fs::absolute(job_path).lexically_normal().string());
  for (const std::string& assignment : sets) {
    request.run_args.push_back("--set");
    request.run_args.push_back(assignment);
  }
  return request;
}

// The lines of a failed job's error log that say what went wrong: rankflow's and srun's error
// lines, else its last lines.
std::string error_excerpt(const std::string& path) {
  std::ifstream file(path);
  if (!file) return "    (cannot read " + path + " from here)\n";
  std::vector<std::string> lines, errors;
  for (std::string line; std::getline(file, line);) {
    lines.push_back(line);
    if (line.find("error") != std::string::npos) errors.push_back(line);
  }
  const std::vector<std::string>& shown = errors.empty() ? lines : errors;
  std::string out;
  for (std::size_t idx = shown.size() > 20 ? shown.size() - 20 : 0; idx < shown.size(); ++idx)
    out += "    " + shown[idx] + "\n";
  return out.empty() ? "    (the error log is empty)\n" : out;
}

int wait_and_report(const slurm::BatchRequest& request, const std::string& job_id) {
  const slurm::JobStatus status = slurm::wait_for_job(job_id, [&](const slurm::JobStatus& now) {
    if (now.finished()) return;
    std::string where;
    if (now.state != "PENDING" && !now.nodes.empty()) where = " on " + now.nodes;
    if (now.state == "PENDING" && now.reason != "None") where = " (" + now.reason + ")";
    std::cerr << "rankflow submit: job " << job_id << " is " << now.state << where << "\n";
  });
  const std::string out_log = slurm::log_path(request, job_id, false);
  const std::string err_log = slurm::log_path(request, job_id, true);
  if (status.exit_code() == 0) {
    std::cout << "Slurm job " << job_id << " COMPLETED on " << status.nodes
              << "\n  output log: " << out_log << "\n  error log:  " << err_log << "\n";
    return 0;
  }
  std::cerr << "rankflow submit: error: Slurm job " << job_id << " ended " << status.state
            << " (exit code " << status.exit_status << ":" << status.signal << ", reason "
            << status.reason << ")\n  output log: " << out_log << "\n  error log:  " << err_log
            << "\n"
            << error_excerpt(err_log);
  return status.exit_code();
}

}  // namespace

int submit_command(const Args& args) {
  const po::options_description options = submit_options();
  po::options_description hidden;
  hidden.add_options()("job", po::value<std::string>());
  po::positional_options_description positional;
  positional.add("job", 1);
  po::variables_map vars;
  if (!parse_command_line(args, "submit", options, hidden, positional, vars)) return 2;
  if (vars.count("help")) {
    std::cout << options << kSubmitHelp;
    return 0;
  }
  if (!vars.count("job")) {
    std::cerr << "rankflow submit: missing the job config file\n" << options;
    return 2;
  }
  const std::string job_path = vars["job"].as<std::string>();
  const std::vector<std::string> sets =
      vars.count("set") ? vars["set"].as<std::vector<std::string>>() : std::vector<std::string>{};

  const job::RawConfig config = load_job_config(job_path, sets);
  job::validate_job(config);
  const slurm::BatchRequest request = make_request(vars, config, job_path, sets);
  const std::string script = slurm::render_batch_script(request);
  if (vars.count("dry-run")) {
    std::cout << script;
    return 0;
  }
  if (!request.nodes && !request.ntasks && !request.ntasks_per_node)
    std::cerr << "rankflow submit: warning: no --ntasks, --nodes or --ntasks-per-node: Slurm's "
                 "default applies (usually 1 rank)\n";
  const slurm::Submission submission = slurm::submit(script);
  if (!submission.messages.empty()) std::cerr << submission.messages << "\n";
  const std::string& job_id = submission.job_id;
  std::cout << "Submitted Slurm job " << job_id << " (" << request.job_name << ")\n"
            << "  output log: " << slurm::log_path(request, job_id, false) << "\n"
            << "  error log:  " << slurm::log_path(request, job_id, true) << "\n";
  if (!vars.count("wait")) {
    std::cout << "  follow it with `squeue -j " << job_id << "`; stop it with `scancel " << job_id
              << "`\n";
    return 0;
  }
  std::cout.flush();
  return wait_and_report(request, job_id);
}

}  // namespace rankflow::cli
