// AtomicOutput: an output file that appears whole or not at all.
//
// Every output is written under a hidden temporary name in the same folder
// (".NAME.rankflow-tmp-<id>") and renamed to NAME only when every rank has succeeded, so a
// failed job leaves nothing behind and never truncates an existing file. The same folder
// keeps the rename atomic (same file system).
//
//   AtomicOutput out(comm, "out/stats.h5");   // collective: checks the folder, agrees on the name
//   run_phase(comm, "writing", [&] { write_everything_to(out.temp_path()); });
//   out.commit();                             // collective: rank 0 renames
//   // on an exception the destructor removes the temporary file (rank 0, no collectives)
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rankflow/comm/communicator.hpp"

namespace rankflow::io {

// The first of `inputs` that is the same file as `output` (same device and inode, so that
// `out/../in.csv`, a symlink or a hard link to an input all count), or nullopt. An output that
// does not exist yet is no input. Local; reads only file metadata.
std::optional<std::string> input_at(const std::string& output,
                                    const std::vector<std::string>& inputs);

class AtomicOutput {
 public:
  // Collective. Throws an agreed Error when the folder is missing or not writable.
  AtomicOutput(const comm::Communicator& comm, std::string final_path);
  ~AtomicOutput();
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  const std::string& final_path() const { return final_path_; }
  const std::string& temp_path() const { return temp_path_; }

  // Collective: barrier (every rank has closed the file), then rank 0 renames, then agreement.
  void commit();

 private:
  const comm::Communicator* comm_;
  std::string final_path_;
  std::string temp_path_;
  bool committed_ = false;
};

}  // namespace rankflow::io
