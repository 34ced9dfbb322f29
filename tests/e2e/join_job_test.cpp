// Jobs with [join], [distinct], [top], [sort] and [limit] through the CLI under mpirun (np
// 1..4) with tiny blocks, compared with the serial oracles of tests/oracle/table_oracle.hpp:
// every join kind with duplicate and null keys and an empty side, shuffle and broadcast, the
// issue's job file and W3's; and the errors: key type mismatch and unknown names before any
// row is read (exit 2), a join and a sort over the memory budget spill and finish (issue 14), no
// output left behind, no hang.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "oracle/table_job_oracle.hpp"
#include "oracle/table_oracle.hpp"
#include "support/error_checks.hpp"
#include "support/process.hpp"
#include "support/strings.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {
namespace {

using table::ColumnType;

std::string job_file(const std::string& name) { return source_dir() + "/jobs/" + name; }

// left (orders): id, key, v, a; right (items): key, v, b. Keys collide (many-to-many) and
// some are null; v clashes (suffixes); a is never null (a group column for top ... per).
table::Table make_table(std::size_t rows, std::uint64_t seed, bool left, std::int64_t keys) {
  std::mt19937_64 rng(seed);
  auto below = [&](std::uint64_t count) { return rng() % count; };
  const std::vector<std::string> words = {"red", "green", "blue, dark", "caf\xC3\xA9", "\"q\""};
  table::Column id(ColumnType::kInt64), key(ColumnType::kInt64), v(ColumnType::kFloat64),
      text(ColumnType::kString);
  for (std::size_t row = 0; row < rows; ++row) {
    id.append_i64(static_cast<std::int64_t>(row));
    below(15) == 0
        ? key.append_null()
        : key.append_i64(static_cast<std::int64_t>(below(static_cast<std::uint64_t>(keys))));
    below(20) == 0 ? v.append_null() : v.append_f64(static_cast<double>(below(10000)) / 100.0);
    if (!left && below(10) == 0)
      text.append_null();
    else
      text.append_string(words[below(words.size())]);
  }
  table::Table table;
  if (left) table.add_column("id", std::move(id));
  table.add_column("key", std::move(key));
  table.add_column("v", std::move(v));
  table.add_column(left ? "a" : "b", std::move(text));
  return table;
}

ColumnType type_of(const std::string& name) {
  if (name == "id" || name == "key") return ColumnType::kInt64;
  if (name == "a" || name == "b") return ColumnType::kString;
  return ColumnType::kFloat64;
}

table::Schema schema_named(const std::vector<std::string>& names) {
  table::Schema schema;
  for (const std::string& name : names) schema.add({name, type_of(name)});
  return schema;
}

struct Fixture {
  TempDir dir;
  table::Table left;
  table::Table right;
  std::string out_dir;
  std::string output;

  Fixture(table::Table left_table, table::Table right_table)
      : left(std::move(left_table)), right(std::move(right_table)) {
    const std::size_t rows = left.num_rows();
    const std::vector<std::size_t> cuts = {0, rows / 5, rows / 2, rows, rows};
    for (std::size_t part = 0; part + 1 < cuts.size(); ++part)
      write_file(dir.file("orders-" + std::to_string(part + 1) + ".csv"),
                 oracle::to_csv(left, cuts[part], cuts[part + 1]));
    write_file(dir.file("items.csv"), oracle::to_csv(right, 0, right.num_rows()));
    out_dir = dir.file("out");
    run_process({"mkdir", "-p", out_dir});
    output = out_dir + "/result.csv";
  }

  // A job reading both inputs (explicit types: CSV inference is not what is tested here).
  std::string job(const std::string& name, const std::string& body) const {
    const std::string path = dir.file(name);
    write_file(path, "[input.orders]\npath = " + dir.file("orders-*.csv") +
                         "\nschema = id:int64, key:int64, v:float64, a:string\n"
                         "[input.items]\npath = " +
                         dir.file("items.csv") + "\nschema = key:int64, v:float64, b:string\n" +
                         body + "[output]\npath = " + output + "\ntable = off\n");
    return path;
  }

