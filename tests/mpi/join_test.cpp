// Distributed hash join at every rank count against a nested-loop oracle over the gathered
// input: every join kind, both strategies, either side built, keys of every type (one and
// several, different names), duplicates (many-to-many), null keys, empty sides, one side all on
// one rank, every key owned by one rank, output blocks of a few rows; and the broadcast
// strategy's one copy per node in shared memory, the config errors, and the memory budget.
#include "rankflow/ops/join.hpp"

#include <gtest/gtest.h>

#include "oracle/table_oracle.hpp"
#include "support/mpi_test.hpp"

namespace rankflow::ops {
namespace {

using table::ColumnType;
using test::world;

const JoinHow kAllHows[] = {JoinHow::kInner, JoinHow::kLeft, JoinHow::kRight,
                            JoinHow::kFull,  JoinHow::kSemi, JoinHow::kAnti};

table::Table with_ids(table::Table input, const std::string& name) {
  table::Column ids(ColumnType::kInt64);
  for (std::size_t row = 0; row < input.num_rows(); ++row)
    ids.append_i64(static_cast<std::int64_t>(row));
  input.add_column(name, std::move(ids));
  return input;
}

enum class Placement { kEven, kFirstRank, kLastRank };

table::Table share(const table::Table& global, Placement placement) {
  const auto rank = static_cast<std::size_t>(world().rank());
  const auto ranks = static_cast<std::size_t>(world().size());
  const std::size_t rows = global.num_rows();
  switch (placement) {
    case Placement::kFirstRank:
      return oracle::slice(global, rank == 0 ? 0 : rows, rows);
    case Placement::kLastRank:
      return oracle::slice(global, rank + 1 == ranks ? 0 : rows, rows);
    case Placement::kEven:
      break;
  }
  return oracle::slice(global, rows * rank / ranks, rows * (rank + 1) / ranks);
}

struct Case {
  Placement left_place = Placement::kEven;
  Placement right_place = Placement::kEven;
};

// Joins the shares of `left` and `right`; compares the gathered result with the oracle.
// Returns the stats of this rank.
JoinStats expect_join(const table::Table& left, const table::Table& right, JoinOptions options,
                      const std::string& what, Case placement = {}) {
  JoinStats stats;
  const table::Table mine = join(world(), share(left, placement.left_place),
                                 share(right, placement.right_place), options, &stats);
  std::vector<std::string> names;
  const std::vector<oracle::Row> expected =
      oracle::sorted(oracle::join(left, right, options, &names));
  std::vector<std::string> got;
  for (const table::Field& field : mine.schema().fields()) got.push_back(field.name);
  EXPECT_EQ(got, names) << what;
  const std::vector<oracle::Row> actual =
      oracle::sorted(oracle::rows_of(oracle::gather_all(world(), mine)));
  const std::string difference = oracle::diff_rows(expected, actual);
  EXPECT_EQ(difference, "") << what << " (" << join_how_name(options.how) << ", "
                            << join_strategy_name(options.strategy) << ", build "
                            << (options.build_side == JoinSide::kLeft ? "left" : "right") << ")";
  return stats;
}

// Every kind, both strategies, both build sides.
void expect_all_kinds(const table::Table& left, const table::Table& right, JoinOptions options,
                      const std::string& what, Case placement = {}) {
  for (JoinHow how : kAllHows) {
    for (JoinStrategy strategy : {JoinStrategy::kShuffle, JoinStrategy::kBroadcast}) {
      for (JoinSide side : {JoinSide::kRight, JoinSide::kLeft}) {
        options.how = how;
        options.strategy = strategy;
        options.build_side = side;
        const JoinStats stats = expect_join(left, right, options, what, placement);
        EXPECT_EQ(stats.strategy, strategy);
      }
    }
  }
}

table::Table keyed_table(std::size_t rows, std::uint64_t seed, double null_rate,
                         std::int64_t distinct, const std::string& value_name) {
  const table::Schema schema({{"key", ColumnType::kInt64},
                              {value_name, ColumnType::kFloat64},
                              {"tag", ColumnType::kString}});
  return with_ids(oracle::random_table(schema, rows, seed, null_rate, distinct),
                  value_name + "_id");
}

TEST(Join, AllKindsWithDuplicatesAndNullKeys) {
  const table::Table left = keyed_table(120, 31, 0.1, 25, "v");
  const table::Table right = keyed_table(90, 32, 0.1, 25, "w");
  JoinOptions options;
  options.on = {"key"};
  options.output_block_rows = 7;  // many small output blocks
  expect_all_kinds(left, right, options, "int64 key");
}

TEST(Join, ManyToManyFewKeys) {
  const table::Table left = keyed_table(60, 33, 0.0, 3, "v");
  const table::Table right = keyed_table(50, 34, 0.05, 3, "w");
  JoinOptions options;
  options.on = {"key"};
  expect_all_kinds(left, right, options, "three keys");
}

TEST(Join, SeveralKeysOfEveryTypeWithDifferentNames) {
  const table::Schema left_schema({{"s", ColumnType::kString},
                                   {"f", ColumnType::kFloat64},
                                   {"b", ColumnType::kBool},
                                   {"d", ColumnType::kDate},
                                   {"t", ColumnType::kTimestamp},
                                   {"x", ColumnType::kInt64}});
  const table::Schema right_schema({{"name", ColumnType::kString},
                                    {"value", ColumnType::kFloat64},
                                    {"flag", ColumnType::kBool},
                                    {"day", ColumnType::kDate},
                                    {"t", ColumnType::kTimestamp},
                                    {"x", ColumnType::kInt64}});
  const table::Table left = oracle::random_table(left_schema, 150, 35, 0.05, 4);
  const table::Table right = oracle::random_table(right_schema, 110, 36, 0.05, 4);
  JoinOptions options;
  options.left_on = {"s", "f", "b"};
  options.right_on = {"name", "value", "flag"};
  options.output_block_rows = 5;
  expect_all_kinds(left, right, options, "string, float, bool keys");
  options.left_on = {"d", "t"};
  options.right_on = {"day", "t"};  // t is shared: one column; x clashes: x_left, x_right
  expect_all_kinds(left, right, options, "date, timestamp keys");
}

// Strings longer than a record holds inline (12 bytes) live in the index's string heap.
TEST(Join, LongStringsAndLongStringKeys) {
  auto make = [](std::size_t rows, std::uint64_t seed, const std::string& value_name) {
    table::Table base = keyed_table(rows, seed, 0.1, 12, value_name);
    table::Column name(ColumnType::kString);
    table::Column text(ColumnType::kString);
    const table::Column& keys = base.column(0);
    for (std::size_t row = 0; row < rows; ++row) {
      if (!keys.is_valid(row)) {
        name.append_null();
      } else {
        name.append_string("a rather long key number " + std::to_string(keys.i64()[row] % 9));
      }
      text.append_string(std::string(row % 40, static_cast<char>('a' + row % 26)));
    }
    base.add_column("name", std::move(name));
    base.add_column(value_name + "_text", std::move(text));
    return base;
  };
  const table::Table left = make(90, 57, "v");
  const table::Table right = make(70, 58, "w");
  JoinOptions options;
  options.on = {"name"};
  expect_all_kinds(left, right, options, "long string keys and values");
}

TEST(Join, EmptySides) {
  const table::Table rows = keyed_table(40, 37, 0.1, 10, "v");
  const table::Table none = keyed_table(0, 38, 0.1, 10, "w");
  const table::Table other = keyed_table(30, 39, 0.1, 10, "w");
  const table::Table empty_left = keyed_table(0, 40, 0.1, 10, "v");
  JoinOptions options;
  options.on = {"key"};
  expect_all_kinds(rows, none, options, "empty right");
  expect_all_kinds(empty_left, other, options, "empty left");
  expect_all_kinds(empty_left, none, options, "both empty");
}

TEST(Join, OneSideAllOnOneRank) {
  const table::Table left = keyed_table(80, 41, 0.1, 15, "v");
  const table::Table right = keyed_table(70, 42, 0.1, 15, "w");
  JoinOptions options;
  options.on = {"key"};
  expect_all_kinds(left, right, options, "left on rank 0",
                   {Placement::kFirstRank, Placement::kEven});
  expect_all_kinds(left, right, options, "right on the last rank",
                   {Placement::kEven, Placement::kLastRank});
}

TEST(Join, EveryKeyOwnedByOneRank) {
  const table::Table left = keyed_table(100, 43, 0.1, 20, "v");
  const table::Table right = keyed_table(80, 44, 0.1, 20, "w");
  JoinOptions options;
  options.on = {"key"};
  options.skew_to_one_rank = true;
  expect_all_kinds(left, right, options, "skew");
}

TEST(Join, BroadcastAndShuffleGiveIdenticalResults) {
  const table::Table left = keyed_table(200, 45, 0.05, 40, "v");
  const table::Table right = keyed_table(60, 46, 0.05, 40, "w");
  for (JoinHow how : kAllHows) {
    JoinOptions options;
    options.on = {"key"};
    options.how = how;
    std::vector<std::vector<oracle::Row>> results;
    for (JoinStrategy strategy : {JoinStrategy::kShuffle, JoinStrategy::kBroadcast}) {
      options.strategy = strategy;
      const table::Table mine =
          join(world(), share(left, Placement::kEven), share(right, Placement::kEven), options);
      results.push_back(oracle::sorted(oracle::rows_of(oracle::gather_all(world(), mine))));
    }
    EXPECT_EQ(oracle::diff_rows(results[0], results[1]), "") << join_how_name(how);
    EXPECT_FALSE(results[0].empty());
  }
}

TEST(Join, AutoStrategyFollowsTheThreshold) {
  const table::Table left = keyed_table(100, 47, 0.0, 20, "v");
  const table::Table right = keyed_table(50, 48, 0.0, 20, "w");
  JoinOptions options;
  options.on = {"key"};
  options.broadcast_threshold_bytes = 1ull << 20;
  EXPECT_EQ(expect_join(left, right, options, "auto, small").strategy, JoinStrategy::kBroadcast);
  options.broadcast_threshold_bytes = 100;
  EXPECT_EQ(expect_join(left, right, options, "auto, large").strategy, JoinStrategy::kShuffle);
  options.build_side = JoinSide::kAuto;  // the smaller side, the right, is built
  expect_join(left, right, options, "auto build side");
}

// The broadcast copy is made once per node: only each node's leader allocates shared memory,
// the other ranks map the leader's segment. Nodes are real (one, or two in the suite's 2x2 run,
// test_join_2x2) or pretended: groups of two consecutive ranks, which share memory on this
// machine as a real node's ranks would.
TEST(Join, BroadcastKeepsOneCopyPerNode) {
  const table::Table left = keyed_table(100, 49, 0.1, 20, "v");
  const table::Table right = keyed_table(70, 50, 0.0, 20, "w");
  for (int ranks_per_node : {0, 2}) {
    JoinOptions options;
    options.on = {"key"};
    options.strategy = JoinStrategy::kBroadcast;
    options.test_ranks_per_node = ranks_per_node;
    const JoinStats stats = expect_join(left, right, options, "broadcast");
    const int node_rank =
        ranks_per_node == 0 ? world().split_shared().rank() : world().rank() % ranks_per_node;
    EXPECT_GT(stats.shared_bytes_mapped, 0u);
    if (node_rank == 0)
      EXPECT_EQ(stats.shared_bytes_here, stats.shared_bytes_mapped);
    else
      EXPECT_EQ(stats.shared_bytes_here, 0u);
    const auto copies =
        world().allreduce<std::uint64_t>(node_rank == 0 ? 1 : 0, comm::ReduceOp::kSum);
    const auto allocated = world().allreduce(stats.shared_bytes_here, comm::ReduceOp::kSum);
    EXPECT_EQ(allocated, copies * stats.shared_bytes_mapped);
    const int nodes = ranks_per_node == 0 ? test::real_nodes()
                                          : (world().size() + ranks_per_node - 1) / ranks_per_node;
    EXPECT_EQ(copies, static_cast<std::uint64_t>(nodes));
    EXPECT_EQ(stats.build_rows, 70u);  // every rank indexes the whole right side, once per node
  }
}

TEST(Join, OutputColumnsAndSuffixes) {
  const table::Table left = with_ids(keyed_table(10, 51, 0.0, 5, "v"), "extra");
  const table::Table right = keyed_table(10, 52, 0.0, 5, "v");
  JoinOptions options;
  options.on = {"key"};
  const table::Table mine =
      join(world(), share(left, Placement::kEven), share(right, Placement::kEven), options);
  EXPECT_EQ(mine.schema().describe(),
            "key:int64, v_left:float64, tag_left:string, v_id_left:int64, extra:int64, "
            "v_right:float64, tag_right:string, v_id_right:int64");
  options.left_suffix = "_x";
  options.right_suffix = "_y";
  options.how = JoinHow::kFull;
  expect_join(left, right, options, "suffixes _x, _y; the key coalesced");
  options.how = JoinHow::kSemi;
  EXPECT_EQ(join(world(), left, right, options).schema().describe(),
            "key:int64, v:float64, tag:string, v_id:int64, extra:int64");
}

void expect_config_error(JoinOptions options, const table::Schema& left, const table::Schema& right,
                         const std::string& message);

TEST(Join, OnlyTheRequestedOutputColumns) {
  const table::Table left = keyed_table(80, 59, 0.1, 15, "v");
  const table::Table right = keyed_table(60, 60, 0.1, 15, "w");
  for (JoinHow how : {JoinHow::kInner, JoinHow::kFull}) {
    for (JoinStrategy strategy : {JoinStrategy::kShuffle, JoinStrategy::kBroadcast}) {
      JoinOptions options;
      options.on = {"key"};
      options.how = how;
      options.strategy = strategy;
      const std::vector<oracle::Row> all = oracle::join(left, right, options);
      options.output_columns = {"w", "tag_left", "key"};
      const table::Table mine =
          join(world(), share(left, Placement::kEven), share(right, Placement::kEven), options);
      EXPECT_EQ(mine.schema().describe(), "key:int64, tag_left:string, w:float64");
      std::vector<oracle::Row> expected;
      for (const oracle::Row& row : all) expected.push_back({row[0], row[2], row[4]});
      EXPECT_EQ(
          oracle::diff_rows(oracle::sorted(expected),
                            oracle::sorted(oracle::rows_of(oracle::gather_all(world(), mine)))),
          "");
    }
  }
  JoinOptions options;
  options.on = {"key"};
  options.output_columns = {"tag"};
  expect_config_error(options, left.schema(), right.schema(),
                      "join: no output column 'tag'; the join's output columns are: key, v, "
                      "tag_left, v_id, w, tag_right, w_id");
}

void expect_config_error(JoinOptions options, const table::Schema& left, const table::Schema& right,
                         const std::string& message) {
  try {
    HashJoin join(world(), left, right, options);
    ADD_FAILURE() << "no error; expected: " << message;
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
    EXPECT_EQ(std::string(error.what()), message);
  }
}

TEST(Join, ConfigErrorsBeforeAnyData) {
  const table::Schema left({{"key", ColumnType::kInt64}, {"v", ColumnType::kFloat64}});
  const table::Schema right({{"key", ColumnType::kFloat64}, {"k2", ColumnType::kInt64}});
  JoinOptions options;
  options.on = {"key"};
  expect_config_error(options, left, right,
                      "join: key 'key' is int64 on the left but 'key' is float64 on the right; "
                      "join keys must have the same type (set the type in one input's schema)");
  options.on = {"nope"};
  expect_config_error(options, left, right,
                      "join: the left side has no key column 'nope'; its columns are: key, v");
  options.on.clear();
  expect_config_error(options, left, right,
                      "join: no key columns: set 'on' (the same names on both sides) or "
                      "'left_on' and 'right_on'");
  options.left_on = {"key", "v"};
  options.right_on = {"k2"};
  expect_config_error(options, left, right,
                      "join: left_on names 2 columns and right_on 1; they pair up one to one");
  options.on = {"key"};
  expect_config_error(options, left, right,
                      "join: give either 'on' or 'left_on' and 'right_on', not both");
  const table::Schema clash_left(
      {{"k", ColumnType::kInt64}, {"v", ColumnType::kInt64}, {"v_left", ColumnType::kInt64}});
  const table::Schema clash_right({{"k", ColumnType::kInt64}, {"v", ColumnType::kInt64}});
  JoinOptions clash;
  clash.on = {"k"};
  expect_config_error(clash, clash_left, clash_right,
                      "join: two output columns are named 'v_left'; choose other suffixes "
                      "(left_suffix = '_left', right_suffix = '_right') or rename a column");
  EXPECT_THROW(parse_join_how("outer join"), Error);
  EXPECT_EQ(parse_join_how("outer"), JoinHow::kFull);
  EXPECT_EQ(parse_join_strategy("broadcast"), JoinStrategy::kBroadcast);
}

TEST(Join, OverTheMemoryBudgetStopsWithAClearErrorOnEveryRank) {
  const table::Table left = keyed_table(400, 53, 0.0, 300, "v");
  const table::Table right = keyed_table(400, 54, 0.0, 300, "w");
  for (JoinStrategy strategy : {JoinStrategy::kShuffle, JoinStrategy::kBroadcast}) {
    JoinOptions options;
    options.on = {"key"};
    options.strategy = strategy;
    options.memory.bytes_per_rank = 2048;
    try {
      join(world(), share(left, Placement::kEven), share(right, Placement::kEven), options);
      ADD_FAILURE() << "no error";
    } catch (const Error& error) {
      EXPECT_TRUE(error.agreed());
      EXPECT_EQ(error.kind(), ErrorKind::kRuntime);
      const std::string message = error.what();
      EXPECT_NE(message.find("join (build side"), std::string::npos) << message;
      EXPECT_NE(message.find("needs"), std::string::npos) << message;
      EXPECT_NE(message.find("more than the budget of 2.0 KiB per rank"), std::string::npos)
          << message;
      // The index builder's scratch alone is over 2 KiB: no rank count would do.
      EXPECT_NE(message.find("of that is a fixed part that does not shrink with more ranks and "
                             "alone exceeds the budget, so more ranks will not help"),
                std::string::npos)
          << message;
      EXPECT_EQ(message.find("ranks would do"), std::string::npos) << message;
    }
  }
}

TEST(Join, AFailingProbeSourceFailsEveryRank) {
  const table::Table right = keyed_table(30, 55, 0.0, 10, "w");
  const table::Table left = keyed_table(30, 56, 0.0, 10, "v");
  for (JoinStrategy strategy : {JoinStrategy::kShuffle, JoinStrategy::kBroadcast}) {
    JoinOptions options;
    options.on = {"key"};
    options.strategy = strategy;
    HashJoin hash_join(world(), left.schema(), right.schema(), options);
    hash_join.build(share(right, Placement::kEven));
    int blocks = 0;
    try {
      hash_join.probe(
          [&](table::Table& block) {
            block.clear();
            if (world().rank() == world().size() - 1 && blocks == 1) throw DataError("bad row 7");
            if (blocks++ > 3) return false;
            block.append_rows(left, 0, 5);
            return true;
          },
          [](table::Table&) {});
      ADD_FAILURE() << "no error";
    } catch (const Error& error) {
      EXPECT_TRUE(error.agreed());
      EXPECT_NE(std::string(error.what()).find("bad row 7"), std::string::npos) << error.what();
    }
  }
}

}  // namespace
}  // namespace rankflow::ops
