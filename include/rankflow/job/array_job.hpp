// The array job (issue #2): reductions and centering of an N-D HDF5 dataset.
//
//   [input]  path, dataset            the array; every rank reads its own rows
//   [reduce] functions, axis, ...     sum/mean/min/max/count/var/std/nan_count
//   [center] kind, axis, ...          x - mean (or z-scores) into a new HDF5 dataset
//   [output] path, ...                CSV or HDF5 results, a table on stdout
//
// Phases on every rank: check the config (no file opened), check the input on rank 0 (file,
// dataset, type, axes: still no data read), prepare the outputs (folders, temporary files),
// read and reduce block by block, write, commit. Errors are agreed across ranks; outputs
// appear only when the job succeeds. docs/hdf5-reductions.md is the user's reference.
#pragma once

#include "rankflow/comm/communicator.hpp"
#include "rankflow/job/config.hpp"
#include "rankflow/job/runner.hpp"

namespace rankflow::job {

// True when the config has a [reduce] or [center] section.
bool is_array_job(const RawConfig& config);

// Local: parses and checks every key of the array job. Throws ConfigError.
void validate_array_job(const RawConfig& config);

// Collective over `comm`. Throws an agreed Error on every rank on failure.
void run_array_job(const comm::Communicator& comm, const RawConfig& config,
                   const RunOptions& options);

}  // namespace rankflow::job
