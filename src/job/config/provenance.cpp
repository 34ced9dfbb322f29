#include "rankflow/job/provenance.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>

namespace rankflow::job {
namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

std::string host_name() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof(buffer) - 1) != 0) return "unknown";
  return buffer;
}

std::string now_utc() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buffer;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> Provenance::pairs() const {
  std::vector<std::pair<std::string, std::string>> out = {
      {"rankflow_version", rankflow_version}, {"config_path", config_path},
      {"config", config_text},                {"ranks", std::to_string(ranks)},
      {"nodes", std::to_string(nodes)},       {"started_utc", started_utc},
      {"host", host},
  };
  if (!slurm_job_id.empty()) {
    out.emplace_back("slurm_job_id", slurm_job_id);
    out.emplace_back("slurm_nodelist", slurm_nodelist);
    out.emplace_back("slurm_ntasks", slurm_ntasks);
    out.emplace_back("slurm_tasks_per_node", slurm_tasks_per_node);
    out.emplace_back("slurm_partition", slurm_partition);
  }
  return out;
}

std::string Provenance::summary() const {
  std::string line = fmt::format("rankflow {}, {} rank{} on {} node{}", rankflow_version, ranks,
                                 ranks == 1 ? "" : "s", nodes, nodes == 1 ? "" : "s");
  if (!slurm_job_id.empty())
    line += fmt::format(", Slurm job {} (nodes {}, tasks per node {}, partition {})",
                        slurm_job_id, slurm_nodelist, slurm_tasks_per_node,
                        slurm_partition.empty() ? "default" : slurm_partition);
  return line;
}

Provenance collect_provenance(const comm::Communicator& comm, const RawConfig& config) {
  Provenance provenance;
  provenance.rankflow_version = RANKFLOW_VERSION;
  provenance.config_path = config.source();
  provenance.config_text = config.text();
  provenance.ranks = comm.size();
  std::vector<std::string> hosts = comm.allgather_strings(host_name());
  provenance.host = hosts.front();
  std::sort(hosts.begin(), hosts.end());
  provenance.nodes =
      static_cast<int>(std::unique(hosts.begin(), hosts.end()) - hosts.begin());
  std::string started = comm.rank() == 0 ? now_utc() : std::string();
  comm.bcast(started, 0);
  provenance.started_utc = started;
  provenance.slurm_job_id = env("SLURM_JOB_ID");
  provenance.slurm_nodelist = env("SLURM_JOB_NODELIST");
  provenance.slurm_ntasks = env("SLURM_NTASKS");
  provenance.slurm_tasks_per_node = env("SLURM_TASKS_PER_NODE");
  provenance.slurm_partition = env("SLURM_JOB_PARTITION");
  return provenance;
}

}  // namespace rankflow::job
