// Stopping on a signal: SIGTERM (scancel, a Slurm time limit, mpirun passing on a stop) and
// SIGINT (Ctrl-C under srun) end a job cleanly, on every rank, within about a second.
//
//   signal ──► handler: records the signal, wakes the watchdog (async-signal-safe, nothing else)
//   block loops, phase agreements ──► stop_requested()? throw stop_error() (an Error whose
//       kind is kTerminated/kInterrupted: exit code 143/130); comm::agree makes a stop on any
//       rank every rank's stop, so the ranks leave together and the destructors remove every
//       temporary output; rank 0 prints "rankflow: stopped by SIGTERM"
//   watchdog (last resort) ──► a rank still running kStopGrace after the signal (inside a long
//       collective, or waiting for a peer that has gone) removes its registered temporary
//       files (core/temp_files.hpp), rank 0 prints the message, and it _exit()s 128 + signal.
//       mpirun sends SIGKILL 1 s after its SIGTERM (odls_base_sigkill_timeout), so the grace
//       is shorter than that.
//
// Used by `rankflow run` and `rankflow generate`, and by any job kind that loops over blocks:
//
//   core::install_stop_handlers(comm.rank() == 0);    // once, after MPI_Init
//   while (source.next(block)) { core::throw_if_stopped(); ... }
//   catch (const Error& e) { if (core::is_stop(e.kind()) && rank == 0) core::report_stop(); }
#pragma once

#include <chrono>

#include "rankflow/core/error.hpp"

namespace rankflow::core {

// How long a rank may take to stop by itself before the watchdog ends it.
inline constexpr std::chrono::milliseconds kStopGrace{400};

// Installs the SIGTERM and SIGINT handlers and starts the watchdog thread (idempotent).
// `reporter`: this process prints the stop message (rank 0).
void install_stop_handlers(bool reporter);

// True once SIGTERM or SIGINT arrived (async-signal-safe, lock-free: cheap in any loop).
bool stop_requested() noexcept;

// The signal that asked for the stop (0 when none).
int stop_signal() noexcept;

// True for the kinds of the stop errors (exit codes 128 + signal).
bool is_stop(ErrorKind kind) noexcept;

// The Error of the stop: "stopped by SIGTERM", kind kTerminated (or kInterrupted for SIGINT).
Error stop_error();

// Throws stop_error() when a stop was requested.
inline void throw_if_stopped() {
  if (stop_requested()) throw stop_error();
}

// Prints "rankflow: stopped by SIGTERM" on stderr, once per process (the normal path and the
// watchdog never both print it). Does nothing in a process that is not the reporter.
void report_stop() noexcept;

// For tests: behaves as if `signal_number` had arrived (the handler's own work).
void request_stop_for_test(int signal_number) noexcept;

}  // namespace rankflow::core
