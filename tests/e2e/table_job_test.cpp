// Table jobs through the CLI under mpirun (np 1..4): jobs/sales_by_category.ini and the W1/W2
// job files on generated data with tiny blocks, compared with a serial oracle computed here
// (tests/oracle/table_job_oracle.hpp); and every kind of config error: message, exit code 2,
// no hang, nothing left in the output folder.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "oracle/table_job_oracle.hpp"
#include "rankflow/ops/groupby.hpp"
#include "rankflow/table/datetime.hpp"
#include "support/error_checks.hpp"
#include "support/process.hpp"
#include "support/strings.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {
namespace {

using table::ColumnType;

std::string job_file(const std::string& name) { return source_dir() + "/jobs/" + name; }

// Sales rows like a user's export: quoted categories holding a comma, quotes or a line break,
// non-ASCII text, and nulls in region, value and qty.
table::Table sales_table(std::size_t rows, std::uint64_t seed, bool with_region) {
  std::mt19937_64 rng(seed);
  auto below = [&](std::uint64_t count) { return rng() % count; };
  const std::vector<std::string> categories = {
      "books", "toys", "misc", "garden", "caf\xC3\xA9", "home, \"garden\"", "line\nbreak"};
  const std::vector<std::string> regions = {"north", "south", "east", "west"};
  table::Table table;
  table::Column id(ColumnType::kInt64), key(ColumnType::kInt64), category(ColumnType::kString),
      region(ColumnType::kString), value(ColumnType::kFloat64), qty(ColumnType::kInt64),
      ts(ColumnType::kTimestamp);
  for (std::size_t row = 0; row < rows; ++row) {
    id.append_i64(static_cast<std::int64_t>(row));
    key.append_i64(static_cast<std::int64_t>(below(60)));
    category.append_string(categories[below(categories.size())]);
    below(33) == 0 ? region.append_null() : region.append_string(regions[below(regions.size())]);
    below(30) == 0 ? value.append_null()
                   : value.append_f64(static_cast<double>(below(100000)) / 100.0 + 0.01);
    below(30) == 0 ? qty.append_null() : qty.append_i64(static_cast<std::int64_t>(below(13)));
    const std::int64_t day =
        table::days_from_civil(2024, 1, 1) + static_cast<std::int64_t>(below(366));
    ts.append_i64(day * 86'400'000'000 + static_cast<std::int64_t>(below(86'400)) * 1'000'000);
  }
  table.add_column("id", std::move(id));
  table.add_column("key", std::move(key));
  table.add_column("category", std::move(category));
  if (with_region) table.add_column("region", std::move(region));
  table.add_column("value", std::move(value));
  table.add_column("qty", std::move(qty));
  table.add_column("ts", std::move(ts));
  return table;
}

// Writes `table` as sales-1.csv ... in `dir` (uneven parts, plus a header-only file).
void write_parts(const table::Table& table, const std::string& dir) {
  const std::size_t rows = table.num_rows();
  const std::vector<std::size_t> cuts = {0, rows / 5, rows / 2, rows, rows};
  for (std::size_t part = 0; part + 1 < cuts.size(); ++part)
    write_file(dir + "/sales-" + std::to_string(part + 1) + ".csv",
               oracle::to_csv(table, cuts[part], cuts[part + 1]));
}

struct Fixture {
  TempDir dir;
  table::Table input;
  std::string glob;
  std::string out_dir;
  std::string output;

  explicit Fixture(table::Table table) : input(std::move(table)) {
    write_parts(input, dir.path());
    glob = dir.file("sales-*.csv");
    out_dir = dir.file("out");
    run_process({"mkdir", "-p", out_dir});
    output = out_dir + "/result.csv";
  }

  RunResult run(int np, const std::string& job, std::vector<std::string> sets = {}) const {
    std::vector<std::string> args = {"run",   job,
                                     "--set", "input.path=" + glob,
                                     "--set", "output.path=" + output,
                                     "--set", "input.block_size=700"};
    for (const std::string& set : sets) {
      args.push_back("--set");
      args.push_back(set);
    }
    return run_rankflow(np, args, 120);
  }
};

table::Schema schema_of(std::vector<table::Field> fields) {
  return table::Schema(std::move(fields));
}

