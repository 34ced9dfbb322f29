// Frame::map_partitions and Frame::groupby_apply at every rank count against serial oracles
// (std::map over the whole input): multi-column and string keys with nulls, more ranks than
// groups, empty partitions, an empty frame, and a function that throws on one rank only.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "oracle/table_oracle.hpp"
#include "rankflow/api/frame.hpp"
#include "rankflow/ops/group_rows.hpp"
#include "support/mpi_test.hpp"

namespace rankflow::api {
namespace {

using oracle::Row;
using oracle::Value;
using table::ColumnType;
using test::world;

table::Table share(const table::Table& global) {
  const auto rank = static_cast<std::size_t>(world().rank());
  const auto ranks = static_cast<std::size_t>(world().size());
  const std::size_t rows = global.num_rows();
  return oracle::slice(global, rows * rank / ranks, rows * (rank + 1) / ranks);
}

// k:int64, s:string, v:float64 with nulls in every column, then id:int64 (the row number).
table::Table input_table(std::size_t rows, std::int64_t distinct, std::uint64_t seed) {
  const table::Schema schema(
      {{"k", ColumnType::kInt64}, {"s", ColumnType::kString}, {"v", ColumnType::kFloat64}});
  return oracle::with_ids(oracle::random_table(schema, rows, seed, 0.1, distinct));
}

// What the test's function returns per group: its keys, its row count, the sum of its ids,
// and whether its ids increase (rows in input order).
struct Summary {
  std::int64_t n = 0;
  std::int64_t id_sum = 0;
  bool in_order = true;
};

Frame::TableFunction summarize(std::vector<std::string> keys) {
  return [keys](const table::Table& group) {
    table::Table out;
    for (const std::string& key : keys) {
      table::Column column(group.column(key).type());
      if (group.num_rows() > 0) column.append_from(group.column(key), 0);
      out.add_column(key, std::move(column));
    }
    const table::Column& ids = group.column("id");
    Summary summary;
    for (std::size_t row = 0; row < group.num_rows(); ++row) {
      ++summary.n;
      summary.id_sum += ids.i64()[row];
      if (row > 0 && ids.i64()[row] <= ids.i64()[row - 1]) summary.in_order = false;
    }
    table::Column n(ColumnType::kInt64), id_sum(ColumnType::kInt64), ordered(ColumnType::kBool);
    if (group.num_rows() > 0) {
      n.append_i64(summary.n);
      id_sum.append_i64(summary.id_sum);
      ordered.append_bool(summary.in_order);
    }
    out.add_column("n", std::move(n));
    out.add_column("id_sum", std::move(id_sum));
    out.add_column("in_order", std::move(ordered));
    return out;
  };
}

// The oracle: key tuple -> summary, over the whole input.
std::vector<Row> expected_summaries(const table::Table& global,
                                    const std::vector<std::string>& keys) {
  std::map<Row, Summary> groups;
  for (std::size_t row = 0; row < global.num_rows(); ++row) {
    Row key;
    for (const std::string& name : keys) key.push_back(Value::of(global.column(name), row));
    Summary& summary = groups[key];
    ++summary.n;
    summary.id_sum += global.column("id").i64()[row];
  }
  std::vector<Row> rows;
  for (const auto& [key, summary] : groups) {
    Row row = key;
    for (std::int64_t number : {summary.n, summary.id_sum}) {
      Value value;
      value.null = false;
      value.i = number;
      row.push_back(value);
    }
    Value yes;
    yes.null = false;
    yes.type = ColumnType::kBool;
    yes.i = 1;
    row.push_back(yes);
    rows.push_back(std::move(row));
  }
  return oracle::sorted(std::move(rows));
}

// Key order as groupby_apply gives it on each rank: ascending per column, nulls last.
bool key_before(const Row& left, const Row& right, std::size_t key_count) {
  for (std::size_t idx = 0; idx < key_count; ++idx) {
    if (left[idx].null != right[idx].null) return right[idx].null;
    if (left[idx].null) continue;
    const int order = oracle::compare(left[idx], right[idx]);
    if (order != 0) return order < 0;
  }
  return false;
}

void check_groupby_apply(const table::Table& global, const std::vector<std::string>& keys) {
  const Frame result = Frame(world(), share(global)).groupby_apply(keys, summarize(keys));
  const std::vector<Row> mine = oracle::rows_of(result.local());
  for (std::size_t row = 1; row < mine.size(); ++row)
    EXPECT_TRUE(key_before(mine[row - 1], mine[row], keys.size())) << "row " << row;
  const table::Table all = oracle::gather_all(world(), result.local());
  EXPECT_EQ(all.schema().size(), keys.size() + 3);
  // One output row per group, all rows of the group together: a group split over two ranks
  // would give two rows with smaller counts.
  EXPECT_EQ(
      oracle::diff_rows(expected_summaries(global, keys), oracle::sorted(oracle::rows_of(all))),
      "");
}

TEST(GroupbyApply, MultiColumnKeysWithNullsAgainstTheOracle) {
  check_groupby_apply(input_table(600, 7, 11), {"k", "s"});
}

TEST(GroupbyApply, StringKeyAgainstTheOracle) {
  check_groupby_apply(input_table(500, 40, 12), {"s"});
}

TEST(GroupbyApply, FloatKeyWithNanAndNegativeZero) {
  check_groupby_apply(input_table(400, 9, 13), {"v"});
}

TEST(GroupbyApply, MoreRanksThanGroups) {
  table::Table global = input_table(50, 1, 14);  // at most two values of k: one and null
  check_groupby_apply(global, {"k"});
}

TEST(GroupbyApply, EveryRowOnOneRankOthersEmpty) {
  const table::Table global = input_table(200, 5, 15);
  const table::Table mine = world().rank() == 0 ? global : oracle::slice(global, 0, 0);
  const Frame result = Frame(world(), mine).groupby_apply({"k"}, summarize({"k"}));
  const table::Table all = oracle::gather_all(world(), result.local());
  EXPECT_EQ(
      oracle::diff_rows(expected_summaries(global, {"k"}), oracle::sorted(oracle::rows_of(all))),
      "");
}

TEST(GroupbyApply, EmptyFrameGivesTheFunctionsColumns) {
  const table::Table empty = oracle::slice(input_table(10, 3, 16), 0, 0);
  const Frame result = Frame(world(), empty).groupby_apply({"k", "s"}, summarize({"k", "s"}));
  EXPECT_EQ(result.local().num_rows(), 0u);
  EXPECT_EQ(result.schema().describe(), "k:int64, s:string, n:int64, id_sum:int64, in_order:bool");
  EXPECT_EQ(result.num_rows(), 0u);
}

TEST(GroupbyApply, GroupsInKeyOrderWithinARank) {
  // Every key owned by rank 0 (the debug switch): the layout of all groups on one rank.
  ops::GroupRowsOptions options;
  options.keys = {"k"};
  options.skew_to_one_rank = true;
  const table::Table global = input_table(300, 12, 17);
  const ops::GroupedRows grouped = ops::group_rows(world(), share(global), options);
  if (world().rank() != 0) {
    EXPECT_EQ(grouped.groups(), 0u);
    return;
  }
  EXPECT_EQ(grouped.rows.num_rows(), global.num_rows());
  EXPECT_EQ(grouped.offsets.back(), global.num_rows());
  std::map<Row, std::int64_t> counts;
  for (std::size_t row = 0; row < global.num_rows(); ++row)
    ++counts[{Value::of(global.column("k"), row)}];
  ASSERT_EQ(grouped.groups(), counts.size());
  for (std::size_t group = 0; group < grouped.groups(); ++group) {
    const Row key = {Value::of(grouped.rows.column("k"), grouped.offsets[group])};
    EXPECT_EQ(static_cast<std::int64_t>(grouped.group_rows(group)), counts[key]);
    if (group > 0) {
      const Row previous = {Value::of(grouped.rows.column("k"), grouped.offsets[group - 1])};
      EXPECT_TRUE(key_before(previous, key, 1)) << grouped.describe_group(group);
    }
  }
  EXPECT_EQ(grouped.describe_group(grouped.groups() - 1), "k=null");
}

TEST(GroupbyApply, AnExceptionOnOneGroupIsAgreed) {
  const table::Table global = input_table(300, 9, 18);
  const Frame frame(world(), share(global));
  try {
    frame.groupby_apply({"k"}, [](const table::Table& group) {
      if (group.column("k").is_valid(0) && group.column("k").i64()[0] == 3)
        throw std::runtime_error("no fit for this group");
      return group;
    });
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_TRUE(error.agreed());
    EXPECT_EQ(error.kind(), ErrorKind::kRuntime);
    EXPECT_NE(
        std::string(error.what())
            .find("groupby_apply: the function threw on the group k=3: no fit for this group"),
        std::string::npos)
        << error.what();
  }
  try {
    frame.groupby_apply({"kk"}, summarize({"k"}));
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
    EXPECT_STREQ(error.what(), "groupby_apply: no column 'kk'; the columns are: k, s, v, id");
  }
  try {
    frame.groupby_apply({"k"}, [](const table::Table& group) {
      if (group.column("k").is_valid(0) && group.column("k").i64()[0] == 2)
        return oracle::slice(group, 0, 1);
      table::Table out;
      out.add_column("k", group.column("k"));
      return out;
    });
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_TRUE(error.agreed());
    EXPECT_NE(std::string(error.what()).find("groupby_apply: the function returned the columns"),
              std::string::npos)
        << error.what();
  }
  // Still usable afterwards.
  EXPECT_EQ(frame.groupby_apply({"k"}, summarize({"k"})).num_rows(),
            expected_summaries(global, {"k"}).size());
}

TEST(MapPartitions, RowWiseFunctionEqualsTheFunctionOfTheWhole) {
  const table::Table global = input_table(500, 20, 21);
  // Keeps the rows with an even id and appends twice the id: row-wise, so the concatenation
  // of the parts is the function of the whole table.
  const auto even_doubled = [](const table::Table& part) {
    std::vector<std::uint8_t> keep(part.num_rows());
    for (std::size_t row = 0; row < part.num_rows(); ++row)
      keep[row] = part.column("id").i64()[row] % 2 == 0 ? 1 : 0;
    table::Table out = part.filter(keep);
    table::Column doubled(ColumnType::kInt64);
    for (std::size_t row = 0; row < out.num_rows(); ++row)
      doubled.append_i64(2 * out.column("id").i64()[row]);
    out.add_column("twice", std::move(doubled));
    return out;
  };
  const Frame result = Frame(world(), share(global)).map_partitions(even_doubled);
  const table::Table all = oracle::gather_all(world(), result.local());
  EXPECT_EQ(oracle::diff_rows(oracle::rows_of(even_doubled(global)), oracle::rows_of(all)), "");
}

TEST(MapPartitions, EmptyPartitionsAndOneRowPerRank) {
  const table::Table global = input_table(3, 5, 22);  // fewer rows than ranks at np 4
  const auto count = [](const table::Table& part) {
    table::Table out;
    table::Column rows(ColumnType::kInt64);
    rows.append_i64(static_cast<std::int64_t>(part.num_rows()));
    out.add_column("rows", std::move(rows));
    return out;
  };
  const Frame result = Frame(world(), share(global)).map_partitions(count);
  const table::Table all = oracle::gather_all(world(), result.local());
  ASSERT_EQ(all.num_rows(), static_cast<std::size_t>(world().size()));
  std::int64_t total = 0;
  for (std::size_t rank = 0; rank < all.num_rows(); ++rank) total += all.column(0).i64()[rank];
  EXPECT_EQ(total, 3);
}

TEST(MapPartitions, AnExceptionOnTheLastRankIsAgreed) {
  const Frame frame(world(), share(input_table(100, 5, 23)));
  const int last = world().size() - 1;
  try {
    frame.map_partitions([last](const table::Table& part) {
      if (world().rank() == last) throw Error(ErrorKind::kConfig, "bad parameter");
      return part;
    });
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_TRUE(error.agreed());
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
    const std::string expected =
        world().size() == 1
            ? "map_partitions: the function threw: bad parameter"
            : "rank " + std::to_string(last) + " of " + std::to_string(world().size()) +
                  " failed while applying the function: map_partitions: the function threw: "
                  "bad parameter";
    EXPECT_EQ(error.what(), expected);
  }
}

TEST(MapPartitions, DifferentColumnsOnTwoRanksIsAnError) {
  const Frame frame(world(), share(input_table(100, 5, 24)));
  try {
    frame.map_partitions([](const table::Table& part) {
      table::Table out;
      out.add_column(
          "x", table::Column(world().rank() == 1 ? ColumnType::kFloat64 : ColumnType::kInt64));
      return world().rank() == 0 ? out : (world().rank() == 1 ? out : part);
    });
    if (world().size() > 1) ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_TRUE(error.agreed());
    EXPECT_STREQ(error.what(),
                 "map_partitions: the function returned the columns [x:int64] on rank 0 but "
                 "[x:float64] on rank 1");
  }
}

}  // namespace
}  // namespace rankflow::api
