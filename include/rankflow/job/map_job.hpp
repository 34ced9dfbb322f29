// The map job (issue #13): a command run over many inputs, one task per input, scheduled
// dynamically over the ranks (docs/map.md).
//
//   [map]    inputs, command, output, timeout, retries, on_error, log_dir, rerun
//   [output] path                     the summary CSV, one row per task
//
// Phases on every rank: check the config (no file opened); list the inputs on rank 0 and
// broadcast them; check the program exists (before any task runs: a ConfigError); read the
// journal of earlier runs on rank 0 and agree on the tasks to run; run them, every rank taking
// the next task when free (comm::TaskCounter); gather what happened; rank 0 writes the
// summary. SIGTERM/SIGINT stop the running tasks and end the job with rankflow::Stopped once
// the journal and the summary hold what finished.
#pragma once

#include "rankflow/comm/communicator.hpp"
#include "rankflow/job/config.hpp"

namespace rankflow::job {

// True when the config has a [map] section.
bool is_map_job(const RawConfig& config);

// Local: parses and checks every key of the map job. Throws ConfigError.
void validate_map_job(const RawConfig& config);

// Collective over `comm`. Throws an agreed Error on every rank when a task failed (exit 1,
// naming how many and the first inputs) or on a bad config or input list (exit 2), and
// rankflow::Stopped after a stop signal.
void run_map_job(const comm::Communicator& comm, const RawConfig& config);

}  // namespace rankflow::job
