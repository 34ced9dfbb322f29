// examples/group_regression (api::Frame::groupby_apply: a least-squares line per key) under
// mpirun at np 1..4 against the serial oracle (tests/oracle/regression_oracle.hpp): string
// keys with commas and quotes, rows without a key or without x or y, a key of one row and a
// key whose x is constant (no line); and a missing column as one clear error, no output.
#include <gtest/gtest.h>

#include <random>

#include "oracle/regression_oracle.hpp"
#include "oracle/table_job_oracle.hpp"
#include "support/process.hpp"
#include "support/strings.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {
namespace {

using table::ColumnType;

std::vector<oracle::Point> make_points(std::size_t rows, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<oracle::Point> points;
  for (std::size_t row = 0; row < rows; ++row) {
    const auto key = static_cast<int>(rng() % 60);
    oracle::Point point;
    if (unit(rng) >= 0.03) point.key = key == 7 ? "st,\"7\"" : "st-" + std::to_string(key);
    const double x = 100.0 * unit(rng);
    if (unit(rng) >= 0.05) point.x = x;
    if (unit(rng) >= 0.05) point.y = (0.5 * key - 3.0) * x + key + noise(rng);
    points.push_back(point);
  }
  points.push_back({"lonely", 1.0, 2.0});
  for (double y : {1.0, 2.0, 4.0, 8.0}) points.push_back({"flat", 5.0, y});
  std::shuffle(points.begin(), points.end(), rng);
  return points;
}

std::string to_csv(const std::vector<oracle::Point>& points) {
  table::Table input(table::Schema(
      {{"key", ColumnType::kString}, {"x", ColumnType::kFloat64}, {"y", ColumnType::kFloat64}}));
  for (const oracle::Point& point : points) {
    if (point.key)
      input.column(0).append_string(*point.key);
    else
      input.column(0).append_null();
    if (point.x)
      input.column(1).append_f64(*point.x);
    else
      input.column(1).append_null();
    if (point.y)
      input.column(2).append_f64(*point.y);
    else
      input.column(2).append_null();
  }
  return oracle::to_csv(input, 0, input.num_rows());
}

RunResult run_example(int np, const std::string& in, const std::string& out) {
  return run_process({RANKFLOW_MPIEXEC, "-np", std::to_string(np), "--oversubscribe",
                      RANKFLOW_EXAMPLE_GROUP_REGRESSION, in, out},
                     120);
}

TEST(GroupRegression, MatchesTheSerialFitAtEveryRankCount) {
  const TempDir dir;
  const std::vector<oracle::Point> points = make_points(3000, 5);
  write_file(dir.file("points.csv"), to_csv(points));
  const table::Table expected = oracle::fit_lines(points);
  const table::Schema schema({{"key", ColumnType::kString},
                              {"n", ColumnType::kInt64},
                              {"slope", ColumnType::kFloat64},
                              {"intercept", ColumnType::kFloat64}});
  for (int np : {1, 2, 3, 4}) {
    SCOPED_TRACE("np " + std::to_string(np));
    const std::string out = dir.file("fits-" + std::to_string(np) + ".csv");
    const RunResult run = run_example(np, dir.file("points.csv"), out);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, out + ": " + std::to_string(expected.num_rows()) + " keys\n");
    const table::Table actual = oracle::read_csv_output(read_file(out), schema);
    EXPECT_EQ(oracle::diff_rows(expected, actual, 1e-9), "");
    // The rows of a group arrive in input order at any rank count: the same bits.
    if (np > 1) {
      EXPECT_EQ(read_file(out), read_file(dir.file("fits-1.csv")));
    }
  }
}

TEST(GroupRegression, AMissingColumnIsOneClearErrorAndNoOutput) {
  const TempDir dir;
  write_file(dir.file("points.csv"), "key,x\na,1\nb,2\n");
  const RunResult run = run_example(3, dir.file("points.csv"), dir.file("fits.csv"));
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_TRUE(contains(run.err, "group_regression: error: ")) << run.err;
  EXPECT_TRUE(contains(run.err, "names column 'y', but the header of")) << run.err;
  EXPECT_FALSE(file_exists(dir.file("fits.csv")));
}

}  // namespace
}  // namespace rankflow::test
