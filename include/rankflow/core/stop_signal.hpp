// A stop requested by SIGTERM (Slurm's time limit, scancel, mpirun passing on a kill) or
// SIGINT (Ctrl-C), for code that must end cleanly rather than die: the [map] job stops its
// running tasks, records what finished and removes partial outputs (docs/map.md).
//
//   StopSignalScope scope;            // installs the handlers; the destructor restores them
//   while (...) { if (stop_signal() != 0) break; ... }
//   if (int sig = stop_signal()) throw Stopped(sig, "...");   // exit code 128 + sig
//
// The handler only records the signal (async-signal-safe). Not collective; no MPI.
#pragma once

#include <signal.h>

#include <string>

#include "rankflow/core/error.hpp"

namespace rankflow {

// The signal received since the last StopSignalScope was opened (SIGTERM or SIGINT), or 0.
int stop_signal() noexcept;

class StopSignalScope {
 public:
  StopSignalScope();
  ~StopSignalScope();
  StopSignalScope(const StopSignalScope&) = delete;
  StopSignalScope& operator=(const StopSignalScope&) = delete;

 private:
  struct sigaction previous_term_ {};
  struct sigaction previous_int_ {};
};

// The job stopped on a signal after cleaning up: the CLI exits with 128 + signal (143 for
// SIGTERM, 130 for SIGINT). Agreed: every rank throws it.
class Stopped : public Error {
 public:
  Stopped(int signal, std::string message)
      : Error(ErrorKind::kRuntime, std::move(message), /*agreed=*/true), signal_(signal) {}
  int signal() const noexcept { return signal_; }
  int stop_exit_code() const noexcept { return 128 + signal_; }

 private:
  int signal_;
};

}  // namespace rankflow
