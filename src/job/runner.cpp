#include "rankflow/job/runner.hpp"

#include "rankflow/comm/phase.hpp"
#include "rankflow/job/array_job.hpp"
#include "rankflow/job/schema.hpp"
#include "table_job.hpp"
#include "table_plan.hpp"

namespace rankflow::job {

void validate_job(const RawConfig& config) {
  validate_keys(config);
  if (is_array_job(config)) return validate_array_job(config);
  if (is_table_job(config)) return validate_table_job(config);
  throw ConfigError("{}: nothing to do: a job needs an [input], read by a table pipeline "
                    "([filter], [derive], [groupby], [output]) or an array job ([reduce], "
                    "[center])",
                    config.source());
}

void run_job(const comm::Communicator& comm, const RawConfig& config,
             const RunOptions& options) {
  comm::run_phase(comm, "checking the job config", [&] { validate_job(config); });
  if (is_array_job(config)) return run_array_job(comm, config, options);
  if (is_table_job(config)) return run_table_job(comm, config, options);
}

}  // namespace rankflow::job
