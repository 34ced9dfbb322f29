// AtomicOutput: an output file that appears whole or not at all.
//
// Every output is written under a hidden temporary name in the same folder
// (".NAME.rankflow-tmp-<job>-<pid>") and renamed to NAME only when every rank has succeeded,
// so a failed or stopped job leaves nothing behind and never truncates an existing file. The
// same folder keeps the rename atomic (same file system).
//
//   AtomicOutput out(comm, "out/stats.h5");   // collective: checks the folder, agrees on the name
//   run_phase(comm, "writing", [&] { write_everything_to(out.temp_path()); });
//   out.commit();                             // collective: rank 0 renames
//   // on an exception the destructor removes the temporary file (rank 0, no collectives)
//
// Files that belong to an output's temporary name: the temporary file itself, the ranks'
// part files (temp_path() + ".part..."), and the lock ".NAME.rankflow-tmp-<job>-<pid>.lock",
// which rank 0 creates first, holds (flock) while the output is written and removes last.
// Stale temporary files: when a job prepares NAME, it first removes every
// ".NAME.rankflow-tmp-*" file whose lock nobody holds (a killed job's, whose kernel lock went
// with its process) or that has no lock file at all; a live concurrent writer's files, whose
// lock is held, are never touched. Two jobs writing the same output each write their own
// temporary file and rename it: the last rename wins, and the file is always one job's whole
// output (docs/outputs.md).
//
// Special files: a character device (/dev/null) is written directly, never renamed over
// (text outputs; an HDF5 output refuses it: Target::kRegularFile); a FIFO, a socket or a
// block device is refused (ConfigError): the parallel writes go to file offsets, which a pipe
// cannot take, and a rename would replace the special file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/core/temp_files.hpp"

namespace rankflow::io {

// The first of `inputs` that is the same file as `output` (same device and inode, so that
// `out/../in.csv`, a symlink or a hard link to an input all count), or nullopt. An output that
// does not exist yet is no input. Local; reads only file metadata.
std::optional<std::string> input_at(const std::string& output,
                                    const std::vector<std::string>& inputs);

// Removes the stale temporary files of output NAME in `folder` (above). Local, best effort.
void remove_stale_temps(const std::string& folder, const std::string& name);

// Where a rank's part file of `target` goes: `target` + `suffix` (beside it: same file
// system), or, for a character device target (/dev/null), whose folder is no place for files,
// "$TMPDIR/rankflow-part-<pid><suffix>". Local.
std::string part_path_beside(const std::string& target, const std::string& suffix);

class AtomicOutput {
 public:
  // What the target may be: kAnyFile also takes a character device (text outputs);
  // kRegularFile refuses it too (HDF5, which reads back and resizes its file).
  enum class Target { kAnyFile, kRegularFile };

  // Collective. Throws an agreed Error when the folder is missing or not writable, or the
  // target is a special file that `target` does not take.
  AtomicOutput(const comm::Communicator& comm, std::string final_path,
               Target target = Target::kAnyFile);
  ~AtomicOutput();
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  const std::string& final_path() const { return final_path_; }
  // The file to write: the temporary name, or the final path itself when direct().
  const std::string& temp_path() const { return temp_path_; }
  // True when the target is a character device (/dev/null): written in place, not renamed,
  // not truncated to a size.
  bool direct() const { return direct_; }

  // Collective: barrier (every rank has closed the file), then rank 0 renames, then agreement.
  void commit();

 private:
  void release_lock() noexcept;
  const comm::Communicator* comm_;
  std::string final_path_;
  std::string temp_path_;
  bool committed_ = false;
  bool direct_ = false;
  int lock_fd_ = -1;  // rank 0: the held lock of the temporary name
  std::string lock_path_;
  core::TempFile lock_registration_;  // for the stop watchdog (core/stop.hpp)
  core::TempFile temp_registration_;
};

}  // namespace rankflow::io
