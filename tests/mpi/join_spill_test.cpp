// The grace hash join (a join whose build share does not fit the memory budget) at every rank
// count, with budgets and spill chunks so small that every path runs: the build side's blocks
// spilled as read, the rows of both sides partitioned to scratch, partitions joined from
// scratch, partitioned again, and joined by blocks (one key holding half the rows). Every join
// kind and either side built, against the nested-loop oracle and against the same join in
// memory (compared sorted: the order of a shuffle's rows is not defined); null keys, empty
// sides and ranks; the broadcast strategy falling back to the shuffle; and the scratch folder
// empty afterwards, also after an injected failure while spilling and over
// max_scratch_per_rank.
#include <gtest/gtest.h>

#include <cstdlib>

#include "oracle/table_oracle.hpp"
#include "rankflow/core/error.hpp"
#include "rankflow/ops/join.hpp"
#include "rankflow/ops/spill.hpp"
#include "rankflow/ops/stages.hpp"
#include "support/mpi_test.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::ops {
namespace {

using table::ColumnType;
using test::world;

const JoinHow kAllHows[] = {JoinHow::kInner, JoinHow::kLeft, JoinHow::kRight,
                            JoinHow::kFull,  JoinHow::kSemi, JoinHow::kAnti};

constexpr std::uint64_t kBudget = 16 << 10;  // every rank spills: the index's fixed part is 2 MiB

// `rows` rows: key (int64; every `skew`-th row the key 7 when skew > 0, every 11th null),
// value, tag (a string, also a key), and an id telling the rows apart.
table::Table keyed(std::size_t rows, std::uint64_t seed, std::int64_t distinct, std::size_t skew,
                   const std::string& value) {
  table::Table out(table::Schema({{"key", ColumnType::kInt64},
                                  {value, ColumnType::kFloat64},
                                  {"tag", ColumnType::kString},
                                  {value + "_id", ColumnType::kInt64}}));
  std::uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (std::size_t row = 0; row < rows; ++row) {
    const auto key = static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(distinct));
    if (row % 11 == 5)
      out.column(0).append_null();
    else
      out.column(0).append_i64(skew > 0 && row % skew == 0 ? 7 : key);
    out.column(1).append_f64(static_cast<double>(next() % 1000) / 8.0);
    const std::int64_t tag = out.column(0).is_valid(row) ? out.column(0).i64()[row] : key;
    if (row % 13 == 3)
      out.column(2).append_null();
    else
      out.column(2).append_string("tag-" + std::to_string(tag));
    out.column(3).append_i64(static_cast<std::int64_t>(row));
  }
  return out;
}

enum class Placement { kEven, kFirstRank };

table::Table share(const table::Table& global, Placement placement) {
  const auto rank = static_cast<std::size_t>(world().rank());
  const auto ranks = static_cast<std::size_t>(world().size());
  const std::size_t rows = global.num_rows();
  if (placement == Placement::kFirstRank) return oracle::slice(global, rank == 0 ? 0 : rows, rows);
  return oracle::slice(global, rows * rank / ranks, rows * (rank + 1) / ranks);
}

// What every rank did, summed.
struct Totals {
  std::uint64_t spilled_ranks = 0;
  std::uint64_t bytes_spilled = 0;
  std::uint64_t bytes_read_back = 0;
  std::uint64_t repartitioned = 0;
  std::uint64_t by_blocks = 0;
  std::uint64_t fell_back = 0;
};

struct Spilled {
  std::vector<oracle::Row> rows;  // gathered, sorted
  Totals totals;
  JoinStats stats;  // this rank's
};

// Joins this rank's shares with `budget` and, when `scratch_dir` is given, a scratch folder
// there (its Scratch gone on return).
Spilled run(const table::Table& left, const table::Table& right, JoinOptions options,
            std::uint64_t budget, const std::string& scratch_dir, Placement place,
            std::uint64_t max_scratch = 0) {
  options.memory.bytes_per_rank = budget;
  if (!scratch_dir.empty()) options.scratch = Scratch::open(world(), {scratch_dir, max_scratch});
  options.spill_block_bytes = 256;
  options.output_block_rows = 7;  // the build side in blocks of 7 rows, small output blocks
  options.exchange_round_bytes = 4096;
  Spilled out;
  const table::Table mine = join(world(), share(left, place), share(right, Placement::kEven),
                                 options, &out.stats);
  out.rows = oracle::sorted(oracle::rows_of(oracle::gather_all(world(), mine)));
  std::uint64_t totals[6] = {out.stats.spilled ? 1u : 0u,   out.stats.bytes_spilled,
                             out.stats.bytes_read_back,    out.stats.repartitioned,
                             out.stats.joined_by_blocks,   out.stats.broadcast_fell_back ? 1u : 0u};
  world().allreduce_inplace(totals, 6, comm::ReduceOp::kSum);
  out.totals = {totals[0], totals[1], totals[2], totals[3], totals[4], totals[5]};
  return out;
}

std::string describe(const JoinOptions& options, const std::string& what) {
  return what + " (" + join_how_name(options.how) + ", " + join_strategy_name(options.strategy) +
         ", build " + (options.build_side == JoinSide::kLeft ? "left" : "right") + ")";
}

