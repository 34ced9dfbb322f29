// Helpers for MPI tests: the test communicator, and assertions that agree across ranks.
//
// A test body that returns early on one rank (an ASSERT_* failure) before a collective would
// hang the others. Use EXPECT_* for values, and RF_ASSERT_ALL(cond) where the test must stop:
// it agrees on `cond` over the communicator first, so every rank stops together.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>

#include "rankflow/comm/communicator.hpp"

namespace rankflow::test {

// A Communicator duplicated from MPI_COMM_WORLD once per process and freed before finalize.
const comm::Communicator& world();
void world_release();

// The number of nodes the test runs on: RANKFLOW_TEST_NODES (2 in the two-node runs,
// tests/CMakeLists.txt: rankflow_add_two_node_test), else 1.
inline int real_nodes() {
  const char* nodes = std::getenv("RANKFLOW_TEST_NODES");
  return nodes != nullptr && std::atoi(nodes) > 0 ? std::atoi(nodes) : 1;
}

inline bool all_ranks(const comm::Communicator& comm, bool local) {
  return comm.allreduce(local ? 1 : 0, comm::ReduceOp::kMin) == 1;
}

}  // namespace rankflow::test

#define RF_ASSERT_ALL(comm, cond)                                                 \
  do {                                                                            \
    const bool rf_local_ok_ = static_cast<bool>(cond);                            \
    EXPECT_TRUE(rf_local_ok_) << #cond;                                           \
    if (!::rankflow::test::all_ranks((comm), rf_local_ok_)) return;               \
  } while (0)