  // Tiny blocks for each input the job reads (a --set would add a section for the other).
  RunResult run(int np, const std::string& job_path, std::vector<std::string> sets = {}) const {
    std::vector<std::string> args = {"run", job_path, "--set", "input.orders.block_size=300"};
    if (contains(read_file(job_path), "[input.items]"))
      sets.push_back("input.items.block_size=200");
    for (const std::string& set : sets) {
      args.push_back("--set");
      args.push_back(set);
    }
    return run_rankflow(np, args, 120);
  }

  std::vector<oracle::Row> output_rows(const table::Schema& schema) const {
    return oracle::rows_of(oracle::read_csv_output(read_file(output), schema));
  }
};

// Runs a join job and compares its rows (in any order) with the oracle's.
void check_join(const Fixture& fixture, int np, const std::string& how, const std::string& strategy,
                const std::vector<std::string>& sets = {}) {
  SCOPED_TRACE("np " + std::to_string(np) + ", how = " + how + ", strategy = " + strategy);
  const std::string job =
      fixture.job("join.ini", "[join]\nleft = orders\nright = items\non = key\nhow = " + how +
                                  "\nstrategy = " + strategy + "\n");
  const RunResult run = fixture.run(np, job, sets);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ops::JoinOptions options;
  options.on = {"key"};
  options.how = ops::parse_join_how(how);
  std::vector<std::string> names;
  const std::vector<oracle::Row> expected =
      oracle::sorted(oracle::join(fixture.left, fixture.right, options, &names));
  EXPECT_EQ(oracle::diff_rows(expected, oracle::sorted(fixture.output_rows(schema_named(names)))),
            "");
  EXPECT_TRUE(contains(run.err, strategy + " strategy")) << run.err;
}

TEST(JoinJob, EveryKindMatchesTheOracleWithBothStrategies) {
  const Fixture fixture(make_table(400, 1, true, 40), make_table(60, 2, false, 50));
  for (const char* how : {"inner", "left", "right", "full", "semi", "anti"})
    for (int np : {1, 2, 3, 4}) check_join(fixture, np, how, np % 2 == 0 ? "broadcast" : "shuffle");
  // Broadcast and shuffle give the same rows (both equal the oracle's) at the same rank count,
  // also with every key on one rank and exchanges in tiny rounds.
  for (const char* how : {"inner", "full", "anti"}) {
    check_join(fixture, 3, how, "broadcast");
    check_join(fixture, 3, how, "shuffle", {"join.skew_to_one_rank=true"});
    check_join(fixture, 4, how, "shuffle", {"job.exchange_round_bytes=256"});
  }
}

TEST(JoinJob, AnEmptySideAndTheBuildOnTheLeft) {
  const Fixture fixture(make_table(300, 3, true, 30), make_table(0, 4, false, 30));
  for (const char* how : {"inner", "left", "full", "anti"})
    for (int np : {1, 4}) check_join(fixture, np, how, np == 1 ? "broadcast" : "shuffle");
  const Fixture swapped(make_table(0, 5, true, 30), make_table(80, 6, false, 30));
  for (const char* how : {"inner", "right", "semi"})
    check_join(swapped, 3, how, "shuffle", {"join.build=left"});
  const Fixture both(make_table(200, 7, true, 20), make_table(70, 8, false, 20));
  for (const char* how : {"left", "right", "semi", "anti"}) {
    check_join(both, 2, how, "shuffle", {"join.build=left"});
    check_join(both, 3, how, "broadcast", {"join.build=left"});
  }
}

// Sales and dim shaped like the peer benchmark's (gen_data.py): sales id,key,category,value,qty
// and dim key,region,weight (unique keys, not every sales key has one).
struct SalesFixture {
  TempDir dir;
  std::map<std::string, double> expected;  // region -> sum(value * weight), inner join

