// main() for rankflow's test binaries.
//
// Under mpirun every rank runs every test. Rank 0 prints GoogleTest's usual output; the other
// ranks print only their failures, prefixed with the rank. The exit code is the worst over all
// ranks, so a failure on any rank fails the CTest. e2e binaries (RANKFLOW_TEST_SERIAL_MAIN=1)
// do not initialize MPI themselves: they launch mpirun.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <optional>

#include "rankflow/comm/environment.hpp"

#include "support/mpi_test.hpp"

namespace {

class RankFailurePrinter : public testing::EmptyTestEventListener {
 public:
  explicit RankFailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const testing::TestPartResult& result) override {
    if (!result.failed()) return;
    std::fprintf(stderr, "[rank %d] %s:%d: failure\n%s\n", rank_,
                 result.file_name() ? result.file_name() : "?", result.line_number(),
                 result.summary());
  }

 private:
  int rank_;
};

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  const char* serial = std::getenv("RANKFLOW_TEST_SERIAL_MAIN");
  if (serial != nullptr && serial[0] == '1') return RUN_ALL_TESTS();

  // MPI starts as rankflow's programs start it (its transport on one node, sanitizer scope).
  std::optional<rankflow::comm::MpiEnvironment> mpi;
  mpi.emplace(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank != 0) {
    testing::TestEventListeners& listeners = testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new RankFailurePrinter(rank));
  }
  int local = RUN_ALL_TESTS();
  int worst = 0;
  MPI_Allreduce(&local, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  rankflow::test::world_release();
  mpi.reset();
  return worst;
}