// Runs a group-by job and compares its output with the oracle: same groups, values within
// 1e-9, rows in the order of `sort`.
void check_group_job(const Fixture& fixture, int np, const std::string& job,
                     const oracle::JobSpec& spec, const ops::GroupByOptions& groupby,
                     const table::Schema& output_schema,
                     const std::vector<std::string>& sets = {}) {
  SCOPED_TRACE("np " + std::to_string(np) + ", " + job);
  const RunResult run = fixture.run(np, job, sets);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const table::Table rows = oracle::filter_and_derive(fixture.input, spec);
  const oracle::GroupResult expected = oracle::group_by(rows, groupby);
  const table::Table actual = oracle::read_csv_output(read_file(fixture.output), output_schema);
  EXPECT_EQ(oracle::diff(expected, oracle::result_map(actual, groupby.keys.size()), 1e-9), "");
  std::vector<ops::SortKey> order;
  for (const std::string& key : groupby.keys) order.push_back({key, false, false});
  EXPECT_EQ(oracle::rows_of(actual), oracle::stable_sort(actual, order)) << "not sorted";
  EXPECT_TRUE(contains(run.out, fixture.output + ": " + std::to_string(expected.size()) + " rows"))
      << run.out;
}

TEST(TableJob, IssueJobMatchesTheSerialOracleAtEveryRankCount) {
  const Fixture fixture(sales_table(1500, 7, true));
  const oracle::JobSpec spec{"qty > 5 and category != \"misc\"", {{"revenue", "value * qty"}}};
  ops::GroupByOptions groupby;
  groupby.keys = {"category", "region"};
  groupby.aggregates = ops::parse_aggregates(
      "sum(revenue), mean(value), min(value), max(value), count(), std(value), nunique(key), "
      "first(ts)");
  const table::Schema schema = schema_of({{"category", ColumnType::kString},
                                          {"region", ColumnType::kString},
                                          {"sum_revenue", ColumnType::kFloat64},
                                          {"mean_value", ColumnType::kFloat64},
                                          {"min_value", ColumnType::kFloat64},
                                          {"max_value", ColumnType::kFloat64},
                                          {"count", ColumnType::kInt64},
                                          {"std_value", ColumnType::kFloat64},
                                          {"nunique_key", ColumnType::kInt64},
                                          {"first_ts", ColumnType::kTimestamp}});
  for (int np : {1, 2, 3, 4})
    check_group_job(fixture, np, job_file("sales_by_category.ini"), spec, groupby, schema);
  check_group_job(fixture, 3, job_file("sales_by_category.ini"), spec, groupby, schema,
                  {"groupby.skew_to_one_rank=true"});
  // Exchanges in many small MPI_Alltoallv rounds (group-by and sort).
  check_group_job(fixture, 4, job_file("sales_by_category.ini"), spec, groupby, schema,
                  {"job.exchange_round_bytes=512"});
}

TEST(TableJob, W1AndW2JobFilesMatchTheSerialOracle) {
  const Fixture fixture(sales_table(1200, 11, false));
  ops::GroupByOptions w1;
  w1.keys = {"key"};
  w1.aggregates = ops::parse_aggregates(
      "sum(value) as sum, mean(value) as mean, min(value) as min, max(value) as max, "
      "count() as count");
  const table::Schema w1_schema = schema_of({{"key", ColumnType::kInt64},
                                             {"sum", ColumnType::kFloat64},
                                             {"mean", ColumnType::kFloat64},
                                             {"min", ColumnType::kFloat64},
                                             {"max", ColumnType::kFloat64},
                                             {"count", ColumnType::kInt64}});
  ops::GroupByOptions w2;
  w2.keys = {"category"};
  w2.aggregates = ops::parse_aggregates("mean(value) as mean, count() as count");
  const table::Schema w2_schema = schema_of({{"category", ColumnType::kString},
                                             {"mean", ColumnType::kFloat64},
                                             {"count", ColumnType::kInt64}});
  for (int np : {1, 2, 3, 4}) {
    check_group_job(fixture, np, job_file("w1_sales_by_key.ini"), {}, w1, w1_schema);
    check_group_job(fixture, np, job_file("w2_filter_by_category.ini"), {"qty > 5", {}}, w2,
                    w2_schema);
  }
}

