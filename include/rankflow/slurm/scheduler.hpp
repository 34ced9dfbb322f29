// Talking to Slurm from a login node: submit a batch script with sbatch, follow the job with
// scontrol until it ends. Slurm's commands are found on the PATH and honour SLURM_CONF.
// Errors are runtime errors (exit 1) that carry Slurm's own message: whether a partition,
// account or limit exists is the site's business, and only sbatch can tell.
#pragma once

#include <functional>
#include <string>

namespace rankflow::slurm {

struct Submission {
  std::string job_id;
  std::string messages;  // what sbatch printed on stderr anyway (warnings), "" when nothing
};

// Submits `script` (on sbatch's stdin; sbatch --parsable) from the current folder. Throws a
// runtime Error with sbatch's message when sbatch is missing or refuses the job.
Submission submit(const std::string& script);

struct JobStatus {
  std::string state;    // PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT, CANCELLED, ...
  std::string reason;   // Slurm's Reason= ("None", "NonZeroExitCode", "Resources", ...)
  std::string nodes;    // NodeList=
  int exit_status = 0;  // ExitCode=<status>:<signal>
  int signal = 0;
  bool finished() const;
  // What `rankflow submit --wait` exits with: 0 when COMPLETED, else the job's exit status,
  // 128 + signal when a signal ended it, and 1 for any other unsuccessful end.
  int exit_code() const;
};

// Parses one line of `scontrol show job -o ID`. Throws a runtime Error when it has no JobState.
JobStatus parse_job_line(const std::string& line);

// The job's status now (scontrol show job -o ID). Throws a runtime Error when scontrol is
// missing or the job is unknown (purged after MinJobAge, or never existed).
JobStatus query_job(const std::string& job_id);

// Polls until the job has finished: every 0.2 s at first, backing off to every 5 s.
// `on_change` is called whenever the state changes (PENDING -> RUNNING ...).
JobStatus wait_for_job(const std::string& job_id,
                       const std::function<void(const JobStatus&)>& on_change = {});

}  // namespace rankflow::slurm
