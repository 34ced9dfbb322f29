#include "rankflow/job/runner.hpp"

#include "rankflow/comm/phase.hpp"
#include "rankflow/job/array_job.hpp"
#include "rankflow/job/map_job.hpp"
#include "rankflow/job/schema.hpp"
#include "table_job.hpp"
#include "table_plan.hpp"

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

void run_job(const comm::Communicator& comm, const RawConfig& config) {
  comm::run_phase(comm, "checking the job config", [&] { validate_job(config); });
  if (is_map_job(config)) return run_map_job(comm, config);
  if (is_array_job(config)) return run_array_job(comm, config);
  if (is_table_job(config)) return run_table_job(comm, config);
}

}  // namespace rankflow::job
