// Array reductions at every rank count against the serial oracle (tests/oracle/array_oracle):
// every function, every axis (and all axes), every dtype in both byte orders, datasets of rank
// 1 to 4, contiguous/chunked/gzip, tiny blocks, more ranks than rows, NaN policies, ddof,
// exact integer sums and overflow errors, no catastrophic cancellation.
#include "rankflow/array/reduce.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <utility>

#include "oracle/array_oracle.hpp"
#include "rankflow/io/hdf5/array_reader.hpp"
#include "support/h5_fixture.hpp"
#include "support/mpi_test.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::array {
namespace {

using test::FixtureSpec;
using test::world;

const std::vector<ReduceFunction> kEveryFunction = {
    ReduceFunction::kSum,   ReduceFunction::kMean, ReduceFunction::kMin, ReduceFunction::kMax,
    ReduceFunction::kCount, ReduceFunction::kVar,  ReduceFunction::kStd, ReduceFunction::kNanCount};

// What one rank holds after a distributed reduction: everything on rank 0 (axis 0 / all
// axes), or its own rows' cells (row-local), starting at flat output cell first_cell.
struct Distributed {
  std::vector<ResultColumn> columns;
  std::uint64_t first_cell = 0;
  bool holds_cells = false;
  std::string error;
};

long double value_at(const ResultColumn& column, std::size_t idx) {
  switch (column.type) {
    case ValueType::kInt64:
      return static_cast<long double>(column.i64[idx]);
    case ValueType::kUInt64:
      return static_cast<long double>(column.u64[idx]);
    case ValueType::kFloat64:
      break;
  }
  return static_cast<long double>(column.f64[idx]);
}

void append_columns(const ReduceResult& part, Distributed& out) {
  if (!out.holds_cells) {
    out.columns = part.columns;
    out.first_cell = part.first_cell;
    out.holds_cells = true;
    return;
  }
  for (std::size_t idx = 0; idx < part.columns.size(); ++idx) {
    ResultColumn& into = out.columns[idx];
    const ResultColumn& from = part.columns[idx];
    into.f64.insert(into.f64.end(), from.f64.begin(), from.f64.end());
    into.i64.insert(into.i64.end(), from.i64.begin(), from.i64.end());
    into.u64.insert(into.u64.end(), from.u64.begin(), from.u64.end());
  }
}

Distributed run_reduction(const std::string& path, const std::string& name,
                          const ReduceOptions& options, std::uint64_t block_rows,
                          io::hdf5::IoMode mode = io::hdf5::IoMode::kIndependent) {
  io::hdf5::ArrayReader reader(world(), {path, name, mode, 0, block_rows});
  ArrayReduction reduction(reader.info().dims, reader.dtype(), options, name);
  Distributed out;
  io::hdf5::ArrayBlock block;
  ReduceResult part;
  while (reader.next(block)) {
    if (!reduction.row_local()) {
      reduction.consume(block.data, block.rows);
    } else if (block.rows > 0) {
      reduction.reduce_rows(block.data, block.first_row, block.rows, part);
      append_columns(part, out);
    }
  }
  if (reduction.row_local()) return out;
  try {
    const ReduceResult result = reduction.finish(world(), 0);
    if (world().rank() == 0) append_columns(result, out);
  } catch (const Error& error) {
    out.error = error.what();
  }
  return out;
}

// Compares what this rank holds with the oracle: integers exactly, floats within 1e-12
// relative. Returns the number of mismatches.
int compare(const Distributed& got, const std::vector<long double>& values,
            const std::vector<std::uint64_t>& shape, const ReduceOptions& options) {
  int mismatches = 0;
  if (!got.holds_cells) return 0;
  oracle::ArrayOracleOptions oracle_options;
  oracle_options.axis = options.axis ? normalize_axis(*options.axis, shape.size()) : std::nullopt;
  oracle_options.ddof = options.ddof;
  oracle_options.skip_nan = options.nan == NanPolicy::kSkip;
  for (const ResultColumn& column : got.columns) {
    const std::string function(reduce_function_name(column.function));
    const std::vector<long double> expected =
        oracle::reduce_array(values, shape, function, oracle_options);
    for (std::size_t idx = 0; idx < column.size(); ++idx) {
      const long double want = expected.at(got.first_cell + idx);
      const long double have = value_at(column, idx);
      const bool same_nan = std::isnan(want) && std::isnan(have);
      const long double tolerance =
          column.type == ValueType::kFloat64 ? 1e-12L * std::fabs(want) : 0.0L;
      if (!same_nan && !(std::fabs(have - want) <= tolerance)) {
        ++mismatches;
        ADD_FAILURE() << function << " cell " << got.first_cell + idx << ": got "
                      << static_cast<double>(have) << ", oracle " << static_cast<double>(want);
      }
    }
  }
  return mismatches;
}

// Writes the fixture once, then for each options: reduces it distributed and checks every
// rank's part with the oracle.
void check(const FixtureSpec& spec, const std::vector<ReduceOptions>& cases,
           std::uint64_t block_rows) {
  test::TempDir dir = test::TempDir::shared(world());
  const std::string path = dir.file("x.h5");
  test::write_fixture(world(), path, spec);
  std::vector<std::uint64_t> shape;
  const std::vector<long double> values = test::read_serial(path, spec.name, &shape);
  for (const ReduceOptions& options : cases) {
    SCOPED_TRACE(
        fmt::format("{} {}{} rank {} axis {} ddof {} nan {} block_rows {} chunk {} gzip {}",
                    spec.name, dtype_name(spec.dtype), spec.big_endian ? " BE" : "",
                    spec.dims.size(), options.axis ? std::to_string(*options.axis) : "all",
                    options.ddof, options.nan == NanPolicy::kSkip ? "skip" : "propagate",
                    block_rows, spec.chunk.empty() ? 0 : spec.chunk[0], spec.gzip));
    const Distributed got = run_reduction(path, spec.name, options, block_rows);
    EXPECT_EQ(got.error, "");
    EXPECT_EQ(compare(got, values, shape, options), 0);
    // Every output cell is held by exactly one rank.
    const auto axis = options.axis ? normalize_axis(*options.axis, shape.size()) : std::nullopt;
    std::uint64_t cells = 1;
    for (std::uint64_t dim : reduced_shape(shape, axis)) cells *= dim;
    const std::uint64_t held = got.holds_cells ? got.columns.front().size() : 0;
    EXPECT_EQ(world().allreduce(held, comm::ReduceOp::kSum), cells);
  }
}

void check(const FixtureSpec& spec, const ReduceOptions& options, std::uint64_t block_rows) {
  check(spec, std::vector<ReduceOptions>{options}, block_rows);
}

std::vector<std::optional<int>> every_axis(std::size_t rank) {
  std::vector<std::optional<int>> axes = {std::nullopt, -1};
  for (std::size_t axis = 0; axis < rank; ++axis) axes.push_back(static_cast<int>(axis));
  return axes;
}

TEST(ArrayReduction, EveryDTypeEveryAxis) {
  const DType types[] = {DType::kInt8,    DType::kInt16,  DType::kInt32,  DType::kInt64,
                         DType::kUInt8,   DType::kUInt16, DType::kUInt32, DType::kUInt64,
                         DType::kFloat32, DType::kFloat64};
  for (DType dtype : types) {
    FixtureSpec spec;
    spec.dims = {9, 3, 4};
    spec.dtype = dtype;
    spec.big_endian = static_cast<int>(dtype) % 2 == 1;
    spec.chunk = {2, 2, 4};
    spec.nan_every = 7;
    std::vector<ReduceOptions> cases;
    for (const auto& axis : every_axis(3)) {
      ReduceOptions options;
      options.functions = kEveryFunction;
      options.axis = axis;
      cases.push_back(options);
    }
    check(spec, cases, 1 + static_cast<std::uint64_t>(dtype) % 2);
  }
}

TEST(ArrayReduction, RanksOneToFourLayoutsNanPoliciesAndDdof) {
  const std::vector<std::vector<std::uint64_t>> shapes = {{23}, {11, 5}, {7, 2, 3}, {5, 3, 2, 2}};
  for (const auto& dims : shapes) {
    for (int layout = 0; layout < 3; ++layout) {
      FixtureSpec spec;
      spec.dims = dims;
      spec.nan_every = 4;
      if (layout > 0) {
        spec.chunk = dims;
        spec.chunk[0] = 3;
        spec.gzip = layout == 2 ? 3 : 0;
      }
      std::vector<ReduceOptions> cases;
      for (const auto& axis : every_axis(dims.size())) {
        for (NanPolicy nan : {NanPolicy::kSkip, NanPolicy::kPropagate}) {
          ReduceOptions options;
          options.functions = kEveryFunction;
          options.axis = axis;
          options.nan = nan;
          options.ddof = layout;  // 0, 1, 2: numpy's ddof, NaN when count - ddof <= 0
          cases.push_back(options);
        }
      }
      check(spec, cases, 1 + static_cast<std::uint64_t>(layout));
    }
  }
}

TEST(ArrayReduction, MoreRanksThanRowsAndEmptyArrays) {
  for (const std::vector<std::uint64_t>& dims :
       std::vector<std::vector<std::uint64_t>>{{1, 4}, {2, 3}, {3}, {0, 3}}) {
    FixtureSpec spec;
    spec.dims = dims;
    std::vector<ReduceOptions> cases;
    for (const auto& axis : every_axis(dims.size())) {
      ReduceOptions options;
      options.functions = std::vector<ReduceFunction>{ReduceFunction::kSum, ReduceFunction::kMean,
                                                      ReduceFunction::kMax, ReduceFunction::kCount,
                                                      ReduceFunction::kStd};
      options.axis = axis;
      cases.push_back(options);
    }
    check(spec, cases, 1);
  }
}

TEST(ArrayReduction, NoCatastrophicCancellation) {
  // Values 1e9 + O(40): a sum of squares loses every digit of the variance (1e18 vs 1e3).
  test::TempDir dir = test::TempDir::shared(world());
  FixtureSpec spec;
  spec.dims = {1000, 2};
  spec.dtype = DType::kInt64;
  spec.offset = 1000000000;
  spec.chunk = {64, 2};
  ReduceOptions options;
  options.functions = std::vector<ReduceFunction>{ReduceFunction::kMean, ReduceFunction::kVar,
                                                  ReduceFunction::kStd};
  check(spec, options, 7);
  spec.dtype = DType::kFloat64;  // float values 1000 +- 40: the same on a smaller scale
  check(spec, options, 7);
}

TEST(ArrayReduction, VarianceOfInt64BeyondTwoToThe53) {
  // Integers beyond 2^53 have no exact double (nanosecond timestamps, 1.7e18, are 256 apart
  // as doubles): values converted before subtracting the shift lost their spread, and var came
  // out wrong (neither the exact answer nor numpy's). The distances from the shift are exact
  // integers. Values of 1e17 (doubles 16 apart) keep the oracle's long double sums exact.
  for (const auto& [dtype, offset] :
       {std::pair{DType::kInt64, std::int64_t{100000000000000000}},
        std::pair{DType::kUInt64, std::int64_t{140000000000000000}}}) {
    FixtureSpec spec;
    spec.dims = {40, 3};
    spec.dtype = dtype;
    spec.offset = offset;
    spec.chunk = {8, 3};
    std::vector<ReduceOptions> cases;
    for (const auto& axis : every_axis(2)) {
      ReduceOptions options;
      options.functions = std::vector<ReduceFunction>{ReduceFunction::kMean, ReduceFunction::kVar,
                                                      ReduceFunction::kStd};
      options.axis = axis;
      options.ddof = 1;
      cases.push_back(options);
    }
    check(spec, cases, 3);
  }
}

TEST(ArrayReduction, IntegerSumsAreExactOrAnError) {
  test::TempDir dir = test::TempDir::shared(world());
  FixtureSpec spec;
  spec.dims = {40, 2};
  spec.dtype = DType::kUInt64;
  spec.offset = std::int64_t{1} << 58;  // sum ~ 40 * 2^58 = 1.15e19: past int64, fits uint64
  ReduceOptions options;
  options.functions =
      std::vector<ReduceFunction>{ReduceFunction::kSum, ReduceFunction::kMin, ReduceFunction::kMax};
  check(spec, options, 3);

  spec.dtype = DType::kInt64;
  spec.offset = std::int64_t{1} << 58;  // the same sum no longer fits int64
  const std::string path = dir.file("big.h5");
  test::write_fixture(world(), path, spec);
  const Distributed got = run_reduction(path, spec.name, options, 3);
  if (world().rank() == 0) {
    EXPECT_NE(got.error.find("the sum of /data[:, 0] is "), std::string::npos) << got.error;
    EXPECT_NE(got.error.find("does not fit in int64"), std::string::npos) << got.error;
  } else {
    EXPECT_EQ(got.error, "");
  }
}

TEST(ArrayReduction, ResultsDoNotDependOnTheIoMode) {
  test::TempDir dir = test::TempDir::shared(world());
  FixtureSpec spec;
  spec.dims = {37, 3};
  spec.chunk = {5, 3};
  test::write_fixture(world(), dir.file("x.h5"), spec);
  ReduceOptions options;
  options.functions = std::vector<ReduceFunction>{ReduceFunction::kMean, ReduceFunction::kStd};
  std::vector<double> first;
  for (auto mode :
       {io::hdf5::IoMode::kCollective, io::hdf5::IoMode::kIndependent, io::hdf5::IoMode::kPosix}) {
    const Distributed got = run_reduction(dir.file("x.h5"), "/data", options, 2, mode);
    if (world().rank() != 0) continue;
    if (first.empty()) first = got.columns[1].f64;
    EXPECT_EQ(got.columns[1].f64, first) << "bitwise the same: same blocks, same order";
  }
}

TEST(ArrayReduction, ConfigErrorsNameTheAxis) {
  try {
    ArrayReduction bad({4, 3}, DType::kFloat64, {{ReduceFunction::kSum}, 2, 0, NanPolicy::kSkip},
                       "/x");
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
    EXPECT_NE(std::string(error.what()).find("axis 2 is out of range for an array of 2 axes"),
              std::string::npos)
        << error.what();
  }
  EXPECT_EQ(describe_cell("/t", {5, 3, 4}, 1, 7), "/t[1, :, 3]");
  EXPECT_EQ(describe_cell("/t", {5, 3}, std::nullopt, 0), "/t (all values)");
}

}  // namespace
}  // namespace rankflow::array
