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
// RANKFLOW_INJECT_FAILURE=<phase>:<rank> (phase.hpp) latches an injected failure at
// construction, so a drill exercises exactly this path.
#pragma once

#include <string>
#include <utility>

#include "rankflow/comm/phase.hpp"

namespace rankflow::comm {

class FailureLatch {
 public:
  // Local. Latches an injected failure when RANKFLOW_INJECT_FAILURE names `phase` and this rank.
  FailureLatch(const Communicator& comm, std::string phase) : comm_(&comm), phase_(std::move(phase)) {
    run([&] { maybe_inject_failure(comm, phase_); });
  }

  // Runs `work` unless an error is already latched; latches what it throws. Local.
  template <typename Work>
  void run(Work&& work) noexcept {
    if (failure_) return;
    try {
      std::forward<Work>(work)();
    } catch (...) {
      failure_ = current_exception_as_error();
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

}  // namespace rankflow::comm