// A job config in the fixture's folder (input and output paths come from --set).
std::string write_job(const Fixture& fixture, const std::string& name, const std::string& body) {
  const std::string path = fixture.dir.file(name);
  write_file(path, "[input]\npath = unset\n" + body);
  return path;
}

TEST(TableJob, FilterAndDeriveStreamInInputOrder) {
  const Fixture fixture(sales_table(900, 3, true));
  const oracle::JobSpec spec{
      "value is not null and (region = 'north' or qty >= 10) and ts >= '2024-03-01'",
      {{"revenue", "round(value * qty, 1)"},
       {"month", "month(ts)"},
       {"big", "revenue > 1000 or category = 'home, \"garden\"'"},
       {"label", "max(category, region)"},
       {"per_unit", "revenue / qty"}}};
  std::string body = "[filter]\nwhere = " + spec.where + "\n[derive]\n";
  for (const auto& [name, text] : spec.derive) body += name + " = " + text + "\n";
  const std::string job = write_job(fixture, "stream.ini", body + "[output]\ntable = off\n");
  const table::Table expected = oracle::filter_and_derive(fixture.input, spec);
  ASSERT_GT(expected.num_rows(), 20u);
  for (int np : {1, 2, 3, 4}) {
    SCOPED_TRACE("np " + std::to_string(np));
    const RunResult run = fixture.run(np, job);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    // Without a group-by or sort, ranks write their parts in rank order: the input order.
    const table::Table actual =
        oracle::read_csv_output(read_file(fixture.output), expected.schema());
    EXPECT_EQ(oracle::diff_rows(expected, actual, 0.0), "");
    EXPECT_TRUE(contains(run.out, fixture.output + ": " + std::to_string(expected.num_rows()) +
                                      " rows, 12 columns\n"))
        << run.out;
  }
}

TEST(TableJob, SortWithoutGroupByIsStableAndGlobal) {
  const Fixture fixture(sales_table(700, 5, true));
  const oracle::JobSpec spec{"qty > 8", {{"revenue", "value * qty"}}};
  const std::string job = write_job(
      fixture, "sort.ini",
      "[filter]\nwhere = qty > 8\n[derive]\nrevenue = value * qty\n[output]\nsort = region desc, "
      "revenue nulls first\n");
  const table::Table rows = oracle::filter_and_derive(fixture.input, spec);
  const std::vector<ops::SortKey> keys = {{"region", true, false}, {"revenue", false, true}};
  for (int np : {1, 2, 3, 4}) {
    SCOPED_TRACE("np " + std::to_string(np));
    const RunResult run = fixture.run(np, job);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const table::Table actual = oracle::read_csv_output(read_file(fixture.output), rows.schema());
    EXPECT_EQ(oracle::rows_of(actual), oracle::stable_sort(rows, keys));
  }
}

TEST(TableJob, SmallResultIsPrintedOnStdout) {
  const Fixture fixture(sales_table(300, 9, true));
  const std::string job = write_job(
      fixture, "small.ini",
      "[groupby]\nkeys = region\naggregate = count() as n, max(qty)\n[output]\nsort = region\n");
  const RunResult run = fixture.run(3, job);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const table::Table rows = oracle::filter_and_derive(fixture.input, {});
  ops::GroupByOptions groupby;
  groupby.keys = {"region"};
  groupby.aggregates = ops::parse_aggregates("count() as n, max(qty)");
  const oracle::GroupResult expected = oracle::group_by(rows, groupby);
  EXPECT_TRUE(contains(run.out, fixture.output + ": 5 rows, 3 columns\nregion   n  max_qty\n"))
      << run.out;
  oracle::Value north;
  north.null = false;
  north.type = ColumnType::kString;
  north.s = "north";
  const auto group = expected.find({north});
  ASSERT_NE(group, expected.end());
  // Strings left-aligned, numbers right-aligned, the null key's group shown as null.
  EXPECT_TRUE(contains(run.out, "\nnorth   " + group->second[0].text() + "  ")) << run.out;
  EXPECT_TRUE(contains(run.out, "\nnull    ")) << run.out;
}

