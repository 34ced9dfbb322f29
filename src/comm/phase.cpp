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
    return Error(error.kind(), error.what());
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
  int first = -1;
  int failed = 0;
  bool all_same = true;
  for (int rank_idx = 0; rank_idx < comm.size(); ++rank_idx) {
    const auto idx = static_cast<std::size_t>(rank_idx);
    if (codes[idx] == 0) {
      all_same = false;
      continue;
    }
    ++failed;
    if (first < 0 && codes[idx] == worst) first = rank_idx;
  }
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
