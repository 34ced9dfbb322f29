// api::TaskPool at every rank count against a serial oracle: futures, nested submission (the
// seeds' `if a > b: f(a, b) else g(a, b)`), wait_any, as-completed over nested tasks, a
// failing task, and an exception from the driver agreed on every rank.
#include <gtest/gtest.h>

#include <set>

#include "rankflow/api/task_pool.hpp"
#include "support/mpi_test.hpp"

namespace rankflow::api {
namespace {

using test::world;

struct Pair {
  int a;
  int b;
};

double f(int a, int b) { return a * 100.0 + b; }
double g(int a, int b) { return -(a + b * 0.5); }

TEST(TaskPool, NestedSubmissionAgainstASerialOracle) {
  const comm::Communicator& comm = world();
  constexpr int kOuter = 7;
  constexpr int kInner = 9;
  TaskPool pool(comm);
  std::set<int> ranks_used;
  auto f_task = pool.define<Pair>([&](const Pair& p, TaskContext& ctx) {
    ranks_used.insert(ctx.rank());
    return f(p.a, p.b);
  });
  auto g_task = pool.define<Pair>([](const Pair& p, TaskContext&) { return g(p.a, p.b); });
  auto outer = pool.define<int>([&](const int& a, TaskContext& ctx) {
    std::vector<Future<double>> inner;
    for (int b = 0; b < kInner; ++b)
      inner.push_back(a > b ? ctx.submit(f_task, Pair{a, b}) : ctx.submit(g_task, Pair{a, b}));
    return inner;
  });
  double total = 0;
  pool.run([&](TaskPool& client) {
    std::vector<Future<std::vector<Future<double>>>> outers;
    for (int a = 0; a < kOuter; ++a) outers.push_back(client.submit(outer, a));
    while (!outers.empty()) {
      const std::size_t done = client.wait_any(outers);
      for (Future<double> inner : client.get(outers[done])) total += client.get(inner);
      outers.erase(outers.begin() + static_cast<std::ptrdiff_t>(done));
    }
  });
  comm.bcast(&total, 1, 0);
  double oracle = 0;
  for (int a = 0; a < kOuter; ++a)
    for (int b = 0; b < kInner; ++b) oracle += a > b ? f(a, b) : g(a, b);
  EXPECT_DOUBLE_EQ(total, oracle);
}

TEST(TaskPool, AsCompletedSeesNestedTasksAndFailuresAreValues) {
  const comm::Communicator& comm = world();
  TaskPool pool(comm);
  auto square = pool.define<int>([](const int& x, TaskContext&) {
    if (x == 13) throw std::runtime_error("thirteen");
    return x * x;
  });
  auto spawn = pool.define<int>([&](const int& n, TaskContext& ctx) {
    for (int x = 0; x < n; ++x) ctx.submit(square, x);
    return n;
  });
  std::uint64_t completed = 0, failed = 0;
  long sum = 0;
  pool.run([&](TaskPool& client) {
    client.submit(spawn, 20);
    while (std::optional<TaskId> id = client.next_completed()) {
      ++completed;
      try {
        sum += client.result<int>(*id);
      } catch (const Error& error) {
        ++failed;
        EXPECT_NE(std::string(error.what()).find("thirteen"), std::string::npos);
      }
    }
  });
  comm.bcast(&completed, 1, 0);
  comm.bcast(&failed, 1, 0);
  comm.bcast(&sum, 1, 0);
  long oracle = 20;  // spawn's own result
  for (int x = 0; x < 20; ++x) oracle += x == 13 ? 0 : x * x;
  EXPECT_EQ(completed, 21u);
  EXPECT_EQ(failed, 1u);
  EXPECT_EQ(sum, oracle);
}

TEST(TaskPool, ADriverExceptionIsTheSameErrorOnEveryRank) {
  const comm::Communicator& comm = world();
  TaskPool pool(comm);
  auto echo = pool.define<int>([](const int& x, TaskContext&) { return x; });
  std::string message;
  try {
    pool.run([&](TaskPool& client) {
      client.submit(echo, 1);
      throw std::runtime_error("driver gave up");
    });
  } catch (const Error& error) {
    message = error.what();
  }
  EXPECT_NE(message.find("driver gave up"), std::string::npos) << message;
  // The pool is usable again.
  int got = 0;
  pool.run([&](TaskPool& client) { got = client.get(client.submit(echo, 5)); });
  comm.bcast(&got, 1, 0);
  EXPECT_EQ(got, 5);
}

}  // namespace
}  // namespace rankflow::api