TEST(TableJob, GroupByComputesOnlyTheColumnsItReads) {
  const Fixture fixture(sales_table(800, 12, true));
  // b depends on a; unused is never read (the job computes it for no one).
  const oracle::JobSpec spec{"category != 'misc'",
                             {{"a", "value * 2"}, {"b", "a + qty"}, {"unused", "log(value)"}}};
  ops::GroupByOptions groupby;
  groupby.keys = {"region"};
  groupby.aggregates = ops::parse_aggregates("sum(b), count(), max(a)");
  std::string body = "[filter]\nwhere = " + spec.where + "\n[derive]\n";
  for (const auto& [name, text] : spec.derive) body += name + " = " + text + "\n";
  body +=
      "[groupby]\nkeys = region\naggregate = sum(b), count(), max(a)\n[output]\nsort = region\n";
  const table::Schema schema = schema_of({{"region", ColumnType::kString},
                                          {"sum_b", ColumnType::kFloat64},
                                          {"count", ColumnType::kInt64},
                                          {"max_a", ColumnType::kFloat64}});
  for (int np : {1, 3})
    check_group_job(fixture, np, write_job(fixture, "closure.ini", body), spec, groupby, schema);

  // count() alone reads no column, and still counts every kept row.
  const std::string count_job = write_job(
      fixture, "count.ini", "[filter]\nwhere = qty > 3\n[groupby]\naggregate = count()\n");
  const std::size_t kept = oracle::filter_and_derive(fixture.input, {"qty > 3", {}}).num_rows();
  for (int np : {1, 2, 4}) {
    const RunResult run = fixture.run(np, count_job);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(read_file(fixture.output), "count\n" + std::to_string(kept) + "\n") << "np " << np;
  }
}

// Runs `job` and checks a config error: exit code 2, every part of `message` in the one error
// rank 0 prints, and nothing written to the output folder.
void expect_config_error(const Fixture& fixture, const std::string& job,
                         const std::vector<std::string>& message, std::vector<int> nps = {1, 3},
                         const std::vector<std::string>& sets = {}) {
  for (int np : nps) {
    SCOPED_TRACE("np " + std::to_string(np) + ", " + job);
    expect_one_clear_error(fixture.run(np, job, sets), 2, message, fixture.out_dir);
  }
}

TEST(TableJob, ExpressionErrorsPointAtThePlace) {
  const Fixture fixture(sales_table(100, 1, true));
  expect_config_error(
      fixture,
      write_job(fixture, "paren.ini", "[filter]\nwhere = qty > 5 and (category != \"misc\"\n"),
      {"paren.ini: [filter] where: expected ')' to close the '(' at position 13, found the end "
       "of the expression at position 32\n"
       "    qty > 5 and (category != \"misc\"\n"
       "                                   ^\n"},
      {1, 2, 3, 4});
  expect_config_error(fixture, write_job(fixture, "typo.ini", "[filter]\nwhere = qyt > 5\n"),
                      {"typo.ini: [filter] where: unknown column 'qyt' (did you mean 'qty'?) at "
                       "position 1\n    qyt > 5\n    ^~~\n"},
                      {1, 2, 3, 4});
  expect_config_error(fixture, write_job(fixture, "notbool.ini", "[filter]\nwhere = qty * 2\n"),
                      {"[filter] where: a filter needs a true/false condition, but this "
                       "expression is int64"});
  expect_config_error(fixture,
                      write_job(fixture, "type.ini", "[derive]\nrevenue = value * category\n"),
                      {"[derive] revenue: '*' needs numbers, but column 'category' is string"});
  expect_config_error(fixture, write_job(fixture, "clash.ini", "[derive]\nvalue = qty * 2\n"),
                      {"[derive] value: a column named 'value' already exists in the input"});
  expect_config_error(fixture, write_job(fixture, "fn.ini", "[derive]\nroot = sqr(value)\n"),
                      {"[derive] root: unknown function 'sqr' (did you mean 'sqrt'?)"});
  expect_config_error(fixture,
                      write_job(fixture, "later.ini", "[derive]\na = b + 1\nb = value * 2\n"),
                      {"[derive] a: unknown column 'b'"});
}

