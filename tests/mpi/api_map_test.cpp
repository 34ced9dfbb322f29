// api::map and api::NodeShared at every rank count, against a serial oracle: results in input
// order whatever rank ran them, every item once, errors agreed on every rank, one copy of a
// shared argument per node.
#include <gtest/gtest.h>

#include <chrono>
#include <numeric>
#include <thread>

#include "rankflow/api/map.hpp"
#include "rankflow/api/node_shared.hpp"
#include "rankflow/comm/phase.hpp"
#include "support/mpi_test.hpp"

namespace rankflow::api {
namespace {

using test::world;

std::string oracle_text(int item) {
  return std::string(static_cast<std::size_t>(item % 13), 'a' + static_cast<char>(item % 26)) +
         std::to_string(item * item);
}

TEST(ApiMap, ResultsInInputOrderAgainstASerialOracle) {
  const comm::Communicator& comm = world();
  for (int count : {0, 1, 3, 101}) {
    std::vector<int> items(static_cast<std::size_t>(count));
    std::iota(items.begin(), items.end(), 0);
    std::vector<int> ran_by;
    const std::vector<std::string> texts = map(comm, items, [&](int item) {
      ran_by.push_back(item);
      if (item % 17 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));  // skew
      return oracle_text(item);
    });
    const std::vector<double> halves = map(comm, items, [](int item) { return item / 2.0; });
    const std::vector<std::vector<int>> ranges = map(comm, items, [](int item) {
      return std::vector<int>(static_cast<std::size_t>(item % 5), item);
    });
    ASSERT_EQ(texts.size(), items.size());
    ASSERT_EQ(halves.size(), items.size());
    ASSERT_EQ(ranges.size(), items.size());
    for (int item : items) {
      const auto idx = static_cast<std::size_t>(item);
      EXPECT_EQ(texts[idx], oracle_text(item));
      EXPECT_EQ(halves[idx], item / 2.0);
      EXPECT_EQ(ranges[idx], std::vector<int>(static_cast<std::size_t>(item % 5), item));
    }
    // Every item ran exactly once, somewhere.
    const std::uint64_t ran = comm.allreduce<std::uint64_t>(ran_by.size(), comm::ReduceOp::kSum);
    EXPECT_EQ(ran, static_cast<std::uint64_t>(count));
  }
}

TEST(ApiMap, AFailingItemIsTheSameErrorOnEveryRank) {
  const comm::Communicator& comm = world();
  std::vector<int> items(40);
  std::iota(items.begin(), items.end(), 0);
  std::string message;
  try {
    map(comm, items, [](int item) {
      if (item == 23) throw std::runtime_error("bad item");
      return item;
    });
  } catch (const Error& error) {
    EXPECT_TRUE(error.agreed());
    message = error.what();
  }
  EXPECT_NE(message.find("item 23: bad item"), std::string::npos) << message;
  // The communicator is usable afterwards.
  EXPECT_EQ(map(comm, items, [](int item) { return item + 1; }).back(), 40);
}

TEST(NodeShared, OneCopyPerNodeReadByEveryRank) {
  const comm::Communicator& comm = world();
  std::vector<double> values;
  if (comm.rank() == 0)
    for (int idx = 0; idx < 1000; ++idx) values.push_back(idx * 0.5);
  NodeShared<double> shared(comm, values);
  ASSERT_EQ(shared.size(), 1000u);
  for (int idx = 0; idx < 1000; ++idx) EXPECT_EQ(shared[static_cast<std::size_t>(idx)], idx * 0.5);
  // One node here: only its first rank holds the bytes.
  const std::uint64_t held = comm.allreduce(shared.local_bytes(), comm::ReduceOp::kSum);
  EXPECT_EQ(held, 1000u * sizeof(double));
  std::vector<int> items = {0, 10, 999};
  const std::vector<double> looked_up =
      map(comm, items, [&](int item) { return shared[static_cast<std::size_t>(item)]; });
  EXPECT_EQ(looked_up, (std::vector<double>{0, 5, 499.5}));
  NodeShared<int> empty(comm, {});
  EXPECT_EQ(empty.size(), 0u);
}

}  // namespace
}  // namespace rankflow::api
