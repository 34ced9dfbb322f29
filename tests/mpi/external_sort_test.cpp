// The external sort at every rank count with a budget so small that every path spills (runs,
// exchange rounds, merge passes), against std::stable_sort of the gathered table and against
// the in-memory sample sort: every key type and direction, nulls first and last, several keys,
// all-equal keys (stability), rows on one rank only. Every table has an "id" column (the
// global input position), so equal rows also check stability. And the scratch folder: empty
// after success, after an injected failure while runs are sent, and over max_scratch_per_rank;
// folders of dead jobs removed, those of live ones kept.
#include "rankflow/ops/external_sort.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>

#include "oracle/table_oracle.hpp"
#include "rankflow/comm/phase.hpp"
#include "rankflow/core/error.hpp"
#include "rankflow/ops/spill.hpp"
#include "support/mpi_test.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::ops {
namespace {

using table::ColumnType;
using test::world;

table::Schema sort_schema() {
  return table::Schema({{"i", ColumnType::kInt64},
                        {"f", ColumnType::kFloat64},
                        {"b", ColumnType::kBool},
                        {"s", ColumnType::kString},
                        {"d", ColumnType::kDate},
                        {"t", ColumnType::kTimestamp}});
}

struct Run {
  table::Table all;  // the gathered result
  bool spilled = false;
  std::uint64_t bytes_spilled = 0;  // all ranks
};

// This rank's slice, fed in blocks of `block_rows`, sorted with `budget`; gathered.
Run external(const table::Table& global, const std::string& keys_text, std::uint64_t budget,
             const std::string& scratch_dir, bool skewed = false, std::size_t block_rows = 7) {
  const auto rank = static_cast<std::size_t>(world().rank());
  const auto ranks = static_cast<std::size_t>(world().size());
  const std::size_t rows = global.num_rows();
  std::size_t begin = rows * rank / ranks;
  std::size_t end = rows * (rank + 1) / ranks;
  if (skewed) {  // every row on rank 0
    begin = rank == 0 ? 0 : rows;
    end = rows;
  }
  SortOptions options;
  options.memory.bytes_per_rank = budget;
  options.scratch = Scratch::open(world(), {scratch_dir, 0});
  options.spill_block_bytes = 256;
  options.output_block_rows = 5;
  options.exchange_round_bytes = 4096;
  ExternalSort sorter(world(), global.schema(), parse_sort_keys(keys_text), options);
  for (std::size_t first = begin; first < end; first += block_rows)
    sorter.consume(oracle::slice(global, first, std::min(end, first + block_rows)));
  sorter.finish();
  table::Table mine(global.schema());
  sorter.produce([&](table::Table& block) {
    mine.append_rows(block, 0, block.num_rows());
    return true;
  });
  Run run;
  run.spilled = sorter.spilled();
  run.bytes_spilled = world().allreduce(sorter.bytes_spilled(), comm::ReduceOp::kSum);
  run.all = oracle::gather_all(world(), mine);
  return run;
}

void expect_rows(const std::vector<oracle::Row>& actual, const std::vector<oracle::Row>& expected,
                 const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (std::size_t row = 0; row < actual.size(); ++row)
    for (std::size_t column = 0; column < actual[row].size(); ++column)
      if (!(actual[row][column] == expected[row][column])) {
        ADD_FAILURE() << what << ": row " << row << " column " << column << ": expected "
                      << expected[row][column].text() << ", got " << actual[row][column].text();
        return;
      }
}

// Spilled, equal to the oracle and to the in-memory sort; the scratch folder gone afterwards.
void expect_external(const table::Table& global, const std::string& keys_text,
                     std::uint64_t budget = 4096, bool skewed = false) {
  const test::TempDir dir = test::TempDir::shared(world());
  const Run run = external(global, keys_text, budget, dir.path(), skewed);
  EXPECT_TRUE(run.spilled) << keys_text;
  EXPECT_GT(run.bytes_spilled, 0u) << keys_text;
  const std::vector<SortKey> keys = parse_sort_keys(keys_text);
  const std::vector<oracle::Row> actual = oracle::rows_of(run.all);
  expect_rows(actual, oracle::stable_sort(global, keys), keys_text + " (oracle)");
  const Run in_memory = external(global, keys_text, 0, dir.path(), skewed);
  EXPECT_FALSE(in_memory.spilled);
  expect_rows(actual, oracle::rows_of(in_memory.all), keys_text + " (in memory)");
  world().barrier();
  EXPECT_TRUE(test::list_dir(dir.path()).empty()) << keys_text;
  world().barrier();
}

TEST(ExternalSort, EveryKeyTypeAndDirection) {
  const table::Table global =
      oracle::with_ids(oracle::random_table(sort_schema(), 700, 31, 0.1, 60));
  for (const char* keys : {"i", "f desc nulls first", "b", "s", "s desc nulls first", "d desc",
                           "t nulls first", "id desc"})
    expect_external(global, keys);
}

TEST(ExternalSort, SeveralKeysAndDuplicates) {
  const table::Table global =
      oracle::with_ids(oracle::random_table(sort_schema(), 900, 32, 0.2, 4));
  expect_external(global, "b, s desc, i");
  expect_external(global, "s nulls first, f desc, d asc nulls first");
}

TEST(ExternalSort, AllEqualKeysKeepInputOrder) {
  table::Table global = oracle::with_ids(oracle::random_table(sort_schema(), 600, 33, 0.0, 1));
  expect_external(global, "b");
}

TEST(ExternalSort, EveryRowOnOneRankAndLargerBudget) {
  const table::Table global =
      oracle::with_ids(oracle::random_table(sort_schema(), 800, 34, 0.1, 100));
  expect_external(global, "s, i desc", 4096, /*skewed=*/true);
  expect_external(global, "f", 16 << 10, /*skewed=*/true);
}

TEST(ExternalSort, InjectedFailureWhileSendingRunsLeavesNoFiles) {
  const table::Table global =
      oracle::with_ids(oracle::random_table(sort_schema(), 500, 35, 0.1, 60));
  const test::TempDir dir = test::TempDir::shared(world());
  const std::string spec = "sort: sending runs:" + std::to_string(world().size() - 1);
  ::setenv("RANKFLOW_INJECT_FAILURE", spec.c_str(), 1);
  bool threw = false;
  try {
    external(global, "s", 4096, dir.path());
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

TEST(ExternalSort, OverMaxScratchPerRankStopsNamingTheFolder) {
  const table::Table global =
      oracle::with_ids(oracle::random_table(sort_schema(), 500, 36, 0.1, 60));
  const test::TempDir dir = test::TempDir::shared(world());
  SortOptions options;
  options.memory.bytes_per_rank = 4096;
  options.scratch = Scratch::open(world(), {dir.path(), 2048});
  const std::string folder = options.scratch->folder();
  ExternalSort sorter(world(), global.schema(), parse_sort_keys("i"), options);
  options.scratch.reset();
  const auto rank = static_cast<std::size_t>(world().rank());
  const auto ranks = static_cast<std::size_t>(world().size());
  bool threw = false;
  try {
    comm::run_phase(world(), "sort: reading", [&] {
      sorter.consume(oracle::slice(global, 500 * rank / ranks, 500 * (rank + 1) / ranks));
    });
  } catch (const Error& error) {
    threw = true;
    const std::string message = error.what();
    EXPECT_NE(message.find(folder), std::string::npos) << message;
    EXPECT_NE(message.find("max_scratch_per_rank"), std::string::npos) << message;
  }
  EXPECT_TRUE(threw);
  world().barrier();
}

TEST(ExternalSort, FoldersOfDeadJobsAreRemovedAndLiveOnesKept) {
  const test::TempDir dir = test::TempDir::shared(world());
  const std::string dead = dir.file("rankflow-scratch-dead-1");
  const std::string live = dir.file("rankflow-scratch-live-2");
  int held = -1;
  if (world().rank() == 0) {
    ::mkdir(dead.c_str(), 0700);
    ::mkdir(live.c_str(), 0700);
    test::write_file(dead + "/rank-0.lock", "");
    test::write_file(dead + "/rank-0-sort-runs", "old bytes");
    test::write_file(live + "/rank-0.lock", "");
    held = ::open((live + "/rank-0.lock").c_str(), O_RDWR);
    ::mkdir(dir.file("rankflow-scratch-foreign").c_str(), 0700);  // not only our files
    test::write_file(dir.file("rankflow-scratch-foreign") + "/rank-0.lock", "");
    test::write_file(dir.file("rankflow-scratch-foreign") + "/notes.txt", "keep me");
    ::mkdir(dir.file("rankflow-other").c_str(), 0700);  // not a scratch folder
    test::write_file(dir.file("rankflow-other") + "/rank-0.lock", "");
    EXPECT_EQ(::flock(held, LOCK_EX | LOCK_NB), 0);
  }
  world().barrier();
  { const auto scratch = Scratch::open(world(), {dir.path(), 0}); }
  world().barrier();
  EXPECT_FALSE(test::file_exists(dead));
  EXPECT_TRUE(test::file_exists(live + "/rank-0.lock"));
  EXPECT_TRUE(test::file_exists(dir.file("rankflow-scratch-foreign") + "/notes.txt"));
  EXPECT_TRUE(test::file_exists(dir.file("rankflow-scratch-foreign") + "/rank-0.lock"));
  EXPECT_TRUE(test::file_exists(dir.file("rankflow-other") + "/rank-0.lock"));
  if (held >= 0) ::close(held);
  world().barrier();
}

}  // namespace
}  // namespace rankflow::ops
