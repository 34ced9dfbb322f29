// Cross-rank error agreement: one rank's error never leaves the others inside a collective.
//
// A job is a sequence of phases (open, read, reduce, shuffle, write). run_phase runs a phase's
// body on every rank, turns an exception into a value, and then agrees over the communicator:
//
//   rank 0:  body ok ────────────┐
//   rank 1:  body throws ──► err ├─► Allreduce(MAX code) ─► Allgather(messages) ─► throw on all
//   rank 2:  body ok ────────────┘
//
// so every rank leaves the phase together and throws the same Error (agreed() == true), whose
// message names the failing rank and its cause. Collective over `comm`.
//
// Contract for the body: it may call collectives only if every rank reaches them on every path
// (collective HDF5 I/O in a block loop is fine if an error is recorded and the loop goes on to
// the end, see check_agreed). A body must not nest another run_phase.
//
// For tests and drills, RANKFLOW_INJECT_FAILURE=<phase>:<rank> makes the body of that phase
// throw on that rank (<phase> may be '*').
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/core/error.hpp"

namespace rankflow::comm {

// The local outcome of a phase on this rank, as a value (std::nullopt: success).
using Failure = std::optional<Error>;

// Converts the exception being handled into an Error (non-rankflow exceptions are runtime).
Error current_exception_as_error();

// Collective: if any rank's `local` holds an error, throws the agreed Error on every rank.
void agree(const Communicator& comm, std::string_view phase, const Failure& local);

// Throws an injected failure when RANKFLOW_INJECT_FAILURE names this phase and rank.
void maybe_inject_failure(const Communicator& comm, std::string_view phase);

template <typename Body>
auto run_phase(const Communicator& comm, std::string_view phase, Body&& body) {
  using Result = std::invoke_result_t<Body>;
  Failure failure;
  if constexpr (std::is_void_v<Result>) {
    try {
      maybe_inject_failure(comm, phase);
      std::forward<Body>(body)();
    } catch (...) {
      failure = current_exception_as_error();
    }
    agree(comm, phase, failure);
  } else {
    std::optional<Result> result;
    try {
      maybe_inject_failure(comm, phase);
      result.emplace(std::forward<Body>(body)());
    } catch (...) {
      failure = current_exception_as_error();
    }
    agree(comm, phase, failure);
    return std::move(*result);
  }
}

}  // namespace rankflow::comm
