// The group-by under a budget so small that the local table spills after almost every block,
// at every rank count: every aggregate, string, int, float, multi-column and no keys, nulls in
// keys and values, skewed keys (the skew switch, and one key holding most rows), more ranks than
// keys, ranks without rows. The result must be the in-memory run's, byte for byte and in the
// same order, and the serial oracle's; the scratch folder empty afterwards, also after an
// injected failure while spilled states are sent and past max_scratch_per_rank. The owner
// merges what it receives partition by partition, so the order of the groups may differ from
// the in-memory run's: the rows are compared in key order.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include "oracle/table_oracle.hpp"
#include "rankflow/comm/phase.hpp"
#include "rankflow/core/error.hpp"
#include "rankflow/ops/groupby.hpp"
#include "rankflow/ops/spill.hpp"
#include "support/mpi_test.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::ops {
namespace {

using table::ColumnType;
using test::world;

table::Schema test_schema() {
  return table::Schema({{"ki", ColumnType::kInt64},
                        {"kf", ColumnType::kFloat64},
                        {"ks", ColumnType::kString},
                        {"kd", ColumnType::kDate},
                        {"vi", ColumnType::kInt64},
                        {"vf", ColumnType::kFloat64},
                        {"vb", ColumnType::kBool},
                        {"vs", ColumnType::kString},
                        {"vd", ColumnType::kDate}});
}

const char* const kAllAggregates =
    "count(), count(vs), count(vf), sum(vi), sum(vf), sum(vb), mean(vi), mean(vf), min(vi), "
    "max(vf), min(vs), max(vs), min(vd), max(vb), var(vf), std(vi), var(vi), std(vf), "
    "first(vs), last(vf), first(vd), last(vb), first(vi), last(vs), nunique(vs), nunique(vf), "
    "nunique(vi), median(vf), median(vi), quantile(vi, 0.25), quantile(vf, 0.9), median(vb)";

struct Run {
  table::Table all;  // gathered in rank order: each rank's groups in the order it gave them
  std::uint64_t spills = 0;  // all ranks
  std::uint64_t bytes_spilled = 0;
  std::uint64_t bytes_read_back = 0;
  std::uint64_t partitions = 0;  // the most on one rank
};

// This rank's slice (all rows on the last rank when `one_rank`) in blocks of `block` rows;
// spills past `budget` (0: in memory).
Run run(const table::Table& global, const GroupByOptions& options, std::uint64_t budget,
        const std::string& dir, bool one_rank = false, std::size_t block = 7,
        std::uint64_t max_scratch = 0) {
  const comm::Communicator& comm = world();
  const auto rank = static_cast<std::size_t>(comm.rank());
  const auto ranks = static_cast<std::size_t>(comm.size());
  const std::size_t rows = global.num_rows();
  std::size_t begin = rows * rank / ranks;
  std::size_t end = rows * (rank + 1) / ranks;
  if (one_rank) begin = rank + 1 == ranks ? 0 : rows, end = rows;
  GroupBy group_by(comm, global.schema(), options);
  GroupBySpill spill;
  spill.memory.bytes_per_rank = budget;
  spill.block_bytes = 256;
  if (budget != 0) spill.scratch = Scratch::open(comm, {dir, max_scratch});
  group_by.spill_to(spill);
  spill.scratch.reset();
  comm::run_phase(comm, "group-by: reading", [&] {
    for (std::size_t start = begin; start < end; start += block)
      group_by.consume(oracle::slice(global, start, std::min(end, start + block)));
  });
  const table::Table mine = group_by.finish();
  Run out;
  out.all = oracle::gather_all(comm, mine);
  out.spills = comm.allreduce(group_by.stats().spills, comm::ReduceOp::kSum);
  out.bytes_spilled = comm.allreduce(group_by.stats().bytes_spilled, comm::ReduceOp::kSum);
  out.bytes_read_back = comm.allreduce(group_by.stats().bytes_read_back, comm::ReduceOp::kSum);
  out.partitions = comm.allreduce(group_by.stats().partitions, comm::ReduceOp::kMax);
  return out;
}

std::vector<oracle::Row> rows_in_order(const table::Table& table) {
  std::vector<oracle::Row> rows;
  for (std::size_t row = 0; row < table.num_rows(); ++row) rows.push_back(oracle::row_of(table, row));
  return oracle::sorted(std::move(rows));
}

// Byte for byte: the same rows (in key order), doubles with the same bits.
std::string identical(const table::Table& expected_table, const table::Table& actual_table) {
  if (expected_table.num_rows() != actual_table.num_rows())
    return "rows " + std::to_string(expected_table.num_rows()) + " vs " +
           std::to_string(actual_table.num_rows());
  const std::vector<oracle::Row> expected_rows = rows_in_order(expected_table);
  const std::vector<oracle::Row> actual_rows = rows_in_order(actual_table);
  const table::Table& expected = expected_table;
  for (std::size_t row = 0; row < expected_rows.size(); ++row) {
    const oracle::Row& left = expected_rows[row];
    const oracle::Row& right = actual_rows[row];
    for (std::size_t column = 0; column < left.size(); ++column) {
      const oracle::Value& a = left[column];
      const oracle::Value& b = right[column];
      const bool same = a.null == b.null && a.type == b.type && a.i == b.i && a.s == b.s &&
                        std::memcmp(&a.d, &b.d, sizeof a.d) == 0;
      if (!same)
        return "row " + std::to_string(row) + " column " + expected.schema().field(column).name +
               ": " + a.text() + " vs " + b.text();
    }
  }
  return "";
}

GroupByOptions options_for(std::vector<std::string> keys, const char* aggregates = kAllAggregates) {
  GroupByOptions options;
  options.keys = std::move(keys);
  options.aggregates = parse_aggregates(aggregates);
  options.exchange_round_bytes = 512;
  return options;
}

Run expect_spilled_like_in_memory(const table::Table& global, const GroupByOptions& options,
                                  bool one_rank = false, std::uint64_t budget = 2048,
                                  std::size_t block = 7) {
  const test::TempDir dir = test::TempDir::shared(world());
  const Run in_memory = run(global, options, 0, dir.path(), one_rank, block);
  const Run spilled = run(global, options, budget, dir.path(), one_rank, block);
  std::string what = "keys";
  for (const std::string& key : options.keys) what += " " + key;
  EXPECT_EQ(in_memory.spills, 0u) << what;
  EXPECT_GT(spilled.spills, 0u) << what;
  EXPECT_GT(spilled.bytes_spilled, 0u) << what;
  EXPECT_GT(spilled.bytes_read_back, 0u) << what;
  EXPECT_EQ(identical(in_memory.all, spilled.all), "") << what;
  const oracle::GroupResult expected = oracle::group_by(global, options);
  EXPECT_EQ(oracle::diff(expected, oracle::result_map(spilled.all, options.keys.size()), 1e-9), "")
      << what;
  world().barrier();
  EXPECT_TRUE(test::list_dir(dir.path()).empty()) << what;
  world().barrier();
  return spilled;
}

TEST(GroupBySpill, EveryAggregateEveryKeyLayout) {
  const table::Table global = oracle::random_table(test_schema(), 900, 41, 0.15, 40);
  for (const std::vector<std::string>& keys : std::vector<std::vector<std::string>>{
           {"ki"}, {"ks"}, {"kf"}, {"kd"}, {"ki", "ks"}, {"ks", "kf", "kd"}})
    expect_spilled_like_in_memory(global, options_for(keys));
}

TEST(GroupBySpill, ManyGroupsSpillManyTimes) {
  const table::Table global = oracle::random_table(test_schema(), 2000, 42, 0.05, 1500);
  // The owners' merge cannot hold their groups at once: they merge in partitions.
  EXPECT_GT(expect_spilled_like_in_memory(global, options_for({"ki"}), false, 2048, 16).partitions,
            1u);
  EXPECT_GT(expect_spilled_like_in_memory(global,
                                          options_for({"ks", "ki"}, "count(), sum(vf), median(vf)"))
                .partitions,
            1u);
}

// Every key once, every key to rank 0: rank 0's merge holds all the ranks' tables. Between the
// budget where each rank's table fits its share and the one where rank 0's merge would, the
// states go through scratch although no table spilled (with more than one rank). Budgets
// halve from 1 MiB: one of them falls in that window, of width the rank count.
TEST(GroupBySpill, AnOwnerOverItsShareMergesFromScratch) {
  table::Table global = oracle::random_table(test_schema(), 400, 48, 0.1, 300);
  for (std::size_t row = 0; row < global.num_rows(); ++row)
    global.column(0).mutable_i64()[row] = static_cast<std::int64_t>(row);
  GroupByOptions options = options_for({"ki"}, "count(), sum(vi), nunique(vs), median(vf)");
  options.skew_to_one_rank = true;
  const test::TempDir dir = test::TempDir::shared(world());
  const ops::Run in_memory = run(global, options, 0, dir.path(), false, 50);
  bool owner_only = false;
  for (std::uint64_t budget = 1 << 20; budget >= 1 << 10; budget /= 2) {
    const ops::Run spilled = run(global, options, budget, dir.path(), false, 50);
    owner_only = owner_only || (spilled.spills == 0 && spilled.bytes_spilled > 0);
    EXPECT_EQ(identical(in_memory.all, spilled.all), "") << budget;
  }
  EXPECT_EQ(owner_only, world().size() > 1);
  world().barrier();
  EXPECT_TRUE(test::list_dir(dir.path()).empty());
  world().barrier();
}

TEST(GroupBySpill, NoKeysIsStillOneGroup) {
  const table::Table global = oracle::random_table(test_schema(), 600, 43, 0.1, 20);
  expect_spilled_like_in_memory(global, options_for({}), false, 1024, 3);
}

TEST(GroupBySpill, SkewedKeysAndRowsOnOneRank) {
  table::Table global = oracle::random_table(test_schema(), 800, 44, 0.1, 400);
  // Most rows share one key.
  for (std::size_t row = 0; row < global.num_rows(); row += 3)
    global.column(0).mutable_i64()[row] = 7;
  expect_spilled_like_in_memory(global, options_for({"ki"}), /*one_rank=*/true);
  GroupByOptions skew = options_for({"ki", "ks"});
  skew.skew_to_one_rank = true;
  expect_spilled_like_in_memory(global, skew);
}

TEST(GroupBySpill, MoreRanksThanKeys) {
  const table::Table global = oracle::random_table(test_schema(), 300, 45, 0.2, 2);
  expect_spilled_like_in_memory(global, options_for({"kd"}), false, 512, 5);
}

TEST(GroupBySpill, InjectedFailureWhileSendingLeavesNoFiles) {
  const table::Table global = oracle::random_table(test_schema(), 700, 46, 0.1, 300);
  const test::TempDir dir = test::TempDir::shared(world());
  const std::string spec =
      "group-by: sending spilled partial states:" + std::to_string(world().size() - 1);
  ::setenv("RANKFLOW_INJECT_FAILURE", spec.c_str(), 1);
  bool threw = false;
  try {
    run(global, options_for({"ki"}), 2048, dir.path());
  } catch (const Error& error) {
    threw = true;
    EXPECT_NE(std::string(error.what()).find("injected"), std::string::npos) << error.what();
  }
  ::unsetenv("RANKFLOW_INJECT_FAILURE");
  EXPECT_TRUE(threw);
  world().barrier();
  EXPECT_TRUE(test::list_dir(dir.path()).empty());
  world().barrier();
}

TEST(GroupBySpill, OverMaxScratchPerRankStopsNamingTheKey) {
  const table::Table global = oracle::random_table(test_schema(), 700, 47, 0.1, 300);
  const test::TempDir dir = test::TempDir::shared(world());
  bool threw = false;
  try {
    run(global, options_for({"ki"}), 2048, dir.path(), false, 7, /*max_scratch=*/1024);
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
