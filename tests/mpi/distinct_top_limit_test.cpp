// Distinct, top-k (global and per group) and limit at every rank count against serial oracles
// over the gathered input: duplicates, nulls, NaN, subsets of columns, skewed ownership, more
// ranks than rows, no rows, input all on one rank; and the memory budget of sort and distinct and
// its error message.
#include <gtest/gtest.h>

#include <map>

#include "oracle/table_oracle.hpp"
#include "rankflow/ops/distinct.hpp"
#include "rankflow/ops/limit.hpp"
#include "rankflow/ops/memory_budget.hpp"
#include "rankflow/ops/top_k.hpp"
#include "support/mpi_test.hpp"

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

table::Table share(const table::Table& global, bool all_on_first = false) {
  const auto rank = static_cast<std::size_t>(world().rank());
  const auto ranks = static_cast<std::size_t>(world().size());
  const std::size_t rows = global.num_rows();
  if (all_on_first) return oracle::slice(global, rank == 0 ? 0 : rows, rows);
  return oracle::slice(global, rows * rank / ranks, rows * (rank + 1) / ranks);
}

// Distinct in blocks of 7 rows, so that local state carries across blocks.
table::Table distinct_in_blocks(const table::Table& mine, const DistinctOptions& options) {
  Distinct op(world(), mine.schema(), options);
  for (std::size_t begin = 0; begin < mine.num_rows(); begin += 7)
    op.consume(oracle::slice(mine, begin, std::min(mine.num_rows(), begin + 7)));
  return op.finish();
}

void expect_distinct(const table::Table& global, const std::vector<std::string>& columns,
                     bool skew = false, bool all_on_first = false) {
  DistinctOptions options;
  options.columns = columns;
  options.skew_to_one_rank = skew;
  const table::Table mine = distinct_in_blocks(share(global, all_on_first), options);
  // Each rank's keys in input order: the ids (input positions) increase.
  const std::size_t id = mine.column_index("id");
  for (std::size_t row = 1; row < mine.num_rows(); ++row)
    EXPECT_LT(mine.column(id).i64()[row - 1], mine.column(id).i64()[row]);
  const auto expected = oracle::sorted(oracle::distinct(global, columns));
  const auto actual = oracle::sorted(oracle::rows_of(oracle::gather_all(world(), mine)));
  EXPECT_EQ(oracle::diff_rows(expected, actual), "") << columns.size() << " columns";
}

TEST(Distinct, SubsetsAndAllColumnsKeepTheFirstRow) {
  const table::Table global =
      oracle::with_ids(oracle::random_table(test_schema(), 300, 61, 0.15, 5));
  expect_distinct(global, {"i"});
  expect_distinct(global, {"s", "b"});
  expect_distinct(global, {"f", "d", "i"});
  expect_distinct(global, {"f"}, /*skew=*/true);
  expect_distinct(global, {"s"}, false, /*all_on_first=*/true);
  // All columns: rows without the id column have many exact duplicates.
  const table::Table plain = oracle::random_table(test_schema(), 300, 62, 0.2, 2);
  DistinctOptions all;
  const table::Table mine = distinct_in_blocks(share(plain), all);
  const auto expected = oracle::sorted(oracle::distinct(plain, {}));
  const auto actual = oracle::sorted(oracle::rows_of(oracle::gather_all(world(), mine)));
  EXPECT_EQ(oracle::diff_rows(expected, actual), "");
  EXPECT_LT(expected.size(), 300u);
}

TEST(Distinct, MoreRanksThanRowsAndNoRows) {
  expect_distinct(oracle::with_ids(oracle::random_table(test_schema(), 2, 63, 0.0, 3)), {"i"});
  expect_distinct(oracle::with_ids(oracle::random_table(test_schema(), 0, 64, 0.0, 3)), {"s"});
  try {
    DistinctOptions options;
    options.columns = {"nope"};
    Distinct op(world(), test_schema(), options);
    ADD_FAILURE();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
    EXPECT_STREQ(error.what(), "distinct: no column 'nope'; the columns are: i, f, s, b, d");
  }
}

