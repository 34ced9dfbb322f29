// RowDeposits (src/ops/row_deposits.hpp), the row-major group-by's exact sums, against an
// ExactSum per (group, column) fed value by value: random rows of 1 to 17 columns into a few
// groups, with values that leave their column's range (re-anchoring), NaN and infinities,
// subnormals and zeros, and enough rows per group to fold many times.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "ops/row_deposits.hpp"
#include "rankflow/core/exact_sum.hpp"

namespace rankflow::ops {
namespace {

std::uint64_t bits_of(double value) {
  std::uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

template <typename Generate>
void expect_exact(std::size_t width, std::size_t groups, std::size_t rows, Generate generate) {
  RowDeposits deposits(width);
  deposits.resize(groups);
  std::vector<ExactSum> oracle(groups * width);
  std::vector<double> row(deposits.padded_width(), 0.0);
  std::mt19937_64 random(width * 131 + groups);
  for (std::size_t idx = 0; idx < rows; ++idx) {
    const std::size_t group = random() % groups;
    for (std::size_t col = 0; col < width; ++col) {
      row[col] = generate(idx, col);
      oracle[group * width + col].add(row[col]);
    }
    deposits.add_row(group, row.data());
    if (idx == rows / 2) deposits.fold_all();  // a fold midway changes nothing
  }
  deposits.fold_all();
  for (std::size_t group = 0; group < groups; ++group)
    for (std::size_t col = 0; col < width; ++col)
      ASSERT_EQ(bits_of(deposits.sum(group, col).round(deposits.pool())),
                bits_of(oracle[group * width + col].round()))
          << width << " columns, group " << group << ", column " << col;
}

TEST(RowDeposits, SameSumsAsExactSumValueByValue) {
  std::mt19937_64 random(7);
  std::normal_distribution<double> normal(15.0, 10.0);
  std::uniform_int_distribution<int> exponent(-70, 70);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const double tiny = std::numeric_limits<double>::denorm_min();
  for (const std::size_t width : {std::size_t{1}, std::size_t{7}, std::size_t{8}, std::size_t{16},
                                  std::size_t{17}}) {
    expect_exact(width, 3, 10000, [&](std::size_t, std::size_t) { return normal(random); });
    expect_exact(width, 5, 3000, [&](std::size_t, std::size_t) {
      return std::ldexp(normal(random), exponent(random));  // re-anchors all the time
    });
    expect_exact(width, 2, 3000, [&](std::size_t idx, std::size_t col) {
      if ((idx + col) % 97 == 0) return nan;
      if ((idx + col) % 89 == 0) return col % 2 == 0 ? inf : -inf;
      if ((idx + col) % 7 == 0) return 0.0;
      if ((idx + col) % 83 == 0) return 3 * tiny;
      return (idx % 500 == 0 ? 1e200 : 1.0) * normal(random);
    });
  }
}

}  // namespace
}  // namespace rankflow::ops