// Spilled on every rank, equal to the oracle and to the join in memory, scratch empty after.
Totals expect_spilled_join(const table::Table& left, const table::Table& right,
                           const JoinOptions& options, const std::string& what,
                           Placement place = Placement::kEven) {
  // With one side empty no partition needs reading back: the join knows its output already.
  const bool reads = left.num_rows() > 0 && right.num_rows() > 0;
  const test::TempDir dir = test::TempDir::shared(world());
  const Spilled spilled = run(left, right, options, kBudget, dir.path(), place);
  const std::string name = describe(options, what);
  EXPECT_EQ(spilled.totals.spilled_ranks, static_cast<std::uint64_t>(world().size())) << name;
  EXPECT_GT(spilled.totals.bytes_spilled, 0u) << name;
  if (reads) {
    EXPECT_GT(spilled.totals.bytes_read_back, 0u) << name;
  }
  const std::vector<oracle::Row> expected = oracle::sorted(oracle::join(left, right, options));
  EXPECT_EQ(oracle::diff_rows(expected, spilled.rows), "") << name << " (oracle)";
  const Spilled in_memory = run(left, right, options, 0, "", place);
  EXPECT_EQ(in_memory.totals.spilled_ranks, 0u) << name;
  EXPECT_EQ(oracle::diff_rows(in_memory.rows, spilled.rows), "") << name << " (in memory)";
  world().barrier();
  EXPECT_TRUE(test::list_dir(dir.path()).empty()) << name;
  world().barrier();
  return spilled.totals;
}

void expect_all_kinds(const table::Table& left, const table::Table& right, JoinOptions options,
                      const std::string& what, Placement place = Placement::kEven) {
  for (JoinHow how : kAllHows)
    for (JoinSide side : {JoinSide::kRight, JoinSide::kLeft}) {
      options.how = how;
      options.build_side = side;
      options.strategy = JoinStrategy::kShuffle;
      expect_spilled_join(left, right, options, what, place);
    }
}

TEST(JoinSpill, EveryKindWithNullKeysEqualsTheInMemoryJoin) {
  const table::Table left = keyed(500, 1, 120, 0, "v");
  const table::Table right = keyed(450, 2, 120, 0, "w");
  JoinOptions options;
  options.on = {"key"};
  expect_all_kinds(left, right, options, "int64 key (word keys)");
  options.generic_keys = true;
  expect_all_kinds(left, right, options, "int64 key (generic)");
  options.generic_keys = false;
  options.on = {"key", "tag"};
  expect_all_kinds(left, right, options, "int64 and string keys");
}

TEST(JoinSpill, OneKeyWithHalfTheRowsIsJoinedByBlocks) {
  const table::Table left = keyed(360, 3, 60, 2, "v");
  const table::Table right = keyed(320, 4, 60, 2, "w");
  JoinOptions options;
  options.on = {"key"};
  for (JoinHow how : kAllHows)
    for (JoinSide side : {JoinSide::kRight, JoinSide::kLeft}) {
      options.how = how;
      options.build_side = side;
      const Totals totals = expect_spilled_join(left, right, options, "skew");
      EXPECT_GT(totals.repartitioned, 0u) << describe(options, "skew");
      EXPECT_GT(totals.by_blocks, 0u) << describe(options, "skew");
    }
  options.skew_to_one_rank = true;  // and every key on rank 0
  options.on = {"tag"};
  expect_all_kinds(left, right, options, "skew, every key on rank 0");
}

TEST(JoinSpill, EmptySidesAndRanks) {
  const table::Table rows = keyed(150, 5, 40, 0, "v");
  const table::Table none = keyed(0, 6, 40, 0, "w");
  const table::Table empty_left = keyed(0, 7, 40, 0, "v");
  const table::Table other = keyed(120, 8, 40, 0, "w");
  JoinOptions options;
  options.on = {"key"};
  expect_all_kinds(rows, none, options, "empty right");
  expect_all_kinds(empty_left, other, options, "empty left");
  expect_all_kinds(rows, other, options, "left on rank 0", Placement::kFirstRank);
}

TEST(JoinSpill, BroadcastThatDoesNotFitShufflesInstead) {
  const table::Table left = keyed(200, 9, 50, 0, "v");
  const table::Table right = keyed(180, 10, 50, 0, "w");
  JoinOptions options;
  options.on = {"key"};
  for (JoinHow how : kAllHows) {
    options.how = how;
    for (JoinStrategy strategy : {JoinStrategy::kBroadcast, JoinStrategy::kAuto}) {
      options.strategy = strategy;
      const test::TempDir dir = test::TempDir::shared(world());
      const Spilled spilled = run(left, right, options, kBudget, dir.path(), Placement::kEven);
      EXPECT_EQ(spilled.stats.strategy, JoinStrategy::kShuffle) << describe(options, "fallback");
      EXPECT_EQ(spilled.totals.fell_back,
                strategy == JoinStrategy::kBroadcast ? static_cast<std::uint64_t>(world().size())
                                                     : 0u)
          << describe(options, "fallback");
      EXPECT_EQ(oracle::diff_rows(oracle::sorted(oracle::join(left, right, options)),
                                  spilled.rows),
                "")
          << describe(options, "fallback");
      world().barrier();
      EXPECT_TRUE(test::list_dir(dir.path()).empty());
      world().barrier();
    }
  }
}

