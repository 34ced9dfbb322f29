// Memory budget per rank.
//
// An operator that must hold a share of a table in memory (a join's build side, a sort) works
// out how much it will need before it allocates, and checks it against the budget here; a job
// over the budget stops with one clear error saying how much it needs and whether more ranks
// would help (and about how many), instead of being killed by the operating system halfway
// through.
//
// check_memory is collective over `comm`: every rank passes what it needs, every rank learns
// every rank's need (one MPI_Allgather), and when any rank is over the budget every rank throws
// the same agreed Error (kRuntime). Call it where every rank calls it, outside comm::run_phase.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/core/text.hpp"

namespace rankflow::ops {

struct MemoryBudget {
  std::uint64_t bytes_per_rank = 0;              // 0: no limit
  std::string origin = "[job] memory_per_rank";  // where the limit was set, for the message
};

// The default budget: the memory available on this node (MemAvailable in /proc/meminfo) when
// the job starts, shared evenly by the ranks of the node. Collective over `comm`
// (MPI_Comm_split_type). 0 (no limit) where /proc/meminfo is missing.
std::uint64_t default_memory_budget(const comm::Communicator& comm);

// What one rank needs, in two parts, so that the advice over budget can be followed: `share`
// shrinks as more ranks share the rows (the rows it holds, their index), `fixed` does not (a
// builder's scratch of a set size). When the fixed part alone does not fit, more ranks cannot
// help; otherwise the number of ranks that would do comes from the shares alone.
struct MemoryNeed {
  std::uint64_t share = 0;
  std::uint64_t fixed = 0;
};

// Collective; see above. `what` names the operator and its step: "join (build side)".
// `advice` replaces the usual "more ranks would help" for steps where they would not (a
// broadcast join's copy per node does not shrink with more ranks); a fixed part over the budget
// still says that no rank count helps, and the smallest budget that could work.
void check_memory(const comm::Communicator& comm, const MemoryBudget& budget, std::string_view what,
                  MemoryNeed need, std::string_view advice = {});

// The memory messages' sizes: core/text.hpp's human_bytes, the one format of every log line
// (this name stays for the operators that print budgets).
inline std::string format_bytes(std::uint64_t bytes, int decimals = 1) {
  return human_bytes(bytes, decimals);
}

}  // namespace rankflow::ops
