// Centering and z-scores at every rank count against the serial oracle: every axis (and all
// axes), 2-D and 3-D, float/integer inputs in both byte orders, NaN policies, ddof, tiny blocks.
#include "rankflow/array/center.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "oracle/array_oracle.hpp"
#include "rankflow/io/hdf5/array_reader.hpp"
#include "support/h5_fixture.hpp"
#include "support/mpi_test.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::array {
namespace {

using test::FixtureSpec;
using test::world;

// Centers the dataset distributed and compares every element this rank produced.
int check_one(const std::string& path, const FixtureSpec& spec, const CenterOptions& options,
              const std::vector<long double>& values, const std::vector<std::uint64_t>& shape) {
  io::hdf5::ArrayReader reader(world(), {path, spec.name, io::hdf5::IoMode::kIndependent, 0, 2});
  ArrayCentering centering(reader.info().dims, reader.dtype(), options, spec.name);
  io::hdf5::ArrayBlock block;
  if (centering.needs_statistics_pass()) {
    while (reader.next(block)) centering.consume(block.data, block.rows);
    centering.finish_statistics(world());
    reader.restart();
  }
  oracle::ArrayOracleOptions oracle_options;
  oracle_options.axis = options.axis ? normalize_axis(*options.axis, shape.size()) : std::nullopt;
  oracle_options.ddof = options.ddof;
  oracle_options.skip_nan = options.nan == NanPolicy::kSkip;
  const std::vector<long double> expected =
      oracle::center_array(values, shape, options.kind == CenterKind::kZScore, oracle_options);
  std::vector<double> out;
  int mismatches = 0;
  while (reader.next(block)) {
    out.resize(block.elements());
    centering.transform(block.data, block.rows, out.data());
    for (std::uint64_t idx = 0; idx < block.elements(); ++idx) {
      const std::uint64_t flat = block.first_row * block.row_elements + idx;
      const long double want = expected[flat];
      const long double have = out[idx];
      if (std::isnan(want) && std::isnan(have)) continue;
      const long double tolerance = 1e-12L * (std::fabs(values[flat]) + std::fabs(want) + 1);
      if (!(std::fabs(have - want) <= tolerance)) {
        if (++mismatches < 4)
          ADD_FAILURE() << "element " << flat << ": got " << static_cast<double>(have)
                        << ", oracle " << static_cast<double>(want);
      }
    }
  }
  return mismatches;
}

void check(const FixtureSpec& spec) {
  test::TempDir dir = test::TempDir::shared(world());
  const std::string path = dir.file("x.h5");
  test::write_fixture(world(), path, spec);
  std::vector<std::uint64_t> shape;
  const std::vector<long double> values = test::read_serial(path, spec.name, &shape);
  std::vector<std::optional<int>> axes = {std::nullopt, -1};
  for (std::size_t axis = 0; axis < shape.size(); ++axis) axes.push_back(static_cast<int>(axis));
  for (const auto& axis : axes) {
    for (CenterKind kind : {CenterKind::kCenter, CenterKind::kZScore}) {
      for (NanPolicy nan : {NanPolicy::kSkip, NanPolicy::kPropagate}) {
        CenterOptions options{kind, axis, kind == CenterKind::kZScore ? 1 : 0, nan};
        SCOPED_TRACE(fmt::format("{} rank {} axis {} {} nan {}", dtype_name(spec.dtype),
                                 shape.size(), axis ? std::to_string(*axis) : "all",
                                 center_kind_name(kind),
                                 nan == NanPolicy::kSkip ? "skip" : "propagate"));
        EXPECT_EQ(check_one(path, spec, options, values, shape), 0);
      }
    }
  }
}

TEST(ArrayCentering, TwoAndThreeDimensionsEveryAxis) {
  FixtureSpec floats;
  floats.dims = {13, 4};
  floats.chunk = {3, 2};
  floats.nan_every = 9;
  check(floats);
  FixtureSpec cube;
  cube.dims = {7, 3, 4};
  cube.dtype = DType::kFloat32;
  cube.big_endian = true;
  check(cube);
  FixtureSpec ints;
  ints.dims = {9, 5};
  ints.dtype = DType::kInt32;
  ints.big_endian = true;
  ints.chunk = {4, 5};
  ints.gzip = 2;
  check(ints);
}

TEST(ArrayCentering, MoreRanksThanRows) {
  FixtureSpec tiny;
  tiny.dims = {2, 3};
  check(tiny);
}

TEST(ArrayCentering, AxisOutOfRangeIsAConfigError) {
  try {
    ArrayCentering bad({4, 3}, DType::kFloat64, {CenterKind::kCenter, -3, 0, NanPolicy::kSkip},
                       "/x");
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
    EXPECT_NE(std::string(error.what()).find("axis -3 is out of range"), std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace rankflow::array
