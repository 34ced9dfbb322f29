#include "rankflow/ops/memory_budget.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
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

}  // namespace

std::string format_bytes(std::uint64_t bytes) { return format_bytes(bytes, 1); }

std::string format_bytes(std::uint64_t bytes, int decimals) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(units)) {
    value /= 1024.0;
    ++unit;
  }
  if (unit == 0) return fmt::format("{} B", bytes);
  return fmt::format("{:.{}f} {}", value, value < 10 ? decimals : decimals - 1, units[unit]);
}

std::uint64_t default_memory_budget(const comm::Communicator& comm) {
  const comm::Communicator node = comm.split_shared();
  std::uint64_t available = node.rank() == 0 ? mem_available() : 0;
  node.bcast(&available, 1, 0);
  return available / static_cast<std::uint64_t>(node.size());
}

void check_memory(const comm::Communicator& comm, const MemoryBudget& budget, std::string_view what,
                  std::uint64_t need, std::string_view advice) {
  if (budget.bytes_per_rank == 0) return;
  const std::vector<std::uint64_t> needs = comm.allgather(need);
  const auto worst = std::max_element(needs.begin(), needs.end());
  if (*worst <= budget.bytes_per_rank) return;

  const auto ranks = static_cast<std::uint64_t>(comm.size());
  std::uint64_t total = 0;
  for (std::uint64_t value : needs) total += value;
  const std::uint64_t mean = total / ranks;
  // The work spreads over more ranks when it is balanced; then about this many would do.
  const std::uint64_t enough = (total + budget.bytes_per_rank - 1) / budget.bytes_per_rank + 1;
  // Enough digits that the need and the budget never print alike ("needs 1.1 GiB, more than
  // the budget of 1.1 GiB").
  int decimals = 1;
  while (decimals < 4 &&
         format_bytes(*worst, decimals) == format_bytes(budget.bytes_per_rank, decimals))
    ++decimals;
  std::string message =
      fmt::format("{}: rank {} of {} needs {} of memory, more than the budget of {} per rank ({})",
                  what, worst - needs.begin(), ranks, format_bytes(*worst, decimals),
                  format_bytes(budget.bytes_per_rank, decimals), budget.origin);
  if (!advice.empty()) {
    message += fmt::format("; {}", advice);
  } else if (ranks > 1 && *worst > 2 * mean && *worst > 4096) {
    message += fmt::format(
        "; the ranks need {} on average: the keys are skewed (many rows share a key), so more "
        "ranks help less than usual; raise the budget if the memory is there",
        format_bytes(mean));
  } else {
    message += fmt::format(
        "; more ranks would help (each holds a smaller share: about {} ranks would do, e.g. "
        "mpirun -np {}), or raise the budget if the memory is there",
        std::max(enough, ranks + 1), std::max(enough, ranks + 1));
  }
  throw Error(ErrorKind::kRuntime, std::move(message), /*agreed=*/true);
}

}  // namespace rankflow::ops
