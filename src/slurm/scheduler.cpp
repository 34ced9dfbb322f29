#include "rankflow/slurm/scheduler.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "rankflow/core/error.hpp"
#include "rankflow/core/text.hpp"
#include "rankflow/core/process.hpp"

namespace rankflow::slurm {

using process::CommandResult;
using process::run_command;

namespace {

Error not_found(const std::string& program, const std::string& why) {
  return DataError(
      "cannot run {} ({}): rankflow submit needs Slurm's commands on the PATH, as on "
      "a cluster's login node (Debian: apt-get install slurm-client)",
      program, why);
}

// The value of `key=` among the space-separated fields of an `scontrol -o` line.
std::optional<std::string> field(const std::string& line, const std::string& key) {
  std::istringstream words(line);
  std::string word;
  while (words >> word) {
    if (word.size() > key.size() && word.compare(0, key.size(), key) == 0 &&
        word[key.size()] == '=')
      return word.substr(key.size() + 1);
  }
  return std::nullopt;
}

int to_int(const std::string& text) {
  try {
    return std::stoi(text);
  } catch (const std::exception&) {
    return 0;
  }
}

struct Query {
  std::optional<JobStatus> status;
  std::string error;
  bool unknown_job = false;  // Slurm answered, and does not know the job
};

Query try_query(const std::string& job_id) {
  const CommandResult result = run_command({"scontrol", "show", "job", "-o", job_id});
  if (!result.started) throw not_found("scontrol", result.err);
  Query query;
  if (result.exit_code != 0) {
    query.error = trim(result.err + result.out);
    query.unknown_job = query.error.find("Invalid job id") != std::string::npos;
    return query;
  }
  query.status = parse_job_line(result.out);
  return query;
}

}  // namespace

Submission submit(const std::string& script) {
  const CommandResult result = run_command({"sbatch", "--parsable"}, script);
  if (!result.started) throw not_found("sbatch", result.err);
  if (result.exit_code != 0)
    throw DataError("sbatch refused the job (exit code {}): {}", result.exit_code,
                    trim(result.err.empty() ? result.out : result.err));
  // --parsable prints "ID" or "ID;CLUSTER".
  const std::string first_line = trim(result.out.substr(0, result.out.find('\n')));
  const std::string job_id = first_line.substr(0, first_line.find(';'));
  if (job_id.empty() || !std::all_of(job_id.begin(), job_id.end(), ::isdigit))
    throw DataError("sbatch printed no job id (stdout: '{}', stderr: '{}')", trim(result.out),
                    trim(result.err));
  return {job_id, trim(result.err)};
}

bool JobStatus::finished() const {
  static const std::vector<std::string> kFinal = {
      "COMPLETED", "FAILED",    "CANCELLED", "TIMEOUT",  "OUT_OF_MEMORY",
      "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE", "SPECIAL_EXIT"};
  return std::find(kFinal.begin(), kFinal.end(), state) != kFinal.end();
}

int JobStatus::exit_code() const {
  if (state == "COMPLETED" && exit_status == 0 && signal == 0) return 0;
  if (exit_status != 0) return exit_status;
  if (signal != 0) return 128 + signal;
  return 1;
}

JobStatus parse_job_line(const std::string& line) {
  JobStatus status;
  const auto state = field(line, "JobState");
  if (!state) throw DataError("scontrol printed no JobState: '{}'", trim(line));
  status.state = *state;
  status.reason = field(line, "Reason").value_or("");
  status.nodes = field(line, "NodeList").value_or("");
  const std::string exit_code = field(line, "ExitCode").value_or("0:0");
  status.exit_status = to_int(exit_code.substr(0, exit_code.find(':')));
  if (exit_code.find(':') != std::string::npos)
    status.signal = to_int(exit_code.substr(exit_code.find(':') + 1));
  return status;
}

JobStatus query_job(const std::string& job_id) {
  const Query query = try_query(job_id);
  if (!query.status) throw DataError("scontrol show job {}: {}", job_id, query.error);
  return *query.status;
}

JobStatus wait_for_job(const std::string& job_id,
                       const std::function<void(const JobStatus&)>& on_change) {
  using std::chrono::milliseconds;
  milliseconds pause(200);
  std::string last_state;
  int failures = 0;
  while (true) {
    const Query query = try_query(job_id);
    if (query.status) {
      failures = 0;
      if (query.status->state != last_state && on_change) on_change(*query.status);
      last_state = query.status->state;
      if (query.status->finished()) return *query.status;
    } else if (query.unknown_job || ++failures >= 10) {
      // Slurm forgets a job MinJobAge seconds after it ends (300 s by default).
      throw DataError("cannot follow Slurm job {}: {}", job_id, query.error);
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(milliseconds(5000), pause * 3 / 2);
  }
}

}  // namespace rankflow::slurm