// Top-k through consume() in blocks of 5 rows.
table::Table top_in_blocks(const table::Table& mine, const TopKOptions& options) {
  TopK op(world(), mine.schema(), options);
  for (std::size_t begin = 0; begin < mine.num_rows(); begin += 5)
    op.consume(oracle::slice(mine, begin, std::min(mine.num_rows(), begin + 5)));
  return op.finish();
}

void expect_top(const table::Table& global, const std::string& by, std::uint64_t k,
                const std::vector<std::string>& per, bool skew = false, bool all_on_first = false) {
  TopKOptions options;
  options.by = parse_sort_keys(by);
  options.k = k;
  options.per = per;
  options.skew_to_one_rank = skew;
  const table::Table mine = top_in_blocks(share(global, all_on_first), options);
  const table::Table all = oracle::gather_all(world(), mine);
  const auto expected = oracle::top_k(global, options.by, k, per);
  const std::string what = by + ", k " + std::to_string(k) + ", per " + std::to_string(per.size());
  if (per.empty()) {
    // Global: all on rank 0, in order.
    if (world().rank() != 0) {
      EXPECT_EQ(mine.num_rows(), 0u) << what;
    }
    EXPECT_EQ(oracle::diff_rows(expected[0], oracle::rows_of(all)), "") << what;
    return;
  }
  // Per group: each group's rows consecutive and in order.
  std::vector<std::size_t> group_columns;
  for (const std::string& name : per) group_columns.push_back(all.column_index(name));
  std::map<oracle::Row, std::vector<oracle::Row>> got;
  oracle::Row previous;
  for (const oracle::Row& row : oracle::rows_of(all)) {
    oracle::Row key;
    for (std::size_t idx : group_columns) key.push_back(row[idx]);
    if (got.count(key) != 0 && !(key == previous)) ADD_FAILURE() << what << ": a group is split";
    got[key].push_back(row);
    previous = key;
  }
  std::size_t groups_with_rows = 0;
  for (const std::vector<oracle::Row>& rows : expected) {
    if (rows.empty()) continue;
    ++groups_with_rows;
    oracle::Row key;
    for (std::size_t idx : group_columns) key.push_back(rows[0][idx]);
    EXPECT_EQ(oracle::diff_rows(rows, got[key]), "") << what;
  }
  EXPECT_EQ(got.size(), groups_with_rows) << what;
}

TEST(TopK, GlobalWithTiesNullsAndNaN) {
  const table::Table global =
      oracle::with_ids(oracle::random_table(test_schema(), 400, 65, 0.1, 12));
  for (const char* by : {"f desc", "i", "s desc, i", "d nulls first", "b, f"})
    for (std::uint64_t k : {1u, 3u, 17u, 1000u}) expect_top(global, by, k, {});
  expect_top(global, "i desc", 0, {});
  expect_top(global, "f", 9, {}, false, /*all_on_first=*/true);
}

TEST(TopK, PerGroup) {
  const table::Table global =
      oracle::with_ids(oracle::random_table(test_schema(), 400, 66, 0.1, 6));
  expect_top(global, "f desc", 2, {"s"});
  expect_top(global, "i, f desc", 5, {"b", "d"});
  expect_top(global, "s", 1, {"i"}, /*skew=*/true);
  expect_top(global, "d desc", 100, {"s"}, false, /*all_on_first=*/true);
}

TEST(TopK, MoreRanksThanRows) {
  const table::Table two = oracle::with_ids(oracle::random_table(test_schema(), 2, 67, 0.0, 5));
  expect_top(two, "i desc", 3, {});
  expect_top(two, "i desc", 1, {"s"});
  const table::Table none = oracle::with_ids(oracle::random_table(test_schema(), 0, 68, 0.0, 5));
  expect_top(none, "i", 3, {});
}

