// The communicator layer at every rank count: typed collectives, error agreement, and the
// exchange (including the path that sends in rounds) against a serial oracle.
#include <gtest/gtest.h>

#include <cstdlib>
#include <numeric>

#include "rankflow/comm/exchange.hpp"
#include "rankflow/comm/phase.hpp"
#include "support/mpi_test.hpp"

namespace rankflow::comm {
namespace {

using test::world;

TEST(Communicator, IsADuplicateWithErrorsReturn) {
  const Communicator& comm = world();
  int result = MPI_UNEQUAL;
  MPI_Comm_compare(comm.native(), MPI_COMM_WORLD, &result);
  EXPECT_EQ(result, MPI_CONGRUENT);
  MPI_Errhandler handler;
  MPI_Comm_get_errhandler(comm.native(), &handler);
  EXPECT_EQ(handler, MPI_ERRORS_RETURN);
  MPI_Errhandler_free(&handler);
}

TEST(Communicator, TypedCollectives) {
  const Communicator& comm = world();
  const int ranks = comm.size();
  EXPECT_EQ(comm.allreduce<std::int64_t>(comm.rank() + 1, ReduceOp::kSum),
            std::int64_t{ranks} * (ranks + 1) / 2);
  EXPECT_EQ(comm.allreduce(comm.rank(), ReduceOp::kMax), ranks - 1);
  EXPECT_EQ(comm.allreduce(static_cast<double>(comm.rank()), ReduceOp::kMin), 0.0);
  EXPECT_EQ(comm.exscan_sum<std::uint64_t>(2), 2u * static_cast<unsigned>(comm.rank()));
  std::vector<int> ranks_seen = comm.allgather(comm.rank());
  for (int idx = 0; idx < ranks; ++idx) EXPECT_EQ(ranks_seen[static_cast<std::size_t>(idx)], idx);
  std::string text = comm.rank() == 0 ? "from root" : "";
  comm.bcast(text, 0);
  EXPECT_EQ(text, "from root");
  std::vector<std::string> all = comm.allgather_strings(std::string(static_cast<std::size_t>(comm.rank()), 'x'));
  for (int idx = 0; idx < ranks; ++idx) EXPECT_EQ(all[static_cast<std::size_t>(idx)].size(), static_cast<std::size_t>(idx));
}

TEST(Phase, SuccessReturnsTheValueOnEveryRank) {
  const Communicator& comm = world();
  int value = run_phase(comm, "computing", [&] { return comm.rank() * 2; });
  EXPECT_EQ(value, comm.rank() * 2);
}

TEST(Phase, OneRankFailsEveryRankThrowsTheSameAgreedError) {
  const Communicator& comm = world();
  const int failing = comm.size() - 1;
  try {
    run_phase(comm, "reading", [&] {
      if (comm.rank() == failing) throw DataError("disk on fire");
    });
    ADD_FAILURE() << "no error on rank " << comm.rank();
  } catch (const Error& error) {
    EXPECT_TRUE(error.agreed());
    EXPECT_EQ(error.kind(), ErrorKind::kRuntime);
    const std::string expected =
        comm.size() == 1 ? "disk on fire"
                         : fmt::format("rank {} of {} failed while reading: disk on fire",
                                       failing, comm.size());
    EXPECT_EQ(std::string(error.what()), expected);
  }
}

TEST(Phase, ConfigErrorWinsAndIdenticalMessagesAreNotRepeated) {
  const Communicator& comm = world();
  try {
    run_phase(comm, "checking", [&] { throw ConfigError("bad key"); });
    ADD_FAILURE();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
    EXPECT_STREQ(error.what(), "bad key");
  }
  try {
    run_phase(comm, "checking", [&] {
      if (comm.rank() == 0) throw DataError("io");
      throw ConfigError("cfg");
    });
    ADD_FAILURE();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), comm.size() == 1 ? ErrorKind::kRuntime : ErrorKind::kConfig);
  }
}

TEST(Phase, StdExceptionsBecomeRuntimeErrors) {
  const Communicator& comm = world();
  try {
    run_phase(comm, "x", [&] {
      if (comm.rank() == 0) throw std::out_of_range("index 7");
    });
    ADD_FAILURE();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kRuntime);
    EXPECT_NE(std::string(error.what()).find("index 7"), std::string::npos);
  }
}

// Oracle: rank s sends (s * 1000 + d) repeated (s + d) % 5 * scale times to rank d.
void check_exchange(std::uint64_t scale, std::uint64_t round_bytes) {
  const Communicator& comm = world();
  const auto ranks = static_cast<std::size_t>(comm.size());
  const auto me = static_cast<std::size_t>(comm.rank());
  std::vector<std::uint64_t> counts(ranks);
  std::vector<std::byte> send;
  for (std::size_t dest = 0; dest < ranks; ++dest) {
    counts[dest] = (me + dest) % 5 * scale;
    for (std::uint64_t idx = 0; idx < counts[dest]; ++idx)
      send.push_back(static_cast<std::byte>((me * 31 + dest * 7 + idx) & 0xff));
  }
  ExchangeBuffer recv;
  exchange_bytes(comm, send.data(), counts, recv, round_bytes);
  for (std::size_t source = 0; source < ranks; ++source) {
    ASSERT_EQ(recv.counts[source], (source + me) % 5 * scale);
    for (std::uint64_t idx = 0; idx < recv.counts[source]; ++idx)
      ASSERT_EQ(recv.data[recv.displs[source] + idx],
                static_cast<std::byte>((source * 31 + me * 7 + idx) & 0xff))
          << "source " << source << " byte " << idx;
  }
}

TEST(Exchange, SingleRound) { check_exchange(100, kDefaultRoundBytes); }
TEST(Exchange, ManyRoundsWithTinyRoundSize) { check_exchange(1000, 7); }
TEST(Exchange, RoundSizeSmallerThanRankCount) { check_exchange(3, 1); }
TEST(Exchange, NothingToSend) { check_exchange(0, 16); }

}  // namespace
}  // namespace rankflow::comm
