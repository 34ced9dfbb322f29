// What a node is to rankflow, checked at one node (np 1..4) and at two (test_node_layout_2x2:
// 2 nodes x 2 ranks, tests/CMakeLists.txt): the ranks of a node (MPI_COMM_TYPE_SHARED), their
// placement, and the default memory budget, which is the node's available memory shared by the
// node's ranks (not by all ranks of the job).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "rankflow/ops/memory_budget.hpp"
#include "support/mpi_test.hpp"

namespace rankflow {
namespace {

using test::world;

std::uint64_t mem_available_now() {
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    std::istringstream fields(line);
    std::string name;
    std::uint64_t kib = 0;
    if (fields >> name >> kib && name == "MemAvailable:") return kib * 1024;
  }
  return 0;
}

TEST(NodeLayout, RanksSplitIntoTheNodesInSlotOrder) {
  const comm::Communicator node = world().split_shared();
  const int nodes = test::real_nodes();
  const int leaders = world().allreduce(node.rank() == 0 ? 1 : 0, comm::ReduceOp::kSum);
  EXPECT_EQ(leaders, nodes);
  if (nodes > 1) {  // the hostfile's slots fill node-a first: ranks 0, 1 | 2, 3
    const int per_node = world().size() / nodes;
    EXPECT_EQ(node.size(), per_node);
    EXPECT_EQ(node.rank(), world().rank() % per_node);
    const std::vector<int> members = node.allgather(world().rank());
    for (int idx = 0; idx < node.size(); ++idx)
      EXPECT_EQ(members[static_cast<std::size_t>(idx)], world().rank() - node.rank() + idx);
  } else {
    EXPECT_EQ(node.size(), world().size());
  }
}

TEST(NodeLayout, DefaultMemoryBudgetIsTheNodesMemoryOverItsRanks) {
  const std::uint64_t budget = ops::default_memory_budget(world());
  const std::uint64_t available = mem_available_now();
  const int node_ranks = world().split_shared().size();
  // Other processes change MemAvailable between the two readings: a loose bound, but one that
  // tells "divided by the node's ranks" (2 per node at 2x2) from "by all ranks" (4).
  const double ratio = static_cast<double>(budget) * node_ranks / static_cast<double>(available);
  EXPECT_GT(ratio, 0.8) << budget << " per rank, " << available << " available";
  EXPECT_LT(ratio, 1.25) << budget << " per rank, " << available << " available";
  // Every rank of a node has the same budget (the leader's reading, broadcast).
  const comm::Communicator node = world().split_shared();
  const std::vector<std::uint64_t> budgets = node.allgather(budget);
  for (const std::uint64_t each : budgets) EXPECT_EQ(each, budget);
}

}  // namespace
}  // namespace rankflow