void expect_limit(const table::Table& global, std::uint64_t n, bool all_on_first = false) {
  const table::Table mine = limit(world(), share(global, all_on_first), n);
  const table::Table all = oracle::gather_all(world(), mine);
  const std::size_t expected_rows = std::min<std::size_t>(global.num_rows(), n);
  EXPECT_EQ(oracle::diff_rows(oracle::rows_of(oracle::slice(global, 0, expected_rows)),
                              oracle::rows_of(all)),
            "")
      << "n = " << n;
}

TEST(Limit, FirstRowsAcrossRanks) {
  const table::Table global = oracle::with_ids(oracle::random_table(test_schema(), 50, 69, 0.1, 9));
  for (std::uint64_t n : {0u, 1u, 2u, 7u, 13u, 49u, 50u, 51u, 1000u}) expect_limit(global, n);
  expect_limit(global, 20, /*all_on_first=*/true);
  expect_limit(oracle::slice(global, 0, 2), 5);  // more ranks than rows
  Limit op(world(), global.schema(), 3);
  op.consume(share(global));
  op.consume(share(global));  // a rank keeps at most n rows
  EXPECT_TRUE(op.full() || share(global).num_rows() * 2 < 3);
  const table::Table mine = op.finish();
  EXPECT_EQ(world().allreduce<std::uint64_t>(mine.num_rows(), comm::ReduceOp::kSum), 3u);
}

