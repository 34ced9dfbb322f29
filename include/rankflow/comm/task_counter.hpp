// TaskCounter: dynamic scheduling of tasks 0..n-1 over the ranks, handed out in order on
// request. Every rank, rank 0 included, asks for its next task when it is free, so a rank that
// finishes early takes the next one; no rank is a manager that only hands out work.
//
// The counter is one int64 on rank 0 in an MPI-3 window; next() is an atomic MPI_Fetch_and_op
// (passive target: rank 0 does nothing to serve it; on one node Open MPI's osc/sm makes it a
// shared-memory atomic). stop() adds a huge number, so that no rank gets a task after it.
//
//   TaskCounter counter(comm, tasks.size());      // collective over comm
//   while (std::optional<std::uint64_t> task = counter.next()) run(*task);   // not collective
//   counter.wait_for_all();                        // collective: every rank, on every path
//   // ~TaskCounter: collective over comm (MPI_Win_free), after every rank's loop
//
// Where the MPI library needs the target to take part (osc/pt2pt between nodes), a rank that
// waits on something else (a child process) calls progress() now and then.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <optional>

#include "rankflow/comm/communicator.hpp"

namespace rankflow::comm {

class TaskCounter {
 public:
  // Collective over `comm`: every rank, the same `count`.
  TaskCounter(const Communicator& comm, std::uint64_t count);
  // Collective over the communicator.
  ~TaskCounter();
  TaskCounter(const TaskCounter&) = delete;
  TaskCounter& operator=(const TaskCounter&) = delete;

  // Not collective: the next task, or nullopt when all are handed out or stop() was called.
  std::optional<std::uint64_t> next();
  // Not collective: no rank gets a new task after this (tasks running go on).
  void stop();
  // Not collective: lets MPI progress messages others sent to this rank.
  void progress() const;
  // Collective: returns once every rank has called it. A rank out of tasks waits here for the
  // others' last tasks polling every millisecond (MPI_Ibarrier), not spinning in a blocking
  // collective, which would take a core from the tasks still running.
  void wait_for_all() const;

 private:
  std::int64_t fetch_add(std::int64_t value);

  MPI_Comm comm_;
  MPI_Win win_ = MPI_WIN_NULL;
  std::int64_t* base_ = nullptr;
  std::uint64_t count_;
};

}  // namespace rankflow::comm
