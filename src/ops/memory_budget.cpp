#include "rankflow/ops/memory_budget.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <vector>

#include "rankflow/core/error.hpp"

namespace rankflow::ops {
namespace {

std::uint64_t mem_available() {
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    if (line.rfind("MemAvailable:", 0) != 0) continue;
    std::istringstream fields(line.substr(13));
    std::uint64_t kib = 0;
    fields >> kib;
    return kib * 1024;
  }
  return 0;
}

// Enough digits that different sizes never print alike ("needs 1.1 GiB, more than the budget
// of 1.1 GiB").
int distinct_decimals(std::initializer_list<std::uint64_t> sizes) {
  int decimals = 1;
  const auto alike = [&] {
    for (auto first = sizes.begin(); first != sizes.end(); ++first)
      for (auto second = first + 1; second != sizes.end(); ++second)
        if (*first != *second && format_bytes(*first, decimals) == format_bytes(*second, decimals))
          return true;
    return false;
  };
  while (decimals < 4 && alike()) ++decimals;
  return decimals;
}

// What to do about a need over the budget, from every rank's need and the largest fixed part;
// sizes printed with `decimals`.
std::string over_budget_advice(const std::vector<MemoryNeed>& needs, std::uint64_t fixed,
                               std::uint64_t worst_total, std::uint64_t budget,
                               std::string_view advice, int decimals) {
  const auto ranks = static_cast<std::uint64_t>(needs.size());
  std::uint64_t shares = 0;
  std::uint64_t worst_share = 0;
  for (const MemoryNeed& need : needs) {
    shares += need.share;
    worst_share = std::max(worst_share, need.share);
  }
  if (fixed >= budget) {
    // No rank count brings a rank below its fixed part: only a larger budget helps.
    return fmt::format(
        "{} of that is a fixed part that does not shrink with more ranks and alone exceeds the "
        "budget, so more ranks will not help: raise the budget to at least {} at -np {} (more "
        "than {} at any rank count)",
        format_bytes(fixed, decimals), format_bytes(worst_total, decimals), ranks,
        format_bytes(fixed, decimals));
  }
  if (!advice.empty()) return std::string(advice);
  const std::uint64_t mean = shares / ranks;
  if (ranks > 1 && worst_share > 2 * mean && worst_share > 4096)
    return fmt::format(
        "the ranks need {} on average: the keys are skewed (many rows share a key), so more "
        "ranks help less than usual; raise the budget if the memory is there",
        format_bytes(mean + fixed));
  // The shares spread over more ranks when the work is balanced; each rank keeps its fixed
  // part, so the shares get what the budget leaves beside it. One more rank for slack.
  const std::uint64_t room = budget - fixed;
  const std::uint64_t enough = std::max((shares + room - 1) / room + 1, ranks + 1);
  const std::string fixed_note =
      fixed > 0 ? fmt::format(", beside a fixed {} per rank", format_bytes(fixed)) : "";
  return fmt::format(
      "more ranks would help (each holds a smaller share{}: about {} ranks would do, e.g. "
      "mpirun -np {}), or raise the budget if the memory is there",
      fixed_note, enough, enough);
}

}  // namespace

std::uint64_t default_memory_budget(const comm::Communicator& comm) {
  const comm::Communicator node = comm.split_shared();
  std::uint64_t available = node.rank() == 0 ? mem_available() : 0;
  node.bcast(&available, 1, 0);
  return available / static_cast<std::uint64_t>(node.size());
}

void check_memory(const comm::Communicator& comm, const MemoryBudget& budget, std::string_view what,
                  MemoryNeed need, std::string_view advice) {
  if (budget.bytes_per_rank == 0) return;
  const std::vector<MemoryNeed> needs = comm.allgather(need);
  std::size_t worst = 0;
  for (std::size_t rank = 1; rank < needs.size(); ++rank)
    if (needs[rank].share + needs[rank].fixed > needs[worst].share + needs[worst].fixed)
      worst = rank;
  const std::uint64_t worst_total = needs[worst].share + needs[worst].fixed;
  if (worst_total <= budget.bytes_per_rank) return;

  std::uint64_t fixed = 0;
  for (const MemoryNeed& each : needs) fixed = std::max(fixed, each.fixed);
  // The budget with as many digits as tell it from the need; the need, and the fixed part when
  // the advice names it beside the need, with as many as tell all three apart.
  const int budget_decimals = distinct_decimals({worst_total, budget.bytes_per_rank});
  const int decimals = fixed >= budget.bytes_per_rank
                           ? distinct_decimals({worst_total, budget.bytes_per_rank, fixed})
                           : budget_decimals;
  const std::string message = fmt::format(
      "{}: rank {} of {} needs {} of memory, more than the budget of {} per rank ({}); {}", what,
      worst, needs.size(), format_bytes(worst_total, decimals),
      format_bytes(budget.bytes_per_rank, budget_decimals), budget.origin,
      over_budget_advice(needs, fixed, worst_total, budget.bytes_per_rank, advice, decimals));
  throw Error(ErrorKind::kRuntime, message, /*agreed=*/true);
}

}  // namespace rankflow::ops