TEST(TableJob, GroupByAndSortErrorsNameTheKey) {
  const Fixture fixture(sales_table(100, 2, true));
  expect_config_error(
      fixture, write_job(fixture, "agg.ini", "[groupby]\nkeys = region\naggregate = summ(value)\n"),
      {"agg.ini: [groupby] aggregate: ", "unknown function 'summ'"});
  expect_config_error(
      fixture, write_job(fixture, "col.ini", "[groupby]\nkeys = region\naggregate = sum(revenu)\n"),
      {"[groupby] aggregate: ", "no column 'revenu'"});
  expect_config_error(
      fixture,
      write_job(fixture, "str.ini", "[groupby]\nkeys = region\naggregate = sum(category)\n"),
      {"[groupby] aggregate: ", "'category' is string"});
  expect_config_error(
      fixture, write_job(fixture, "key.ini", "[groupby]\nkeys = categroy\naggregate = count()\n"),
      {"[groupby] keys: no column 'categroy' (did you mean 'category'?)"});
  expect_config_error(fixture, write_job(fixture, "sort.ini", "[output]\nsort = regoin\n"),
                      {"[output] sort: ", "no column 'regoin'"});
  expect_config_error(
      fixture,
      write_job(fixture, "sortgrp.ini",
                "[groupby]\nkeys = region\naggregate = count()\n[output]\nsort = qty\n"),
      {"[output] sort: ", "no column 'qty'; the columns are: region, count"});
}

// Regression: CSV errors found from the options together ("the CSV quote and delimiter are
// both ','") or from the header (a schema column it lacks) did not name the job file and key.
TEST(TableJob, CsvOptionErrorsNameTheJobFileAndTheKey) {
  const Fixture fixture(sales_table(50, 10, true));
  expect_config_error(fixture, write_job(fixture, "quote.ini", "quote = ,\n"),
                      {"quote.ini: [input] quote = ',': the quote and delimiter are both ','"},
                      {1, 3});
  expect_config_error(
      fixture, write_job(fixture, "zz.ini", "schema = zz:int64\n"),
      {"zz.ini: [input] schema = 'zz:int64': names column 'zz', but the header of '",
       "' has no such column; the columns are: id, key, category, region, value, qty, ts"},
      {1, 2, 4});
}

TEST(TableJob, ConfigErrorsComeBeforeAnyRowIsRead) {
  // The data has a bad row; the config error still wins (exit 2): nothing was read.
  Fixture fixture(sales_table(200, 4, true));
  write_file(fixture.dir.file("sales-3.csv"), read_file(fixture.dir.file("sales-3.csv")) +
                                                  "999,1,books,north,1.5,x7,2024-01-01T00:00:00\n");
  const std::vector<std::string> schema = {"input.schema=qty:int64"};
  expect_config_error(fixture, write_job(fixture, "typo.ini", "[filter]\nwhere = qyt > 5\n"),
                      {"unknown column 'qyt'"}, {1, 3}, schema);
  // Without the config error, the bad row is a data error (exit 1) naming file and line,
  // and the output folder stays empty.
  const std::string job =
      write_job(fixture, "ok.ini", "[groupby]\nkeys = region\naggregate = sum(qty)\n");
  for (int np : {1, 2, 4}) {
    const RunResult run = fixture.run(np, job, schema);
    EXPECT_EQ(run.exit_code, 1) << run.err;
    EXPECT_TRUE(contains(run.err, "sales-3.csv: line ")) << run.err;
    EXPECT_TRUE(contains(run.err, "column 'qty': 'x7'")) << run.err;
    EXPECT_EQ(list_dir(fixture.out_dir), std::vector<std::string>{});
  }
}

