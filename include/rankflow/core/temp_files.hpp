// The temporary files this process has created and not yet removed, so that a last-resort
// exit (the stop watchdog, core/stop.hpp; an MPI_Abort) removes them too. The registry is
// a fixed table read without locks or allocation, so that removing is async-signal-safe.
//
//   core::TempFile part(path);      // registers; the owner still creates and removes the file
//   ...                              // ~TempFile unregisters
//   core::remove_temp_files();       // unlink() every registered path, newest first
#pragma once

#include <string>

namespace rankflow::core {

// Registers `path` for the life of the object (paths beyond the table's 64 entries, or longer
// than 4 KiB, are not registered: they are left for the next job's stale-file cleanup).
class TempFile {
 public:
  TempFile() = default;
  explicit TempFile(const std::string& path);
  ~TempFile();
  TempFile(TempFile&& other) noexcept;
  TempFile& operator=(TempFile&& other) noexcept;
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

 private:
  int slot_ = -1;
};

// Unlinks every registered path, newest first. Async-signal-safe; idempotent.
void remove_temp_files() noexcept;

}  // namespace rankflow::core
