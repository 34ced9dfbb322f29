// Table job plans: what validate_job checks without MPI and without opening a file (what
// `rankflow submit` runs on a login node), and the messages that name the key.
#include "table/table_plan.hpp"

#include <gtest/gtest.h>

#include "commands.hpp"
#include "rankflow/job/runner.hpp"

namespace rankflow::job {
namespace {

const char* const kIssueJob =
    "[input]\npath = data/sales-*.csv\n"
    "[filter]\nwhere = qty > 5 and category != \"misc\"\n"
    "[derive]\nrevenue = value * qty\nbig = revenue > 100\n"
    "[groupby]\nkeys = category, region\n"
    "aggregate = sum(revenue), mean(value), min(value), max(value), count(), std(value), "
    "nunique(key), first(ts)\n"
    "[output]\npath = out/by_category.csv\nsort = category, region\n";

RawConfig config_of(const std::string& text) { return cli::parse_ini(text, "job.ini"); }

std::string plan_error(const std::string& text, const std::vector<std::string>& sets = {}) {
  RawConfig config = config_of(text);
  for (const std::string& set : sets) config.set_override(set);
  try {
    validate_job(config);
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
    return error.what();
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(TablePlan, IssueJobPlansWithoutTouchingFiles) {
  const RawConfig config = config_of(kIssueJob);
  EXPECT_TRUE(is_table_job(config));
  EXPECT_NO_THROW(validate_job(config));  // data/ does not exist here: nothing is opened
  const TablePlan plan = plan_table_job(config);
  EXPECT_EQ(plan.inputs, std::vector<std::string>{"input"});
  ASSERT_TRUE(plan.where.has_value());
  EXPECT_EQ(plan.where->columns(), (std::vector<std::string>{"qty", "category"}));
  ASSERT_EQ(plan.derive.size(), 2u);
  EXPECT_EQ(plan.derive[0].name, "revenue");
  EXPECT_EQ(plan.derive[1].name, "big");  // in the order written
  ASSERT_TRUE(plan.groupby.has_value());
  EXPECT_EQ(plan.groupby->keys, (std::vector<std::string>{"category", "region"}));
  EXPECT_EQ(plan.groupby->aggregates.size(), 8u);
  EXPECT_EQ(plan.groupby->aggregates[4].output_name, "count");
  EXPECT_EQ(plan.output.path, "out/by_category.csv");
  EXPECT_EQ(plan.output.format, "csv");
  ASSERT_EQ(plan.output.sort.size(), 2u);
  EXPECT_EQ(plan.output.sort[1].column, "region");
  EXPECT_EQ(plan.output.table, "auto");
}

// The file joins on one name; the command line clears it for a pair of names.
TEST(TablePlan, AnEmptySetClearsAJoinKeyForTheOtherForm) {
  const std::string job =
      "[input.a]\npath = a.csv\n[input.b]\npath = b.csv\n[join]\nleft = a\nright = b\n"
      "on = k\n";
  EXPECT_TRUE(contains(plan_error(job, {"join.left_on=k1", "join.right_on=k2"}), "not both"));
  RawConfig config = config_of(job);
  for (const char* set : {"join.on=", "join.left_on=k1", "join.right_on=k2"})
    config.set_override(set);
  const TablePlan plan = plan_table_job(config);
  ASSERT_TRUE(plan.join.has_value());
  EXPECT_TRUE(plan.join->options.on.empty());
  EXPECT_EQ(plan.join->options.left_on, std::vector<std::string>{"k1"});
  EXPECT_EQ(plan.join->options.right_on, std::vector<std::string>{"k2"});
  // Cleared and nothing instead: the key is missing, as if never written.
  EXPECT_TRUE(contains(plan_error(job, {"join.on="}), "a join needs its key columns"));
}

TEST(TablePlan, NamedInputAndNoOutput) {
  const TablePlan plan = plan_table_job(config_of("[input.sales]\npath = a.csv\n"));
  EXPECT_EQ(plan.inputs, std::vector<std::string>{"input.sales"});
  EXPECT_FALSE(plan.where.has_value());
  EXPECT_TRUE(plan.output.path.empty());
}

TEST(TablePlan, ExpressionErrorsNameTheKeyAndPoint) {
  EXPECT_EQ(plan_error("[input]\npath = a.csv\n[filter]\nwhere = qty > (5\n"),
            "job.ini: [filter] where: expected ')' to close the '(' at position 7, found the end "
            "of the expression at position 9\n"
            "    qty > (5\n"
            "            ^");
  EXPECT_TRUE(contains(plan_error("[input]\npath = a.csv\n[derive]\nr = sqr(x)\n"),
                       "job.ini: [derive] r: unknown function 'sqr' (did you mean 'sqrt'?)"));
  EXPECT_TRUE(contains(plan_error("[input]\npath = a.csv\n", {"filter.where=a <"}),
                       "--set filter.where: expected a value after '<'"));
}

TEST(TablePlan, GroupByAndOutputErrors) {
  EXPECT_TRUE(
      contains(plan_error("[input]\npath = a.csv\n[groupby]\nkeys = k\naggregate = summ(x)\n"),
               "job.ini: [groupby] aggregate: aggregate 'summ(x)': unknown function 'summ'"));
  EXPECT_TRUE(contains(plan_error("[input]\npath = a.csv\n[groupby]\nkeys = k\n"),
                       "[groupby] aggregate: this key is required"));
  EXPECT_TRUE(
      contains(plan_error("[input]\npath = a.csv\n[groupby]\nkeys = k, k\naggregate = count()\n"),
               "the key 'k' is given twice"));
  EXPECT_TRUE(contains(plan_error("[input]\npath = a.csv\n[output]\nsort = a upward\n"),
                       "job.ini: [output] sort: sort key 'a upward'"));
  EXPECT_TRUE(
      contains(plan_error("[input]\npath = a.csv\n[output]\ntable = maybe\n"), "[output] table"));
  EXPECT_TRUE(contains(plan_error("[input]\npath = a.csv\n[output]\npath = r.h5\nlayout = rows\n"),
                       "[output] layout"));
  EXPECT_TRUE(contains(plan_error("[input]\npath = a.csv\n[output]\npath = r.h5\ngroup = /g\n"
                                  "layout = compound\n"),
                       "group is for layout = columns"));
  EXPECT_TRUE(
      contains(plan_error("[input]\npath = a.csv\n[output]\npath = r.csv\ndelimiter = ab\n"),
               "[output] delimiter"));
}

TEST(TablePlan, AMissingRequiredKeyIsNamedOnce) {
  for (const char* section :
       {"[groupby]\nkeys = k\n", "[top]\nk = 3\n", "[sort]\n", "[filter]\n"}) {
    const std::string message = plan_error(std::string("[input]\npath = a.csv\n") + section);
    EXPECT_TRUE(contains(message, ": this key is required")) << message;
    EXPECT_EQ(message.find("job.ini"), message.rfind("job.ini")) << message;
  }
}

TEST(TablePlan, InputErrors) {
  EXPECT_TRUE(contains(plan_error("[input.a]\npath = a.csv\n[input.b]\npath = b.csv\n"),
                       "this job names 2 inputs ([input.a], [input.b])"));
  EXPECT_TRUE(contains(plan_error("[input]\nformat = csv\n"), "[input] path"));
  EXPECT_TRUE(contains(plan_error("[input]\npath = a.csv\ndelimiter = ;;\n"), "delimiter"));
  EXPECT_TRUE(contains(plan_error("[filter]\nwhere = a > 1\n"), "nothing to do"));
}

TEST(TablePlan, UnknownKeysAreCaughtByTheSchema) {
  EXPECT_TRUE(contains(plan_error("[input]\npath = a.csv\n[filter]\nwehre = a > 1\n"),
                       "unknown key 'wehre' in [filter] (did you mean 'where'?)"));
  EXPECT_TRUE(contains(plan_error("[input]\npath = a.csv\n[output]\nsrot = a\n"),
                       "(did you mean 'sort'?)"));
}

}  // namespace
}  // namespace rankflow::job
