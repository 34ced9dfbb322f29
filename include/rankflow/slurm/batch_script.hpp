// The batch script `rankflow submit` hands to sbatch: slurm/rankflow.sbatch (compiled in) with
// its two marked blocks replaced, the #SBATCH directives by the request's options and the shell
// settings by fixed values.
//
// Nothing a user types can become a command: shell values are single-quoted (newlines and all),
// and directive values are double-quoted with sbatch's own escapes (\" and \\); what cannot be
// written on one #SBATCH line (control characters such as a newline) is refused with a
// ConfigError. No MPI, no Slurm call: this runs on a login node, and in unit tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rankflow::slurm {

struct BatchRequest {
  std::string job_name;               // --job-name; also names the logs
  std::optional<std::int64_t> nodes;  // --nodes
  std::optional<std::int64_t> ntasks_per_node;
  std::optional<std::int64_t> ntasks;
  std::string time;       // --time, "" for the partition's default
  std::string partition;  // "" for the cluster's default
  std::string account;
  std::vector<std::string> sbatch_args;  // more directives: "--mem-per-cpu=4G", "--exclusive"
  std::string log_dir;                   // absolute folder of <name>-<id>.out and .err
  std::string rankflow;                  // the executable the job runs
  std::string launcher = "srun";         // srun or mpirun
  std::string mpi = "pmix";              // srun --mpi=
  std::vector<std::string> run_args;     // after `rankflow run`: JOB [--set k=v ...]
};

// The template, slurm/rankflow.sbatch as it was at build time.
const std::string& sbatch_template();

// Throws ConfigError naming the option when a value cannot be submitted as asked (empty job
// name, a '/' in it, a control character anywhere, a launcher other than srun or mpirun...).
void check_request(const BatchRequest& request);

// The script: `template_text` with its directives and settings blocks replaced. Calls
// check_request; throws ConfigError also when the template lacks a marked block.
std::string render_batch_script(const BatchRequest& request,
                                const std::string& template_text = sbatch_template());

// "/logs/name-123.out" (or ".err"): where Slurm writes the job's output and error logs.
std::string log_path(const BatchRequest& request, const std::string& job_id, bool error_log);

// A word for bash: 'it'\''s' (always single-quoted, so $(...), `...`, ; and newlines are text).
std::string shell_quote(const std::string& word);
// A value for an #SBATCH line: as is when plain, else "double-quoted" with \" and \\ escapes,
// which is how sbatch reads directives. Throws ConfigError on control characters.
std::string directive_quote(const std::string& value, const std::string& what);

}  // namespace rankflow::slurm
