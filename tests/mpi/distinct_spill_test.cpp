// Distinct under a budget so small that the kept rows spill after almost every block, at every
// rank count: subsets of columns and all of them, strings and floats (NaN, -0.0), nulls,
// skewed ownership, input all on one rank, keys that repeat across spilled generations. The
// result must be the serial oracle's (the first row of each key, input order) and the
// in-memory run's rows; the scratch folder empty afterwards, also past max_scratch_per_rank.
#include <gtest/gtest.h>

#include "oracle/table_oracle.hpp"
#include "rankflow/comm/phase.hpp"
#include "rankflow/core/error.hpp"
#include "rankflow/ops/distinct.hpp"
#include "rankflow/ops/spill.hpp"
#include "support/mpi_test.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::ops {
namespace {

using table::ColumnType;
using test::world;

table::Schema test_schema() {
  return table::Schema({{"i", ColumnType::kInt64},
                        {"f", ColumnType::kFloat64},
                        {"s", ColumnType::kString},
                        {"b", ColumnType::kBool},
                        {"d", ColumnType::kDate}});
}

struct Run {
  table::Table all;  // gathered in rank order
  std::uint64_t bytes_spilled = 0;  // all ranks
  std::uint64_t partitions = 0;     // the most on one rank
};

// This rank's slice (all on rank 0 when `all_on_first`) in blocks of `block` rows; spills past
// `budget` (0: in memory).
Run run(const table::Table& global, DistinctOptions options, std::uint64_t budget,
        const std::string& dir, bool all_on_first = false, std::size_t block = 5,
        std::uint64_t max_scratch = 0) {
  const comm::Communicator& comm = world();
  const auto rank = static_cast<std::size_t>(comm.rank());
  const auto ranks = static_cast<std::size_t>(comm.size());
  const std::size_t rows = global.num_rows();
  std::size_t begin = rows * rank / ranks;
  std::size_t end = rows * (rank + 1) / ranks;
  if (all_on_first) begin = rank == 0 ? 0 : rows, end = rows;
  options.memory.bytes_per_rank = budget;
  options.exchange_round_bytes = 512;
  Distinct op(comm, global.schema(), options);
  if (budget != 0) op.spill_to(Scratch::open(comm, {dir, max_scratch}), 256);
  comm::run_phase(comm, "distinct: reading", [&] {
    for (std::size_t start = begin; start < end; start += block)
      op.consume(oracle::slice(global, start, std::min(end, start + block)));
  });
  const table::Table mine = op.finish();
  Run out;
  out.all = oracle::gather_all(comm, mine);
  out.bytes_spilled = comm.allreduce(op.bytes_spilled(), comm::ReduceOp::kSum);
  out.partitions =
      comm.allreduce(static_cast<std::uint64_t>(op.partitions()), comm::ReduceOp::kMax);
  return out;
}

// Returns the most partitions an owner kept first rows in.
std::uint64_t expect_spilled_like_in_memory(const table::Table& global,
                                            const std::vector<std::string>& columns,
                                            bool skew = false, bool all_on_first = false,
                                            std::uint64_t budget = 1024) {
  const test::TempDir dir = test::TempDir::shared(world());
  DistinctOptions options;
  options.columns = columns;
  options.skew_to_one_rank = skew;
  const Run in_memory = run(global, options, 0, dir.path(), all_on_first);
  const Run spilled = run(global, options, budget, dir.path(), all_on_first);
  std::string what = "columns";
  for (const std::string& column : columns) what += " " + column;
  EXPECT_EQ(in_memory.bytes_spilled, 0u) << what;
  EXPECT_GT(spilled.bytes_spilled, 0u) << what;
  const auto expected = oracle::sorted(oracle::distinct(global, columns));
  EXPECT_EQ(oracle::diff_rows(expected, oracle::sorted(oracle::rows_of(spilled.all))), "") << what;
  EXPECT_EQ(oracle::diff_rows(oracle::sorted(oracle::rows_of(in_memory.all)),
                              oracle::sorted(oracle::rows_of(spilled.all))),
            "")
      << what;
  world().barrier();
  EXPECT_TRUE(test::list_dir(dir.path()).empty()) << what;
  world().barrier();
  return spilled.partitions;
}

TEST(DistinctSpill, SubsetsAndAllColumnsKeepTheFirstRow) {
  // Few distinct values per column: keys repeat across the spilled generations, and the ids
  // say which row of a key came first.
  const table::Table global =
      oracle::with_ids(oracle::random_table(test_schema(), 900, 71, 0.15, 30));
  expect_spilled_like_in_memory(global, {"i"});
  expect_spilled_like_in_memory(global, {"s", "b"});
  expect_spilled_like_in_memory(global, {"f", "d", "i"});
  expect_spilled_like_in_memory(global, {"f"}, /*skew=*/true);
  expect_spilled_like_in_memory(global, {"s", "i"}, false, /*all_on_first=*/true);
  const table::Table plain = oracle::random_table(test_schema(), 900, 72, 0.2, 3);
  expect_spilled_like_in_memory(plain, {});
}

TEST(DistinctSpill, ManyKeysMergeInPartitions) {
  const table::Table global =
      oracle::with_ids(oracle::random_table(test_schema(), 3000, 73, 0.05, 2500));
  EXPECT_GT(expect_spilled_like_in_memory(global, {"i", "s"}, false, false, 2048), 1u);
}

TEST(DistinctSpill, OverMaxScratchPerRankStopsNamingTheFolder) {
  const table::Table global =
      oracle::with_ids(oracle::random_table(test_schema(), 900, 74, 0.1, 600));
  const test::TempDir dir = test::TempDir::shared(world());
  DistinctOptions options;
  options.columns = {"i"};
  bool threw = false;
  try {
    run(global, options, 1024, dir.path(), false, 5, /*max_scratch=*/512);
  } catch (const Error& error) {
    threw = true;
    const std::string message = error.what();
    EXPECT_NE(message.find("max_scratch_per_rank"), std::string::npos) << message;
    EXPECT_NE(message.find("rankflow-scratch-"), std::string::npos) << message;
  }
  EXPECT_TRUE(threw);
  world().barrier();
  EXPECT_TRUE(test::list_dir(dir.path()).empty());
  world().barrier();
}

}  // namespace
}  // namespace rankflow::ops