  SalesFixture() {
    std::mt19937_64 rng(42);
    auto below = [&](std::uint64_t count) { return rng() % count; };
    const std::vector<std::string> regions = {"islands", "north", "southwest", "east"};
    std::string dim = "key,region,weight\n";
    std::map<std::int64_t, std::pair<std::string, double>> by_key;
    for (std::int64_t key = 0; key < 80; ++key) {
      const std::string region = regions[below(regions.size())];
      const double weight = static_cast<double>(5 + below(20)) / 10.0;
      by_key[key] = {region, weight};
      dim += fmt_row(key, region, weight);
    }
    std::string sales = "id,key,category,value,qty\n";
    for (std::int64_t id = 0; id < 1500; ++id) {
      const auto key = static_cast<std::int64_t>(below(100));
      const double value = static_cast<double>(below(100000)) / 100.0;
      sales += std::to_string(id) + "," + std::to_string(key) + ",cat" + std::to_string(below(7)) +
               "," + oracle_number(value) + "," + std::to_string(below(10)) + "\n";
      const auto found = by_key.find(key);
      if (found != by_key.end()) expected[found->second.first] += value * found->second.second;
    }
    write_file(dir.file("sales.csv"), sales);
    write_file(dir.file("dim.csv"), dim);
    run_process({"mkdir", "-p", dir.file("out")});
  }

  static std::string oracle_number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", value);
    return text;
  }
  static std::string fmt_row(std::int64_t key, const std::string& region, double weight) {
    return std::to_string(key) + "," + region + "," + oracle_number(weight) + "\n";
  }
};

TEST(JoinJob, IssueJobAndW3MatchTheOracle) {
  const SalesFixture fixture;
  const std::string output = fixture.dir.file("out/by_region.csv");
  for (const char* job : {"sales_by_region.ini", "w3_join_by_region.ini"}) {
    for (int np : {1, 2, 3, 4}) {
      SCOPED_TRACE(std::string(job) + ", np " + std::to_string(np));
      const RunResult run = run_rankflow(
          np, {"run", job_file(job), "--set", "input.sales.path=" + fixture.dir.file("sales.csv"),
               "--set", "input.dim.path=" + fixture.dir.file("dim.csv"), "--set",
               "output.path=" + output, "--set", "input.sales.block_size=500", "--set",
               "input.dim.block_size=100", "--set",
               std::string("join.strategy=") + (np % 2 == 0 ? "shuffle" : "auto")});
      ASSERT_EQ(run.exit_code, 0) << run.err;
      const table::Table actual = oracle::read_csv_output(
          read_file(output),
          table::Schema({{"region", ColumnType::kString}, {"sum_vw", ColumnType::kFloat64}}));
      ASSERT_EQ(actual.num_rows(), fixture.expected.size());
      std::size_t row = 0;
      for (const auto& [region, sum] : fixture.expected) {  // std::map: sorted by region
        EXPECT_EQ(std::string(actual.column(0).str(row)), region);
        EXPECT_NEAR(actual.column(1).f64()[row], sum, 1e-9 * sum);
        ++row;
      }
    }
  }
}

// A job over the orders alone (no join): [distinct], [top], [sort], [limit].
std::string single_job(const Fixture& fixture, const std::string& name, const std::string& body) {
  const std::string path = fixture.dir.file(name);
  write_file(path, "[input.orders]\npath = " + fixture.dir.file("orders-*.csv") +
                       "\nschema = id:int64, key:int64, v:float64, a:string\n" + body +
                       "[output]\npath = " + fixture.output + "\ntable = off\n");
  return path;
}

std::vector<oracle::Row> first_rows(std::vector<oracle::Row> rows, std::size_t n) {
  if (rows.size() > n) rows.resize(n);
  return rows;
}

// The rows of `orders` that `rows` (rows of orders: id first) name, as a table.
table::Table rows_by_id(const table::Table& orders, const std::vector<oracle::Row>& rows) {
  table::Table table(orders.schema());
  for (const oracle::Row& row : rows) table.append_row(orders, static_cast<std::size_t>(row[0].i));
  return table;
}

