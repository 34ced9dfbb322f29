#include "rankflow/comm/phase.hpp"

#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "rankflow/core/stop.hpp"

namespace rankflow::comm {

Error current_exception_as_error() {
  try {
    throw;
  } catch (const Error& error) {
    Error value(error.kind(), error.what());
    value.set_input_position(error.input_position());
    return value;
  } catch (const std::bad_alloc&) {
    return DataError("out of memory (std::bad_alloc): lower the block size or use more ranks");
  } catch (const std::exception& error) {
    return DataError("{}", error.what());
  } catch (...) {
    return DataError("unknown exception");
  }
}

void maybe_inject_failure(const Communicator& comm, std::string_view phase) {
  const char* spec = std::getenv("RANKFLOW_INJECT_FAILURE");
  if (spec == nullptr) return;
  std::string_view text(spec);
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return;
  std::string_view want_phase = text.substr(0, colon);
  std::string rank_text(text.substr(colon + 1));
  if (want_phase != "*" && want_phase != phase) return;
  if (std::atoi(rank_text.c_str()) != comm.rank()) return;
  throw DataError("injected failure in phase '{}' (RANKFLOW_INJECT_FAILURE)", phase);
}

namespace {

// The rank whose error is reported: among the ranks with the worst kind, the one that failed
// earliest in the input when all of them know where (the error a serial reading meets
// first, whatever the rank count), else the lowest.
int reported_rank(const std::vector<int>& codes, const std::vector<std::uint64_t>& positions,
                  int worst) {
  int lowest = -1;
  int earliest = -1;
  bool all_placed = true;
  for (std::size_t idx = 0; idx < codes.size(); ++idx) {
    if (codes[idx] != worst) continue;
    const int rank = static_cast<int>(idx);
    if (lowest < 0) lowest = rank;
    if (positions[idx] == Error::kNoPosition) all_placed = false;
    if (earliest < 0 || positions[idx] < positions[static_cast<std::size_t>(earliest)])
      earliest = rank;
  }
  return all_placed ? earliest : lowest;
}

}  // namespace

void agree(const Communicator& comm, std::string_view phase, const Failure& given) {
  // Every agreement is a stop point: a signal on any rank stops every rank here (the stop
  // kinds are the largest codes, so they win over any other error).
  const Failure local = core::stop_requested() ? Failure(core::stop_error()) : given;
  const int local_code = local ? static_cast<int>(local->kind()) : 0;
  const int worst = comm.allreduce(local_code, ReduceOp::kMax);
  if (worst == 0) return;

  // Rare path: every rank learns every message, so that every rank throws the same text.
  std::vector<std::string> messages = comm.allgather_strings(local ? local->what() : "");
  std::vector<int> codes = comm.allgather(local_code);
  const std::vector<std::uint64_t> positions =
      comm.allgather(local ? local->input_position() : Error::kNoPosition);
  int failed = 0;
  bool all_same = true;
  for (const int code : codes) {
    if (code == 0) all_same = false;
    else ++failed;
  }
  const int first = reported_rank(codes, positions, worst);
  const std::string& cause = messages[static_cast<std::size_t>(first)];
  for (std::size_t idx = 0; idx < messages.size() && all_same; ++idx)
    all_same = messages[idx] == cause;

  std::string message;
  if (comm.size() == 1 || all_same) {
    message = cause;
  } else if (core::is_stop(static_cast<ErrorKind>(worst))) {
    message = fmt::format("{} (rank {} of {})", cause, first, comm.size());
  } else {
    message = fmt::format("rank {} of {} failed while {}: {}", first, comm.size(), phase, cause);
    if (failed > 1) message += fmt::format(" ({} ranks failed in all)", failed);
  }
  throw Error(static_cast<ErrorKind>(worst), std::move(message), /*agreed=*/true);
}

}  // namespace rankflow::comm