TEST(SortBudget, AnOversizedSortStopsWithAClearErrorOnEveryRank) {
  const table::Table global =
      oracle::with_ids(oracle::random_table(test_schema(), 2000, 70, 0.1, 50));
  SortOptions options;
  options.memory.bytes_per_rank = 4096;
  try {
    sort(world(), share(global), parse_sort_keys("s, i"), options);
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_TRUE(error.agreed());
    EXPECT_EQ(error.kind(), ErrorKind::kRuntime);
    const std::string message = error.what();
    EXPECT_EQ(message.rfind("sort: rank ", 0), 0u) << message;
    EXPECT_NE(message.find("more than the budget of 4.0 KiB per rank ([job] memory_per_rank)"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("ranks"), std::string::npos) << message;
  }
  options.memory.bytes_per_rank = std::uint64_t{1} << 30;
  EXPECT_EQ(world().allreduce<std::uint64_t>(
                sort(world(), share(global), parse_sort_keys("s"), options).num_rows(),
                comm::ReduceOp::kSum),
            2000u);
}

// 1.14 GiB over a budget of 1.10 GiB printed as "needs 1.1 GiB ... budget of 1.1 GiB" before.
TEST(MemoryBudgetCheck, TheNeedAndTheBudgetNeverPrintAlike) {
  MemoryBudget budget;
  budget.bytes_per_rank = std::uint64_t{11} * (std::uint64_t{1} << 30) / 10;
  const std::uint64_t need = world().rank() == 0 ? std::uint64_t{114} * (1u << 30) / 100 : 0;
  try {
    check_memory(world(), budget, "join (build side)", {need, 0});
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_TRUE(error.agreed());
    const std::string message = error.what();
    EXPECT_EQ(message.rfind("join (build side): rank 0 of ", 0), 0u) << message;
    EXPECT_NE(message.find("needs 1.14 GiB of memory, more than the budget of 1.10 GiB per rank"),
              std::string::npos)
        << message;
  }
  EXPECT_EQ(format_bytes(budget.bytes_per_rank), "1.1 GiB");
  EXPECT_EQ(format_bytes(std::uint64_t{640} << 20, 2), "640.0 MiB");
  EXPECT_NO_THROW(
      check_memory(world(), budget, "join (build side)", {budget.bytes_per_rank - 100, 100}));
}

std::string budget_error(const MemoryBudget& budget, MemoryNeed need) {
  try {
    check_memory(world(), budget, "join (build side)", need);
  } catch (const Error& error) {
    EXPECT_TRUE(error.agreed());
    return error.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

// -np 4 with a 20 KiB budget: each rank needed 2.2 MiB, 2 MiB of it the join index builder's
// scratch, and the advice was "about 440 ranks would do": no rank count would.
TEST(MemoryBudgetCheck, AFixedPartOverTheBudgetSaysMoreRanksWillNotHelp) {
  MemoryBudget budget;
  budget.bytes_per_rank = 20 << 10;
  const std::string ranks = std::to_string(world().size());
  EXPECT_EQ(budget_error(budget, {1 << 20, 2 << 20}),
            "join (build side): rank 0 of " + ranks +
                " needs 3.0 MiB of memory, more than the budget of 20 KiB per rank ([job] "
                "memory_per_rank); 2.0 MiB of that is a fixed part that does not shrink with "
                "more ranks and alone exceeds the budget, so more ranks will not help: raise the "
                "budget to at least 3.0 MiB at -np " +
                ranks + " (more than 2.0 MiB at any rank count)");
  // Step advice (a broadcast's) gives way too: neither it nor more ranks would help.
  const std::string message = [&] {
    try {
      check_memory(world(), budget, "join (build side, broadcast strategy)",
                   {1 << 20, world().rank() == 0 ? std::uint64_t{2} << 20 : 0}, "use shuffle");
    } catch (const Error& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  }();
  EXPECT_NE(message.find("so more ranks will not help"), std::string::npos) << message;
  EXPECT_EQ(message.find("use shuffle"), std::string::npos) << message;
}

// Under the budget the fixed part stays on every rank; the shares get what is left of it.
TEST(MemoryBudgetCheck, TheRanksThatWouldDoComeFromTheSharesAlone) {
  MemoryBudget budget;
  budget.bytes_per_rank = 1 << 20;
  const int ranks = world().size();
  // Each rank's 1 MiB share over 2 * ranks ranks is 512 KiB, beside the fixed 512 KiB: the
  // budget exactly, one rank more for slack. (Without the split: 1.5 * ranks + 1.)
  const std::string enough = std::to_string(2 * ranks + 1);
  EXPECT_EQ(budget_error(budget, {1 << 20, 512 << 10}),
            "join (build side): rank 0 of " + std::to_string(ranks) +
                " needs 1.5 MiB of memory, more than the budget of 1.0 MiB per rank ([job] "
                "memory_per_rank); more ranks would help (each holds a smaller share, beside a "
                "fixed 512 KiB per rank: about " +
                enough + " ranks would do, e.g. mpirun -np " + enough +
                "), or raise the budget if the memory is there");
  // No fixed part: the same rule as before.
  const std::string plain = budget_error(budget, {std::uint64_t{3} << 20, 0});
  const std::string plain_enough = std::to_string(3 * ranks + 1);
  EXPECT_NE(plain.find("; more ranks would help (each holds a smaller share: about " +
                       plain_enough + " ranks would do, e.g. mpirun -np " + plain_enough + ")"),
            std::string::npos)
      << plain;
}

TEST(DistinctBudget, AnOversizedDistinctSaysHowManyRanksWouldDo) {
  const table::Table global =
      oracle::with_ids(oracle::random_table(test_schema(), 2000, 71, 0.1, 50));
  DistinctOptions options;
  options.columns = {"id"};
  options.memory.bytes_per_rank = 4096;
  try {
    distinct(world(), share(global), options);
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_TRUE(error.agreed());
    const std::string message = error.what();
    EXPECT_EQ(message.rfind("distinct: rank ", 0), 0u) << message;
    EXPECT_NE(message.find("more ranks would help (each holds a smaller share: about "),
              std::string::npos)
        << message;
    EXPECT_EQ(message.find("fixed"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace rankflow::ops