// The join's stages (as a job runs them) report what was spilled and read back, for the profile,
// report and summary: the build's spills and reads back, and the probe's.
TEST(JoinSpill, TheStagesReportWhatWasSpilledAndReadBack) {
  const table::Table left = share(keyed(600, 15, 90, 0, "v"), Placement::kEven);
  const table::Table right = share(keyed(600, 16, 90, 0, "w"), Placement::kEven);
  const test::TempDir dir = test::TempDir::shared(world());
  {
    JoinOptions options;
    options.on = {"key"};
    options.how = JoinHow::kLeft;
    options.memory.bytes_per_rank = kBudget;
    options.spill_block_bytes = 256;
    HashJoin hash_join(world(), left.schema(), right.schema(), options);
    hash_join.spill_to(Scratch::open(world(), {dir.path(), 0}));
    auto blocks_of = [](const table::Table& rows) {
      return [&rows, cursor = std::size_t{0}](table::Table& block) mutable {
        block.clear();
        if (cursor >= rows.num_rows()) return false;
        const std::size_t count = std::min<std::size_t>(7, rows.num_rows() - cursor);
        block.append_rows(rows, cursor, count);
        cursor += count;
        return true;
      };
    };
    JoinBuildStage build(hash_join, blocks_of(right), "build");
    JoinProbeStage probe(hash_join, blocks_of(left), "probe");
    build.produce([](exec::Block&) { return true; });
    std::uint64_t rows = 0;
    probe.produce([&](exec::Block& block) {
      rows += block.table->num_rows();
      return true;
    });
    const JoinStats& stats = hash_join.stats();
    EXPECT_TRUE(stats.spilled);
    EXPECT_EQ(rows, stats.output_rows);
    EXPECT_GT(build.stats().bytes_spilled, 0u);
    EXPECT_GT(probe.stats().bytes_spilled, 0u);
    EXPECT_GT(probe.stats().bytes_read_back, 0u);
    EXPECT_EQ(build.stats().bytes_spilled + probe.stats().bytes_spilled, stats.bytes_spilled);
    EXPECT_EQ(build.stats().bytes_read_back + probe.stats().bytes_read_back,
              stats.bytes_read_back);
  }
  world().barrier();
  EXPECT_TRUE(test::list_dir(dir.path()).empty());
  world().barrier();
}

// An error while a rank spills or joins from scratch: one agreed error, no file left.
TEST(JoinSpill, InjectedFailuresLeaveNoFiles) {
  const table::Table left = keyed(600, 11, 50, 4, "v");
  const table::Table right = keyed(600, 12, 50, 4, "w");
  JoinOptions options;
  options.on = {"key"};
  options.how = JoinHow::kFull;
  const std::string last = std::to_string(world().size() - 1);
  for (const std::string& phase : std::vector<std::string>{
           "join: reading back the build side:0", "join: receiving the build side:" + last,
        "join: probing:0", "join: joining spilled partitions:" + last}) {
    const test::TempDir dir = test::TempDir::shared(world());
    ::setenv("RANKFLOW_INJECT_FAILURE", phase.c_str(), 1);
    bool threw = false;
    try {
      run(left, right, options, kBudget, dir.path(), Placement::kEven);
    } catch (const Error& error) {
      threw = true;
      EXPECT_TRUE(error.agreed()) << phase;
      EXPECT_NE(std::string(error.what()).find("injected"), std::string::npos) << error.what();
    }
    ::unsetenv("RANKFLOW_INJECT_FAILURE");
    EXPECT_TRUE(threw) << phase;
    world().barrier();
    EXPECT_TRUE(test::list_dir(dir.path()).empty()) << phase;
    world().barrier();
  }
}

TEST(JoinSpill, OverMaxScratchPerRankStopsNamingTheFolder) {
  const table::Table left = keyed(300, 13, 80, 0, "v");
  const table::Table right = keyed(260, 14, 80, 0, "w");
  JoinOptions options;
  options.on = {"key"};
  const test::TempDir dir = test::TempDir::shared(world());
  bool threw = false;
  try {
    run(left, right, options, kBudget, dir.path(), Placement::kEven, /*max_scratch=*/1024);
  } catch (const Error& error) {
    threw = true;
    EXPECT_TRUE(error.agreed());
    const std::string message = error.what();
    EXPECT_NE(message.find(dir.path() + "/rankflow-scratch-"), std::string::npos) << message;
    EXPECT_NE(message.find("max_scratch_per_rank"), std::string::npos) << message;
  }
  EXPECT_TRUE(threw);
  world().barrier();
  EXPECT_TRUE(test::list_dir(dir.path()).empty());
  world().barrier();
}

}  // namespace
}  // namespace rankflow::ops
