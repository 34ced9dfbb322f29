// Running a job: check a config completely before any data is read, then run it.
//
// A job is one of
//   array jobs:  [input] dataset + [reduce] and/or [center]  (HDF5 N-D arrays, issue #2)
//   table jobs:  [input] / [input.NAME] tables through filter, derive, join, groupby, sort...
//   map jobs:    [map] a command run once per input file, scheduled over the ranks (issue #13)
// The kind is decided from the sections present; validate_job says why a config is neither.
#pragma once

#include "rankflow/comm/communicator.hpp"
#include <string>

#include "rankflow/job/config.hpp"

namespace rankflow::job {

// How `rankflow run` (and `rankflow explain`) run a job: docs/observability.md.
struct RunOptions {
  std::string profile;            // --profile PATH: Chrome trace event JSON of every stage
  std::string report;             // --report PATH: one self-contained HTML report
  std::string progress = "off";   // --progress auto|bar|lines|off (rank 0's stderr)
  bool explain = false;           // print the bound plan, read no rows, write nothing
};

// Local checks only (schema, values, expressions): no file is opened, no MPI is used, so
// `rankflow submit` can run it on a login node. Throws ConfigError.
void validate_job(const RawConfig& config);

// Collective over `comm`. Validates, opens inputs (checks that need their metadata, such as an
// axis against a dataset's rank, come next, still before any data is read), runs the pipeline
// and writes the outputs atomically. Throws an agreed Error on every rank on failure.
void run_job(const comm::Communicator& comm, const RawConfig& config,
             const RunOptions& options = {});

}  // namespace rankflow::job
