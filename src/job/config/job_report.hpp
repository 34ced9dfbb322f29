// After a job's pipeline ran: the end-of-job summary on stderr, and the profile and the report
// that `rankflow run --profile/--report` asked for; before it runs: the plan for `explain`.
// Internal to job/.
#pragma once

#include <string>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/exec/pipeline.hpp"
#include "rankflow/job/config.hpp"
#include "rankflow/job/runner.hpp"

namespace rankflow::job {

// Collective: runs `pipeline` with the progress display `options` ask for ([job]
// progress_interval: how often lines mode prints between stage changes).
void run_with_progress(const comm::Communicator& comm, exec::Pipeline& pipeline,
                       const RunOptions& options, const RawConfig& config);

// Collective: gathers every rank's statistics once, logs the summary (info level, rank 0) and
// writes the profile and report files (atomically) when `options` names them.
void report_pipeline(const comm::Communicator& comm, const exec::Pipeline& pipeline,
                     const RunOptions& options);

// Rank 0 prints the plan on stdout: `facts` (inputs, columns read, budget, outputs), then one
// line per stage.
void print_explain(const comm::Communicator& comm, const std::vector<std::string>& facts,
                   const exec::Pipeline& pipeline);

}  // namespace rankflow::job
