// A least-squares line per group with api::Frame::groupby_apply ("fit a model per station"):
// reads columns key,x,y and writes key,n,slope,intercept, one row per key, sorted by key.
//
//   mpirun -np 4 build/examples/group_regression IN.csv OUT.csv
//
// groupby_apply sends every row to the rank that owns its key, so each group is whole on one
// rank, and calls fit_line once per group with the group's rows. Rows without a key are
// skipped; n counts the rows of a key where both x and y are present. With fewer than two
// such rows, or when x is constant, slope and intercept are empty (null): there is no line.
// Any error (a missing file or column, a bad number) is thrown on every rank alike.
#include <mpi.h>

#include <cstdio>

#include "rankflow/api/frame.hpp"
#include "rankflow/comm/environment.hpp"
#include "rankflow/core/error.hpp"

namespace {

using rankflow::table::Column;
using rankflow::table::ColumnType;
using rankflow::table::Table;

struct Line {
  std::int64_t n = 0;
  bool fitted = false;
  double slope = 0;
  double intercept = 0;
};

// Centered sums (two passes), which keep their accuracy when x is far from 0.
Line least_squares(const Column& x, const Column& y) {
  Line line;
  double sum_x = 0;
  double sum_y = 0;
  double first_x = 0;
  bool constant_x = true;  // tested on the values: a mean of equal values may round
  for (std::size_t row = 0; row < x.size(); ++row) {
    if (!x.is_valid(row) || !y.is_valid(row)) continue;
    if (line.n == 0) first_x = x.f64()[row];
    constant_x = constant_x && x.f64()[row] == first_x;
    ++line.n;
    sum_x += x.f64()[row];
    sum_y += y.f64()[row];
  }
  if (line.n < 2 || constant_x) return line;
  const double mean_x = sum_x / static_cast<double>(line.n);
  const double mean_y = sum_y / static_cast<double>(line.n);
  double sxx = 0;
  double sxy = 0;
  for (std::size_t row = 0; row < x.size(); ++row) {
    if (!x.is_valid(row) || !y.is_valid(row)) continue;
    const double dx = x.f64()[row] - mean_x;
    sxx += dx * dx;
    sxy += dx * (y.f64()[row] - mean_y);
  }
  if (sxx == 0) return line;  // x values so close that their deviations underflow
  line.fitted = true;
  line.slope = sxy / sxx;
  line.intercept = mean_y - line.slope * mean_x;
  return line;
}

// One group's rows (columns key, x, y, ...) -> one row: key, n, slope, intercept.
Table fit_line(const Table& group) {
  const Line line = least_squares(group.column("x"), group.column("y"));
  Table out;
  Column key(group.column("key").type());
  if (group.num_rows() > 0) key.append_from(group.column("key"), 0);
  Column n(ColumnType::kInt64);
  Column slope(ColumnType::kFloat64);
  Column intercept(ColumnType::kFloat64);
  if (group.num_rows() > 0) {
    n.append_i64(line.n);
    if (line.fitted) {
      slope.append_f64(line.slope);
      intercept.append_f64(line.intercept);
    } else {
      slope.append_null();
      intercept.append_null();
    }
  }
  out.add_column("key", std::move(key));
  out.add_column("n", std::move(n));
  out.add_column("slope", std::move(slope));
  out.add_column("intercept", std::move(intercept));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  using rankflow::api::Frame;
  rankflow::comm::MpiEnvironment mpi(&argc, &argv);
  rankflow::comm::Communicator comm(MPI_COMM_WORLD);
  if (argc != 3) {
    if (comm.rank() == 0) std::fprintf(stderr, "usage: group_regression IN.csv OUT.csv\n");
    return 2;
  }
  try {
    const Frame data = Frame::read_csv(comm, argv[1], {{"schema", "x:float64, y:float64"}});
    const Frame fits = data.filter("key is not null").groupby_apply({"key"}, fit_line).sort("key");
    fits.write_csv(argv[2]);
    const std::uint64_t keys = fits.num_rows();
    if (comm.rank() == 0)
      std::printf("%s: %llu keys\n", argv[2], static_cast<unsigned long long>(keys));
  } catch (const rankflow::Error& error) {
    if (comm.rank() == 0) std::fprintf(stderr, "group_regression: error: %s\n", error.what());
    return error.exit_code();
  }
  return 0;
}
