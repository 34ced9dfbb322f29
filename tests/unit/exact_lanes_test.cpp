// The vector path of the float reductions (src/array/exact_lanes.hpp) against the value-by-value
// path it replaces: for every shape of tile (1 to 17 cells, blocks cut anywhere), every kind
// of data (normal, mixed magnitudes, cancelling, NaN and infinities, subnormals, values too
// large for the levels, float32) each cell must hold the same exact sums, bit for bit, the
// same counts and the same min and max; and the sums must be math.fsum's.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "array/reduce_state.hpp"
#include "rankflow/core/exact_sum.hpp"

namespace rankflow::array::detail {
namespace {

// The exact value of an ExactSum as the bits of its expansion (equal expansions: equal exact
// values; a NaN or infinite sum is one term).
std::vector<std::uint64_t> terms_of(const ExactSum& sum) {
  double terms[64];
  const std::size_t count = expand(sum, terms, 64);
  std::vector<std::uint64_t> bits(count);
  if (count != 0) std::memcpy(bits.data(), terms, count * sizeof(double));
  return bits;
}

template <typename T>
void expect_same_as_value_by_value(const std::vector<T>& data, std::size_t cells,
                                   const char* what) {
  const std::size_t rows = cells == 0 ? 0 : data.size() / cells;
  std::vector<FloatCell> tiled(cells), plain(cells);
  reduce_float_tile<T, true, true>(data.data(), rows, cells, tiled.data());
  for (std::size_t row = 0; row < rows; ++row)
    for (std::size_t cell = 0; cell < cells; ++cell)
      add_float<true, true>(static_cast<double>(data[row * cells + cell]), plain[cell]);
  std::vector<FloatCell> sums_only(cells);
  reduce_float_tile<T, false, false>(data.data(), rows, cells, sums_only.data());
  for (std::size_t cell = 0; cell < cells; ++cell) {
    SCOPED_TRACE(::testing::Message() << what << ": " << cells << " cells, " << rows
                                      << " rows, cell " << cell);
    EXPECT_EQ(tiled[cell].count, plain[cell].count);
    EXPECT_EQ(tiled[cell].nans, plain[cell].nans);
    EXPECT_EQ(terms_of(tiled[cell].sum), terms_of(plain[cell].sum));
    EXPECT_EQ(terms_of(tiled[cell].squares), terms_of(plain[cell].squares));
    EXPECT_EQ(terms_of(sums_only[cell].sum), terms_of(plain[cell].sum));
    EXPECT_EQ(sums_only[cell].count, plain[cell].count);
    // min/max: the same value (NaN for none is not used: infinities when every value was NaN).
    EXPECT_EQ(std::signbit(tiled[cell].min), std::signbit(plain[cell].min));
    EXPECT_TRUE(tiled[cell].min == plain[cell].min || (tiled[cell].min != tiled[cell].min &&
                                                       plain[cell].min != plain[cell].min));
    EXPECT_TRUE(tiled[cell].max == plain[cell].max || (tiled[cell].max != tiled[cell].max &&
                                                       plain[cell].max != plain[cell].max));
    EXPECT_EQ(std::isnan(tiled[cell].sum.round()), std::isnan(plain[cell].sum.round()));
  }
}

// Every tile shape for one generator of values.
template <typename T, typename Generate>
void check_all_shapes(const char* what, Generate generate) {
  const std::size_t kCells[] = {1, 2, 3, 4, 7, 8, 9, 16, 17};
  const std::size_t kRows[] = {0, 1, 5, 1023, 1024, 1025, 2500};
  for (const std::size_t cells : kCells) {
    for (const std::size_t rows : kRows) {
      std::vector<T> data(rows * cells);
      for (std::size_t idx = 0; idx < data.size(); ++idx) data[idx] = generate(idx);
      expect_same_as_value_by_value(data, cells, what);
    }
  }
}

TEST(ExactLanes, NormalDataIsTheSameAsValueByValue) {
  std::mt19937_64 random(1);
  std::normal_distribution<double> normal(15.0, 10.0);
  check_all_shapes<double>("normal", [&](std::size_t) { return normal(random); });
}

TEST(ExactLanes, MixedMagnitudesAndCancellation) {
  std::mt19937_64 random(2);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  std::uniform_int_distribution<int> exponent(-80, 80);
  check_all_shapes<double>("mixed", [&](std::size_t) {
    return std::ldexp(unit(random), exponent(random));
  });
  // Mostly similar magnitudes with a rare value 2^-30 smaller: a few refused blocks.
  check_all_shapes<double>("rare small", [&](std::size_t idx) {
    return idx % 997 == 0 ? 1e-9 * unit(random) : 100.0 * unit(random);
  });
  // Integers from 1 to 2^40 span more than the levels' 2^27: the second try (kCheckRests).
  std::uniform_int_distribution<int> bits(0, 40);
  check_all_shapes<double>("wide integers", [&](std::size_t) {
    return std::ldexp(1.0, bits(random)) + static_cast<double>(bits(random));
  });
  const double pattern[] = {1e16, 1.0, -1e16, 3.0, 1e-3, -1.0};
  check_all_shapes<double>("cancelling", [&](std::size_t idx) { return pattern[idx % 6]; });
}

TEST(ExactLanes, SpecialValuesSubnormalsAndTheEdgesOfTheRange) {
  std::mt19937_64 random(3);
  std::normal_distribution<double> normal(0.0, 1.0);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  check_all_shapes<double>("nan", [&](std::size_t idx) {
    return idx % 13 == 0 ? nan : normal(random);
  });
  check_all_shapes<double>("all nan", [&](std::size_t) { return nan; });
  check_all_shapes<double>("inf", [&](std::size_t idx) {
    return idx % 101 == 0 ? (idx % 2 == 0 ? inf : -inf) : normal(random);
  });
  check_all_shapes<double>("subnormal", [&](std::size_t idx) {
    return normal(random) * (idx % 3 == 0 ? 1e-310 : 1e-300);
  });
  check_all_shapes<double>("huge", [&](std::size_t idx) {
    return normal(random) * (idx % 5 == 0 ? 1e300 : 1e150);
  });
  check_all_shapes<double>("zeros", [&](std::size_t idx) { return idx % 2 == 0 ? 0.0 : -0.0; });
}

TEST(ExactLanes, Float32Values) {
  std::mt19937_64 random(4);
  std::normal_distribution<float> normal(-3.0f, 100.0f);
  check_all_shapes<float>("float32", [&](std::size_t) { return normal(random); });
}

TEST(ExactLanes, SumsAreCorrectlyRounded) {
  // The tile's sum against math.fsum's algorithm (exact_sum_test.cpp has the oracle; here
  // the cancelling case of issue 16 in a form whose exact sum is known).
  std::vector<double> data;
  for (int idx = 0; idx < 4096; ++idx) data.push_back(idx % 2 == 0 ? 1e16 : -1e16);
  for (int idx = 0; idx < 1000; ++idx) data.push_back(0.25);
  std::vector<FloatCell> cells(1);
  reduce_float_tile<double, false, true>(data.data(), data.size(), 1, cells.data());
  EXPECT_EQ(cells[0].sum.round(), 250.0);
  EXPECT_EQ(cells[0].count, data.size());
}

TEST(ExactLanes, TheVectorPathTakesNormalDataAndRefusesWhatItCannotHold) {
  std::mt19937_64 random(5);
  std::normal_distribution<double> normal(15.0, 10.0);
  std::vector<double> data(kExactBlockRows * kLanes);
  for (double& value : data) value = normal(random);
  LaneBlock block;
  EXPECT_TRUE((exact_block<double, true, true>(data.data(), kExactBlockRows, kLanes, block)));
  data[77] = 1e-12 * data[78];  // bits 2^40 below the lane's largest: past the last level
  EXPECT_FALSE((exact_block<double, true, false>(data.data(), kExactBlockRows, kLanes, block)));
  // Integers of 1 to 2^40: refused for their span, taken when the last rests are checked.
  for (std::size_t idx = 0; idx < data.size(); ++idx)
    data[idx] = std::ldexp(1.0, static_cast<int>(idx % 41)) + static_cast<double>(idx % 7);
  EXPECT_FALSE((exact_block<double, true, true>(data.data(), kExactBlockRows, kLanes, block)));
  EXPECT_TRUE(
      (exact_block<double, true, true, true>(data.data(), kExactBlockRows, kLanes, block)));
  data[77] = 1e-3;  // bits far below the last level: not even then
  EXPECT_FALSE(
      (exact_block<double, true, true, true>(data.data(), kExactBlockRows, kLanes, block)));
  data[77] = std::numeric_limits<double>::infinity();
  EXPECT_FALSE((exact_block<double, true, true>(data.data(), kExactBlockRows, kLanes, block)));
  data[77] = 1e160;  // its square passes the top level
  EXPECT_FALSE((exact_block<double, true, true>(data.data(), kExactBlockRows, kLanes, block)));
}

}  // namespace
}  // namespace rankflow::array::detail
