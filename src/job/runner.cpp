#include "rankflow/job/runner.hpp"

#include "rankflow/comm/phase.hpp"
#include "rankflow/job/schema.hpp"

namespace rankflow::job {

void validate_job(const RawConfig& config) {
  validate_keys(config);
  throw ConfigError("{}: nothing to do: a job needs an [input] and a [reduce] or [center]",
                    config.source());
}

void run_job(const comm::Communicator& comm, const RawConfig& config) {
  comm::run_phase(comm, "checking the job config", [&] { validate_job(config); });
}

}  // namespace rankflow::job
