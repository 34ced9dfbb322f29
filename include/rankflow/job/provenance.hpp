// Provenance: what produced an output. Written as HDF5 attributes on every output dataset,
// and as a log line at the start of a job, so a result can be traced to its config, its
// rank layout and (inside Slurm) its job.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/job/config.hpp"

namespace rankflow::job {

struct Provenance {
  std::string rankflow_version;
  std::string config_path;
  std::string config_text;  // canonical INI, --set overrides applied
  int ranks = 1;
  int nodes = 1;            // distinct hosts among the ranks
  std::string started_utc;  // ISO 8601
  std::string host;         // rank 0's host name
  // Inside Slurm (empty outside): SLURM_JOB_ID, SLURM_JOB_NODELIST, SLURM_NTASKS,
  // SLURM_TASKS_PER_NODE, SLURM_JOB_PARTITION.
  std::string slurm_job_id;
  std::string slurm_nodelist;
  std::string slurm_ntasks;
  std::string slurm_tasks_per_node;
  std::string slurm_partition;

  // (name, value) pairs for attributes: "rankflow_version", "config", "ranks", ...; Slurm
  // entries only when set.
  std::vector<std::pair<std::string, std::string>> pairs() const;
  // One line for the log: "rankflow 0.1.0, 4 ranks on 2 nodes, Slurm job 123 (node[1-2], ...)"
  std::string summary() const;
};

// Collective over `comm` (gathers host names to count nodes).
Provenance collect_provenance(const comm::Communicator& comm, const RawConfig& config);

}  // namespace rankflow::job
