// FailureLatch: error agreement for phases whose body is a loop of collective calls.
//
// run_phase (phase.hpp) cannot wrap a loop of collective reads: a rank that throws in the
// middle would leave the others inside the next collective read. Instead, the loop keeps every
// rank in step and latches the first local error; the work of a failed rank is skipped, its
// collectives are not; the agreement comes after the loop:
//
//   FailureLatch latch(comm, "reducing /temperature");   // may inject a failure (tests)
//   while (reader.next(block))                           // collective: every rank, every step
//     latch.run([&] { reducer.consume(block); });        // local work; an error is latched
//   latch.agree();                                       // collective: throws the agreed Error
//
// run_collective_phase (below) is the same for a body of collectives that fail on every rank
// or on none.
//
// RANKFLOW_INJECT_FAILURE=<phase>:<rank> (phase.hpp) latches an injected failure at
// construction, so a drill exercises exactly this path.
#pragma once

#include <string>
#include <utility>

#include "rankflow/comm/phase.hpp"
#include "rankflow/core/stop.hpp"

namespace rankflow::comm {

class FailureLatch {
 public:
  // Local. Latches an injected failure when RANKFLOW_INJECT_FAILURE names `phase` and this rank.
  FailureLatch(const Communicator& comm, std::string phase)
      : comm_(&comm), phase_(std::move(phase)) {
    run([&] { maybe_inject_failure(comm, phase_); });
  }

  // Runs `work` unless an error is already latched; latches what it throws. Local.
  template <typename Work>
  void run(Work&& work) noexcept {
    if (failure_) return;
    if (core::stop_requested()) {  // a stop skips the rest of the work like an error does
      failure_ = core::stop_error();
      return;
    }
    try {
      std::forward<Work>(work)();
    } catch (...) {
      failure_ = current_exception_as_error();
    }
  }

  // Runs `work` even when an error is latched: for a collective every rank must join (its
  // result is ignored on a failed rank). Keeps the first error.
  template <typename Work>
  void run_always(Work&& work) noexcept {
    try {
      std::forward<Work>(work)();
    } catch (...) {
      if (!failure_) failure_ = current_exception_as_error();
    }
  }

  bool failed() const noexcept { return failure_.has_value(); }
  const std::string& phase() const noexcept { return phase_; }

  // Collective: throws the agreed Error on every rank if any rank latched one.
  void agree() const { comm::agree(*comm_, phase_, failure_); }

 private:
  const Communicator* comm_;
  std::string phase_;
  Failure failure_;
};

// For a phase whose body calls collectives that fail on every rank or on none (creating a
// file or a dataset with the MPI-IO driver): runs the body, then agrees. Unlike run_phase,
// a failure injected for the phase fires after the body, so its collectives stay matched.
template <typename Body>
void run_collective_phase(const Communicator& comm, std::string_view phase, Body&& body) {
  Failure failure;
  try {
    std::forward<Body>(body)();
    maybe_inject_failure(comm, phase);
  } catch (...) {
    failure = current_exception_as_error();
  }
  agree(comm, phase, failure);
}

}  // namespace rankflow::comm