TEST(JoinJob, SortDistinctTopAndLimitSections) {
  const Fixture fixture(make_table(500, 9, true, 25), make_table(1, 10, false, 1));
  const table::Table& orders = fixture.left;
  const table::Schema& schema = orders.schema();
  const std::vector<ops::SortKey> by_v = {{"v", true, false}, {"key", false, false}};
  struct Case {
    std::string body;
    std::vector<oracle::Row> expected;
    bool ordered;
  };
  std::vector<Case> cases;
  cases.push_back({"[sort]\nby = v desc, key\n", oracle::stable_sort(orders, by_v), true});
  cases.push_back({"[sort]\nby = v desc, key\n[limit]\nn = 13\n",
                   first_rows(oracle::stable_sort(orders, by_v), 13), true});
  cases.push_back({"[limit]\nn = 17\n", first_rows(oracle::rows_of(orders), 17), true});
  cases.push_back({"[distinct]\ncolumns = key, a\n",
                   oracle::sorted(oracle::distinct(orders, {"key", "a"})), false});
  cases.push_back(
      {"[top]\nby = v desc, key\nk = 9\n", oracle::top_k(orders, by_v, 9, {}).front(), true});
  // Per group, then sorted by the group (stable: each group's rows stay in top order).
  std::vector<std::vector<oracle::Row>> groups = oracle::top_k(orders, by_v, 3, {"a"});
  std::stable_sort(groups.begin(), groups.end(), [](const auto& left, const auto& right) {
    return oracle::compare(left.front()[3], right.front()[3]) < 0;
  });
  std::vector<oracle::Row> per_group;
  for (const auto& group : groups) per_group.insert(per_group.end(), group.begin(), group.end());
  cases.push_back({"[top]\nby = v desc, key\nk = 3\nper = a\n[sort]\nby = a\n", per_group, true});
  // All steps at once: each key's first row, the 5 largest of them by v, in key order, 4 kept.
  {
    const std::vector<oracle::Row> top =
        oracle::top_k(rows_by_id(orders, oracle::distinct(orders, {"key"})), by_v, 5, {}).front();
    cases.push_back(
        {"[distinct]\ncolumns = key\n[top]\nby = v desc, key\nk = 5\n[sort]\nby = "
         "key\n[limit]\nn = 4\n",
         first_rows(oracle::stable_sort(rows_by_id(orders, top), {{"key", false, false}}), 4),
         true});
  }
  for (std::size_t idx = 0; idx < cases.size(); ++idx) {
    const std::string job =
        single_job(fixture, "steps" + std::to_string(idx) + ".ini", cases[idx].body);
    for (int np : {1, 2, 3, 4}) {
      SCOPED_TRACE("np " + std::to_string(np) + "\n" + cases[idx].body);
      const RunResult run = fixture.run(np, job);
      ASSERT_EQ(run.exit_code, 0) << run.err;
      std::vector<oracle::Row> actual = fixture.output_rows(schema);
      if (!cases[idx].ordered) actual = oracle::sorted(actual);
      EXPECT_EQ(oracle::diff_rows(cases[idx].expected, actual), "");
    }
  }
}

