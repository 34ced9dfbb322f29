#include "rankflow/job/runner.hpp"

#include <cstdio>

#include "rankflow/comm/phase.hpp"
#include "rankflow/job/array_job.hpp"
#include "rankflow/job/map_job.hpp"
#include "rankflow/job/schema.hpp"
#include "table/table_job.hpp"
#include "table/table_plan.hpp"

namespace rankflow::job {

void validate_job(const RawConfig& config) {
  validate_keys(config);
  if (is_map_job(config)) return validate_map_job(config);
  if (is_array_job(config)) return validate_array_job(config);
  if (is_table_job(config)) return validate_table_job(config);
  throw ConfigError("{}: nothing to do: a job needs an [input], read by a table pipeline "
                    "([filter], [derive], [groupby], [output]) or an array job ([reduce], "
                    "[center]), or a [map] job (a command per input)",
                    config.source());
}

void run_job(const comm::Communicator& comm, const RawConfig& config,
             const RunOptions& options) {
  comm::run_phase(comm, "checking the job config", [&] { validate_job(config); });
  if (is_map_job(config) && options.explain) {
    // The plan of a map job is its config: explain runs no task.
    if (comm.rank() == 0) {
      const Section map(config, "map");
      std::printf("job %s: a map job on %d rank%s\ninputs: %s\ncommand: %s\noutput: %s\n"
                  "stages, in order:\n  1. tasks handed out one at a time, in input order, to "
                  "every rank (rank 0 included)\n",
                  config.source().c_str(), comm.size(), comm.size() == 1 ? "" : "s",
                  map.get_or("inputs", "").c_str(), map.get_or("command", "").c_str(),
                  map.get_or("output", "(none)").c_str());
      std::fflush(stdout);
    }
    return;
  }
  if (is_map_job(config)) return run_map_job(comm, config);
  if (is_array_job(config)) return run_array_job(comm, config, options);
  if (is_table_job(config)) return run_table_job(comm, config, options);
}

}  // namespace rankflow::job
