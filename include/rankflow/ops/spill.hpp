// Spilling to disk: the scratch folder of a job and the files an operator spills into. One
// place for every operator that spills (sort, distinct today; group-by and join next).
//
//   auto scratch = Scratch::open(comm, {"/local/scratch", 200 << 30});   // collective
//   SpillFile file(*scratch, "sort-runs");                  // local: this rank's file
//   Extent at = file.append(bytes, size);                   // buffered: large writes only
//   file.read(at, buffer);                                  // after the writes: pread
//
// The folder: `<scratch>/rankflow-scratch-<job>` (job: SLURM_JOB_ID, else rank 0's host and pid), made
// by the first rank that spills. Each rank that uses it holds an flock on its own lock file in
// it (`rank-<r>.lock`) while it lives; its files are `rank-<r>-<name>`. Every rank removes its
// files and its lock when its Scratch goes (success, error: the destructor; SIGTERM:
// remove_scratch_for_signal()), the last one the folder. A folder left by a killed job (named
// rankflow-scratch-*, holding nothing but rank-* files, and every lock in it free, or no lock
// and unchanged for an hour) is removed by the next job's Scratch::open on that scratch;
// nothing else in the scratch folder is ever touched.
//
// Errors (DataError, local: the caller's phase agrees on them): a write over
// `[job] max_scratch_per_rank`, and a failed write (a full disk), both name the folder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rankflow/comm/communicator.hpp"

namespace rankflow::ops {

struct ScratchOptions {
  std::string dir;                   // where job folders go; empty: $TMPDIR, else /tmp
  std::uint64_t max_bytes_per_rank = 0;  // 0: no limit
  std::string origin = "[job] max_scratch_per_rank";  // for the message
};

// $TMPDIR, else /tmp.
std::string default_scratch_dir();

class Scratch {
 public:
  // Collective over `comm` (one bcast of the job's name); removes folders of dead jobs in
  // options.dir. Creates nothing yet: the folder comes with the first spill.
  static std::shared_ptr<Scratch> open(const comm::Communicator& comm, ScratchOptions options);
  ~Scratch();  // remove(); never throws
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  const std::string& folder() const noexcept { return folder_; }
  // Local: the folder and this rank's lock, made on first use. Throws DataError.
  void ensure();
  // This rank's path for a spill file called `name`.
  std::string file_path(const std::string& name) const;
  // Local: counts `bytes` more written by this rank; throws over max_bytes_per_rank.
  void charge(std::uint64_t bytes);
  void release(std::uint64_t bytes) noexcept { used_ -= bytes < used_ ? bytes : used_; }
  std::uint64_t bytes_written() const noexcept { return written_; }
  // Removes this rank's files and lock, and the folder when it is empty. Never throws.
  void remove() noexcept;

 private:
  Scratch(ScratchOptions options, std::string folder, int rank);
  ScratchOptions options_;
  std::string folder_;
  int rank_;
  int lock_fd_ = -1;
  int lock_slot_ = -1;  // in the signal path's list
  int folder_slot_ = -1;
  std::uint64_t used_ = 0;
  std::uint64_t written_ = 0;
};

// For a SIGTERM handler: unlinks every spill file and lock this process has open and rmdirs
// their folders, with async-signal-safe calls only (unlink, rmdir). Call it from the handler.
void remove_scratch_for_signal() noexcept;

// Where bytes went in a spill file.
struct Extent {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
};

// One file of this rank in the scratch folder. Writes go through a buffer of `block_bytes`
// (a chunk larger than it is written directly); reads are pread of whole extents. The file is
// removed when the SpillFile goes.
class SpillFile {
 public:
  SpillFile(Scratch& scratch, const std::string& name, std::size_t block_bytes = 1 << 20);
  ~SpillFile();
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;

  Extent append(const std::byte* data, std::size_t size);
  void flush();
  // Reads `at` into `out` (resized; its capacity is reused). Flushes first when needed.
  void read(Extent at, std::vector<std::byte>& out);
  std::uint64_t bytes_written() const noexcept { return size_; }
  std::uint64_t bytes_read() const noexcept { return read_; }

 private:
  [[noreturn]] void fail(const char* what, int error) const;
  Scratch* scratch_;
  std::string path_;
  int fd_ = -1;
  int slot_ = -1;  // in the signal path's list
  std::vector<std::byte> buffer_;
  std::size_t block_bytes_;
  std::uint64_t flushed_ = 0;  // bytes in the file
  std::uint64_t size_ = 0;     // bytes appended (in the file or the buffer)
  std::uint64_t read_ = 0;
};

}  // namespace rankflow::ops