// docs/joins.md, "Which row distinct and top keep after a join": a broadcast join gives its
// rows in the inputs' order (each left row, then its partners in the right's order) at every
// rank count, so distinct keeps the same rows; a shuffle's order depends on the rank count.
// [top] per the key, k = 1, with an order over every column, keeps the same rows everywhere.
TEST(JoinJob, WhichRowDistinctAndTopKeepAfterAJoin) {
  const Fixture fixture(make_table(300, 21, true, 30), make_table(90, 22, false, 30));
  ops::JoinOptions options;
  options.on = {"key"};
  std::vector<std::string> names;
  std::vector<oracle::Row> first_per_key;
  std::map<std::int64_t, bool> seen;
  for (const oracle::Row& row : oracle::join(fixture.left, fixture.right, options, &names))
    if (!seen[row[1].i]) {
      seen[row[1].i] = true;
      first_per_key.push_back(row);
    }
  const table::Schema schema = schema_named(names);
  const std::string join = "[join]\nleft = orders\nright = items\non = key\n";
  const std::string distinct = fixture.job("distinct.ini", join + "[distinct]\ncolumns = key\n");
  for (int np : {1, 2, 3, 4}) {
    SCOPED_TRACE("distinct, np " + std::to_string(np));
    const RunResult run = fixture.run(np, distinct, {"join.strategy=broadcast"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(oracle::diff_rows(oracle::sorted(first_per_key),
                                oracle::sorted(fixture.output_rows(schema))),
              "");
  }
  const std::string top = fixture.job(
      "top.ini", join + "[top]\nby = id, v_left, a, v_right desc, b\nk = 1\nper = key\n");
  std::vector<oracle::Row> kept;
  for (const char* strategy : {"broadcast", "shuffle"})
    for (int np : {1, 2, 3, 4}) {
      SCOPED_TRACE(std::string("top, ") + strategy + ", np " + std::to_string(np));
      const RunResult run = fixture.run(np, top, {std::string("join.strategy=") + strategy});
      ASSERT_EQ(run.exit_code, 0) << run.err;
      const std::vector<oracle::Row> rows = oracle::sorted(fixture.output_rows(schema));
      if (kept.empty()) kept = rows;
      EXPECT_EQ(oracle::diff_rows(kept, rows), "");
    }
  EXPECT_EQ(kept.size(), first_per_key.size());
}

TEST(JoinJob, AnEmptyDistinctSectionKeepsEachRowOnce) {
  // `[distinct]` without keys is all columns (the default), but the INI parser reported no
  // section without keys: the step silently did not run and every duplicate stayed.
  const TempDir dir;
  write_file(dir.file("dup.csv"), "k,s\n1,a\n1,a\n2,b\n1,a\n,\n2,b\n,\n1,\n");
  write_file(dir.file("job.ini"), "[input]\npath = " + dir.file("dup.csv") +
                                      "\nblock_size = 8\n[distinct]\n[output]\npath = " +
                                      dir.file("out.csv") + "\nsort = k, s\ntable = off\n");
  for (int np : {1, 2, 3, 4}) {
    SCOPED_TRACE("np " + std::to_string(np));
    const RunResult run = run_rankflow(np, {"run", dir.file("job.ini")});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(read_file(dir.file("out.csv")), "k,s\n1,a\n1,\n2,b\n,\n");
  }
}

// Runs `job` and checks the error: exit code, every part of `message` in the one error rank 0
// prints, and nothing written to the output folder.
void expect_error(const Fixture& fixture, const std::string& job, int exit_code,
                  const std::vector<std::string>& message,
                  const std::vector<std::string>& sets = {}, const std::vector<int>& nps = {1, 3}) {
  for (int np : nps) {
    SCOPED_TRACE("np " + std::to_string(np) + ", " + job);
    expect_one_clear_error(fixture.run(np, job, sets), exit_code, message, fixture.out_dir);
  }
}

TEST(JoinJob, ConfigErrorsComeBeforeAnyRowIsRead) {
  Fixture fixture(make_table(200, 11, true, 20), make_table(30, 12, false, 20));
  // A bad row in the data: the config errors below still win (exit 2): nothing was read.
  write_file(fixture.dir.file("orders-3.csv"),
             read_file(fixture.dir.file("orders-3.csv")) + "999,x7,1.5,red\n");
  expect_error(fixture,
               fixture.job("types.ini", "[join]\nleft = orders\nright = items\non = key\n"), 2,
               {"types.ini: [join] on: ",
                "key 'key' is int64 on the left but 'key' is string on "
                "the right"},
               {"input.items.schema=key:string, v:float64, b:string"});
  expect_error(fixture, fixture.job("name.ini", "[join]\nleft = order\nright = items\non = key\n"),
               2,
               {"name.ini: [join] left",
                "no input named 'order' (did you mean 'orders'?); the "
                "inputs are: orders, items"});
  expect_error(fixture, fixture.job("col.ini", "[join]\nleft = orders\nright = items\non = kee\n"),
               2, {"[join] on: ", "no key column 'kee'"});
  expect_error(fixture, fixture.job("nojoin.ini", ""), 2,
               {"this job names 2 inputs ([input.orders], [input.items])", "[join]"});
  expect_error(fixture,
               fixture.job("group.ini",
                           "[join]\nleft = orders\nright = items\non = key\n"
                           "[groupby]\nkeys = region\naggregate = sum(v_right)\n"),
               2,
               {"[groupby] keys: no column 'region'",
                "the columns are: id, key, v_left, a, "
                "v_right, b"});
  expect_error(fixture, single_job(fixture, "top.ini", "[top]\nby = w\nk = 3\n"), 2,
               {"[top] by: "});
  expect_error(fixture, single_job(fixture, "dist.ini", "[distinct]\ncolumns = b\n"), 2,
               {"[distinct] columns: "});
  expect_error(fixture, single_job(fixture, "twice.ini", "[sort]\nby = v\n[limit]\nn = 3\n"), 2,
               {"output.sort = 'key': the order is given twice, here and in [sort] by"},
               {"output.sort=key"});
}

// The lines of `text`, sorted (the order of a shuffle join's rows is not defined).
std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t begin = 0;
  while (begin < text.size()) {
    const std::size_t end = std::min(text.find('\n', begin), text.size());
    lines.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

// Over the budget a job no longer stops (issue 14): a join spills to [job] scratch (a grace
// hash join; a broadcast that does not fit shuffles instead; tests/mpi/join_spill_test.cpp),
// a sort spills sorted runs; the same rows as without a budget, the scratch folder empty after.
TEST(JoinJob, AJobOverTheMemoryBudgetSpillsAndWritesTheSameRows) {
  const Fixture fixture(make_table(400, 13, true, 40), make_table(300, 14, false, 40));
  const std::string scratch = fixture.dir.file("scratch");
  run_process({"mkdir", "-p", scratch});
  struct Case {
    const char* how;
    const char* strategy;
    std::vector<int> nps;
  };
  for (const Case& each : {Case{"inner", "shuffle", {1, 2, 3}}, Case{"full", "shuffle", {2, 3}},
                           Case{"anti", "shuffle", {1, 3}}, Case{"left", "broadcast", {1, 3}}}) {
    const std::string join = fixture.job(
        "budget.ini", std::string("[join]\nleft = orders\nright = items\non = key\nhow = ") +
                          each.how + "\nstrategy = " + each.strategy +
                          "\n[job]\nmemory_per_rank = 8KiB\nscratch = " + scratch + "\n");
    for (int np : each.nps) {
      SCOPED_TRACE(std::string(each.how) + ", " + each.strategy + ", np " + std::to_string(np));
      const RunResult none = fixture.run(np, join, {"job.memory_per_rank=none"});
      ASSERT_EQ(none.exit_code, 0) << none.err;
      const std::vector<std::string> expected = sorted_lines(read_file(fixture.output));
      const RunResult run = fixture.run(np, join);
      ASSERT_EQ(run.exit_code, 0) << run.err;
      EXPECT_TRUE(contains(run.err, "join: spilled ")) << run.err;
      EXPECT_TRUE(contains(run.err, " joined their share from scratch by partition")) << run.err;
      if (std::string(each.strategy) == "broadcast") {
        EXPECT_TRUE(contains(run.err, "do not fit once per node")) << run.err;
      }
      EXPECT_EQ(sorted_lines(read_file(fixture.output)), expected);
      EXPECT_TRUE(list_dir(scratch).empty());
    }
  }
  // A sort over the budget no longer stops: it spills sorted runs to [job] scratch and
  // writes the same file as without a budget (issue 14; tests/mpi/external_sort_test.cpp).
  const std::string sort =
      single_job(fixture, "sortbudget.ini", "[sort]\nby = v\n[job]\nmemory_per_rank = 1KiB\n");
  std::string unlimited;
  for (int np : {1, 2, 3}) {
    SCOPED_TRACE("np " + std::to_string(np));
    const RunResult none = fixture.run(np, sort, {"job.memory_per_rank=none"});
    ASSERT_EQ(none.exit_code, 0) << none.err;
    if (unlimited.empty()) unlimited = read_file(fixture.output);
    const RunResult run = fixture.run(np, sort, {"job.memory_per_rank=1KiB"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_TRUE(contains(run.err, "sort: spilled ")) << run.err;
    EXPECT_EQ(read_file(fixture.output), unlimited);
  }
  // A group-by past the budget spills its partial states (every aggregate kind) and writes the
  // same rows, byte for byte, as without a budget (no sort: the owners merge partition by
  // partition, so the order of the groups may differ).
  const std::string groupby = single_job(
      fixture, "gbbudget.ini",
      "[groupby]\nkeys = key\naggregate = count(), sum(v), mean(v), std(v), min(a), last(a), "
      "nunique(a), median(v), quantile(v, 0.9)\n[job]\nmemory_per_rank = 1KiB\n");
  for (int np : {1, 2, 3}) {
    SCOPED_TRACE("group-by, np " + std::to_string(np));
    const RunResult none = fixture.run(np, groupby, {"job.memory_per_rank=none"});
    ASSERT_EQ(none.exit_code, 0) << none.err;
    EXPECT_FALSE(contains(none.err, "group-by: spilled ")) << none.err;
    const std::vector<std::string> in_memory = sorted_lines(read_file(fixture.output));
    const RunResult run = fixture.run(np, groupby, {"job.memory_per_rank=1KiB"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_TRUE(contains(run.err, "group-by: spilled ")) << run.err;
    EXPECT_TRUE(contains(run.err, " back")) << run.err;
    EXPECT_EQ(sorted_lines(read_file(fixture.output)), in_memory);
  }
  // Distinct past the budget spills its kept rows and keeps the same first row of each key
  // (the `distinct: output` stage takes the owners' partitions as blocks).
  const std::string distinct = single_job(
      fixture, "dbudget.ini", "[distinct]\ncolumns = key\n[job]\nmemory_per_rank = 1KiB\n");
  for (int np : {1, 2, 3}) {
    SCOPED_TRACE("distinct, np " + std::to_string(np));
    const RunResult none = fixture.run(np, distinct, {"job.memory_per_rank=none"});
    ASSERT_EQ(none.exit_code, 0) << none.err;
    EXPECT_FALSE(contains(none.err, "distinct: spilled ")) << none.err;
    const std::vector<std::string> in_memory = sorted_lines(read_file(fixture.output));
    const RunResult run = fixture.run(np, distinct, {"job.memory_per_rank=1KiB"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_TRUE(contains(run.err, "distinct: spilled ")) << run.err;
    EXPECT_EQ(sorted_lines(read_file(fixture.output)), in_memory);
  }
}

// examples/sales_by_region.cpp (api::Frame::read_csv, join, derive, groupby, sort,
// write_csv) under mpirun: the same result as the serial oracle at every rank count.
TEST(JoinJob, TheCppApiExampleMatchesTheOracle) {
  const SalesFixture fixture;
  const std::string output = fixture.dir.file("out/api.csv");
  for (int np : {1, 2, 3, 4}) {
    SCOPED_TRACE("np " + std::to_string(np));
    const RunResult run =
        run_process({RANKFLOW_MPIEXEC, "-np", std::to_string(np), "--oversubscribe",
                     RANKFLOW_EXAMPLE_SALES_BY_REGION, fixture.dir.file("sales.csv"),
                     fixture.dir.file("dim.csv"), output},
                    120);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, output + ": " + std::to_string(fixture.expected.size()) + " rows\n");
    const table::Table actual = oracle::read_csv_output(
        read_file(output),
        table::Schema({{"region", ColumnType::kString}, {"sum_vw", ColumnType::kFloat64}}));
    ASSERT_EQ(actual.num_rows(), fixture.expected.size());
    std::size_t row = 0;
    for (const auto& [region, sum] : fixture.expected) {
      EXPECT_EQ(std::string(actual.column(0).str(row)), region);
      EXPECT_NEAR(actual.column(1).f64()[row], sum, 1e-9 * sum);
      ++row;
    }
  }
  // A missing input: one error, exit code 1, no output, on every rank count.
  const RunResult run = run_process(
      {RANKFLOW_MPIEXEC, "-np", "3", "--oversubscribe", RANKFLOW_EXAMPLE_SALES_BY_REGION,
       fixture.dir.file("nope.csv"), fixture.dir.file("dim.csv"), fixture.dir.file("out/x.csv")},
      120);
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_TRUE(contains(run.err, "nope.csv")) << run.err;
  EXPECT_FALSE(file_exists(fixture.dir.file("out/x.csv")));
}

}  // namespace
}  // namespace rankflow::test
