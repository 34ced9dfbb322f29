// api::TaskPool: the seeds' nested loops `for a: for b: if a > b: f(a, b) else g(a, b)` as
// tasks. Rank 0 submits one task per a; each of those submits f or g per b and returns the
// futures of what it submitted; rank 0 collects every value as the outer tasks complete.
//
//   mpirun -np 4 build/examples/pair_tasks 20 out/pairs.csv
//
// OUT.csv has the columns a,b,value, sorted by a then b. Every rank runs the program: the task
// kinds are defined on every rank in the same order, rank 0 drives, the others run tasks.
#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <utility>
#include <vector>

#include "rankflow/api/task_pool.hpp"
#include "rankflow/comm/environment.hpp"
#include "rankflow/core/error.hpp"

namespace {

struct Pair {
  int a;
  int b;
};

double f(const Pair& p) { return std::sqrt(static_cast<double>(p.a * p.a + p.b)); }
double g(const Pair& p) { return static_cast<double>(p.b - p.a) / (p.a + 1); }

}  // namespace

int main(int argc, char** argv) {
  using rankflow::api::Future;
  rankflow::comm::MpiEnvironment mpi(&argc, &argv);
  rankflow::comm::Communicator comm(MPI_COMM_WORLD);
  if (argc != 3 || std::atoi(argv[1]) < 0) {
    if (comm.rank() == 0) std::fprintf(stderr, "usage: pair_tasks N OUT.csv\n");
    return 2;
  }
  const int n = std::atoi(argv[1]);
  try {
    rankflow::api::TaskPool pool(comm);
    auto f_task =
        pool.define<Pair>([](const Pair& p, rankflow::api::TaskContext&) { return f(p); });
    auto g_task =
        pool.define<Pair>([](const Pair& p, rankflow::api::TaskContext&) { return g(p); });
    auto row = pool.define<int>([&](const int& a, rankflow::api::TaskContext& ctx) {
      std::vector<Future<double>> values;
      for (int b = 0; b < n; ++b)
        values.push_back(a > b ? ctx.submit(f_task, Pair{a, b}) : ctx.submit(g_task, Pair{a, b}));
      return values;
    });
    pool.run([&](rankflow::api::TaskPool& client) {
      std::vector<Future<std::vector<Future<double>>>> rows;
      std::vector<int> row_of;
      for (int a = 0; a < n; ++a) {
        rows.push_back(client.submit(row, a));
        row_of.push_back(a);
      }
      std::map<std::pair<int, int>, double> values;
      while (!rows.empty()) {  // as the rows complete, in whatever order
        const std::size_t done = client.wait_any(rows);
        const std::vector<Future<double>> futures = client.get(rows[done]);
        for (int b = 0; b < n; ++b)
          values[{row_of[done], b}] = client.get(futures[static_cast<std::size_t>(b)]);
        rows.erase(rows.begin() + static_cast<std::ptrdiff_t>(done));
        row_of.erase(row_of.begin() + static_cast<std::ptrdiff_t>(done));
      }
      std::ofstream out(argv[2]);
      out.precision(17);
      out << "a,b,value\n";
      for (const auto& [key, value] : values)
        out << key.first << "," << key.second << "," << value << "\n";
      if (!out) throw rankflow::DataError("cannot write '{}'", argv[2]);
      std::printf("%s: %zu values\n", argv[2], values.size());
    });
  } catch (const rankflow::Error& error) {
    if (comm.rank() == 0) std::fprintf(stderr, "pair_tasks: error: %s\n", error.what());
    return error.exit_code();
  }
  return 0;
}
