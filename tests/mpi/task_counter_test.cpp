// comm::TaskCounter at every rank count: each task handed out exactly once, in increasing order
// on each rank, to every rank when there is enough work; stop() ends the handing out.
#include "rankflow/comm/task_counter.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "support/mpi_test.hpp"

namespace rankflow::comm {
namespace {

using test::world;

TEST(TaskCounter, EveryTaskExactlyOnce) {
  const Communicator& comm = world();
  for (std::uint64_t count : {0u, 1u, 3u, 200u}) {
    std::vector<std::uint64_t> mine;
    {
      TaskCounter counter(comm, count);
      while (std::optional<std::uint64_t> task = counter.next()) {
        EXPECT_TRUE(mine.empty() || *task > mine.back()) << "in order on each rank";
        mine.push_back(*task);
        // Uneven work, so that ranks interleave.
        if ((*task + static_cast<std::uint64_t>(comm.rank())) % 7 == 0)
          std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      EXPECT_FALSE(counter.next().has_value()) << "handed out is handed out";
    }
    std::string packed(reinterpret_cast<const char*>(mine.data()),
                       mine.size() * sizeof(std::uint64_t));
    std::multiset<std::uint64_t> all;
    for (const std::string& part : comm.allgather_strings(packed)) {
      const auto* values = reinterpret_cast<const std::uint64_t*>(part.data());
      all.insert(values, values + part.size() / sizeof(std::uint64_t));
    }
    EXPECT_EQ(all.size(), count);
    for (std::uint64_t task = 0; task < count; ++task) EXPECT_EQ(all.count(task), 1u) << task;
  }
}

TEST(TaskCounter, StopEndsHandingOutOnEveryRank) {
  const Communicator& comm = world();
  TaskCounter counter(comm, 1000);
  if (comm.rank() == comm.size() - 1) counter.stop();
  comm.barrier();
  EXPECT_FALSE(counter.next().has_value());
}

}  // namespace
}  // namespace rankflow::comm