// Issue #15: `on_bad_rows = skip` said how many rows it skipped but not which. The warning
// names the first five in file order (each rank's first ones, gathered once at the end), at
// every rank count and wherever the rank boundaries fall.
TEST(TableJob, SkippedRowsAreNamedByFileAndLine) {
  const Fixture fixture(sales_table(10, 8, true));
  const std::string path = fixture.dir.file("bad.csv");
  // Line 41's bad value is in column b, 42's in column a: values are checked a column at a
  // time, yet the lines are named in order.
  const std::vector<int> bad_lines = {40, 41, 42, 301, 1500, 1999};
  const auto message = [&](int line) {
    if (line == 301) return std::string(": 1 field, expected 2 (a row with the wrong number of fields)");
    return std::string(", column '") + (line == 41 ? "b" : "a") + "': 'x' is not a valid int64";
  };
  std::string text = "a,b\n";
  for (int line = 2; line <= 2000; ++line) {
    if (line == 301) text += "7\n";
    else if (line == 41) text += "41,x\n";
    else if (std::find(bad_lines.begin(), bad_lines.end(), line) != bad_lines.end()) text += "x,1\n";
    else text += std::to_string(line) + ",1\n";
  }
  write_file(path, text);
  const std::string job = write_job(fixture, "skip.ini", "[output]\ntable = off\n");
  std::string expected = "skipped 6 bad rows (on_bad_rows = skip); the first 5: ";
  for (std::size_t idx = 0; idx < 5; ++idx)
    expected += (idx == 0 ? "" : "; ") + path + ": line " + std::to_string(bad_lines[idx]) +
                message(bad_lines[idx]);
  for (int np : {1, 2, 3, 4}) {
    const RunResult run =
        fixture.run(np, job, {"input.path=" + path, "input.schema=a:int64, b:int64",
                              "input.on_bad_rows=skip"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_TRUE(contains(run.err, expected)) << "np " << np << "\n" << expected << "\n" << run.err;
    EXPECT_TRUE(contains(run.err, "read 1993 rows")) << run.err;
  }
}

// Regression: a job without a filter logged "N kept by the filter", and counts of one were
// written "1 rows", "1 bad rows", "(1 file, 1 bytes)".
TEST(TableJob, LogLinesSayOnlyWhatHappenedInGoodEnglish) {
  const Fixture fixture(sales_table(10, 8, true));
  const std::string one = fixture.dir.file("one.csv");
  write_file(one, "a\n1\nx\n");  // one good row and one bad row
  const std::string byte = fixture.dir.file("byte.csv");
  write_file(byte, "a");  // a header row without rows
  const std::string plain = write_job(fixture, "plain.ini", "[output]\ntable = off\n");
  const std::string filtered =
      write_job(fixture, "filtered.ini", "[filter]\nwhere = a > 0\n[output]\ntable = off\n");
  const std::vector<std::string> sets = {"input.path=" + one, "input.schema=a:int64",
                                         "input.on_bad_rows=skip"};
  for (int np : {1, 3}) {
    SCOPED_TRACE("np " + std::to_string(np));
    const RunResult run = fixture.run(np, plain, sets);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_TRUE(contains(run.err, "read 1 row (")) << run.err;
    EXPECT_TRUE(contains(run.err, "(1 file, 6 B)")) << run.err;
    EXPECT_TRUE(contains(run.err, "skipped 1 bad row (on_bad_rows = skip): " + one +
                                      ": line 3, column 'a': 'x' is not a valid int64"))
        << run.err;
    EXPECT_FALSE(contains(run.err, "kept by the filter")) << run.err;
    const RunResult with_filter = fixture.run(np, filtered, sets);
    ASSERT_EQ(with_filter.exit_code, 0) << with_filter.err;
    EXPECT_TRUE(contains(with_filter.err, "s; 1 kept by the filter")) << with_filter.err;
    const RunResult header_only =
        fixture.run(np, plain, {"input.path=" + byte, "input.schema=a:int64"});
    ASSERT_EQ(header_only.exit_code, 0) << header_only.err;
    EXPECT_TRUE(contains(header_only.err, "read 0 rows (")) << header_only.err;
    EXPECT_TRUE(contains(header_only.err, "(1 file, 1 B)")) << header_only.err;
  }
}

TEST(TableJob, AFailingRankLeavesNoOutput) {
  const Fixture fixture(sales_table(400, 6, true));
  for (const char* phase : {"reading the input", "writing the output"}) {
    for (int np : {2, 3}) {
      SCOPED_TRACE(std::string(phase) + ", np " + std::to_string(np));
      std::vector<std::string> args = {"run",   job_file("sales_by_category.ini"),
                                       "--set", "input.path=" + fixture.glob,
                                       "--set", "output.path=" + fixture.output};
      const RunResult run =
          run_rankflow(np, args, 120, {"RANKFLOW_INJECT_FAILURE=" + std::string(phase) + ":1"});
      EXPECT_EQ(run.exit_code, 1) << run.err;
      EXPECT_TRUE(contains(run.err, "injected failure in phase '" + std::string(phase) + "'"))
          << run.err;
      EXPECT_EQ(list_dir(fixture.out_dir), std::vector<std::string>{});
    }
  }
}

}  // namespace
}  // namespace rankflow::test
