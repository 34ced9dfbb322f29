// Outputs never land on inputs: a job whose output is one of its own input files (however the
// path is spelled: `out/../in.csv`, a symlink, a hard link) is refused before any row is read,
// since renaming the finished output over it would destroy the input. Internal to job/.
#pragma once

#include <string>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/job/config.hpp"

namespace rankflow::job {

// A file a job reads or writes, with the config key that names it ("[output] path").
struct JobFile {
  std::string key;   // "[input.sales] path"
  std::string path;  // a path, or for a CSV input a glob
  bool csv_glob = false;
};

// Collective: rank 0 compares every output with every input file; throws the same agreed
// ConfigError on every rank (exit 2) when one would overwrite an input. An input that cannot be
// listed is skipped here: opening it reports that.
void refuse_outputs_over_inputs(const comm::Communicator& comm, const RawConfig& config,
                                const std::vector<JobFile>& inputs,
                                const std::vector<JobFile>& outputs);

}  // namespace rankflow::job
