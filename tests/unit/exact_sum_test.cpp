// ExactSum against an independent exact oracle: Shewchuk's partials (the algorithm of Python's
// math.fsum, with its final half-even correction), over random values of mixed magnitudes,
// cancelling values, subnormals and special values; and against exact rationals where the
// values are small integers times powers of two.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "rankflow/core/compact_sum.hpp"
#include "rankflow/core/exact_sum.hpp"

namespace rankflow {
namespace {

// math.fsum (CPython's msum, without the overflow handling: callers stay in range).
double fsum(const std::vector<double>& values) {
  std::vector<double> partials;
  for (double x : values) {
    std::size_t used = 0;
    for (double y : partials) {
      if (std::fabs(x) < std::fabs(y)) std::swap(x, y);
      const double hi = x + y;
      const double lo = y - (hi - x);
      if (lo != 0.0) partials[used++] = lo;
      x = hi;
    }
    partials.resize(used);
    partials.push_back(x);
  }
  std::size_t n = partials.size();
  if (n == 0) return 0.0;
  double hi = partials[--n], lo = 0.0;
  while (n > 0) {
    const double x = hi, y = partials[--n];
    hi = x + y;
    lo = y - (hi - x);
    if (lo != 0.0) break;
  }
  if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
    const double y = lo * 2, x = hi + y;
    if (y == x - hi) hi = x;
  }
  return hi;
}

std::uint64_t bits_of(double value) {
  std::uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

double exact(const std::vector<double>& values) {
  ExactSum sum;
  for (double value : values) sum.add(value);
  return sum.round();
}

// Random doubles with exponents spread over `spread` binades around 2^center, random signs.
std::vector<double> random_values(std::mt19937_64& rng, std::size_t count, int center,
                                  int spread) {
  std::uniform_real_distribution<double> mantissa(1.0, 2.0);
  std::uniform_int_distribution<int> exponent(center - spread, center + spread);
  std::vector<double> values(count);
  for (double& value : values) {
    value = std::ldexp(mantissa(rng), exponent(rng));
    if (rng() & 1) value = -value;
  }
  return values;
}

TEST(ExactSum, CancellingValuesAreSummedExactly) {
  EXPECT_EQ(exact({1e16, 1.0, -1e16}), 1.0);
  EXPECT_EQ(exact({1e308, 1e308, -1e308, -1e308, 3.0}), 3.0);
  EXPECT_EQ(exact({0.1, 0.2, 0.3, -0.6}), fsum({0.1, 0.2, 0.3, -0.6}));
  EXPECT_EQ(exact({}), 0.0);
  EXPECT_EQ(bits_of(exact({-0.0})), bits_of(0.0));  // as math.fsum
}

TEST(ExactSum, MatchesFsumOnRandomValuesOfMixedMagnitude) {
  std::mt19937_64 rng(16);
  for (int trial = 0; trial < 300; ++trial) {
    const int center = static_cast<int>(rng() % 1600) - 800;
    const int spread = static_cast<int>(rng() % 120);
    auto values = random_values(rng, 1 + rng() % 3000, center, spread);
    if (trial % 3 == 0) {  // cancelling: every value and its negation, plus a few small ones
      const std::size_t half = values.size();
      for (std::size_t idx = 0; idx < half; ++idx) values.push_back(-values[idx]);
      values.push_back(std::ldexp(1.0, center - spread - 60));
      std::shuffle(values.begin(), values.end(), rng);
    }
    ASSERT_EQ(bits_of(exact(values)), bits_of(fsum(values))) << "trial " << trial;
    // Order and splitting do not matter: two halves merged, and through bytes.
    std::shuffle(values.begin(), values.end(), rng);
    ExactSum left, right;
    const std::size_t cut = rng() % (values.size() + 1);
    for (std::size_t idx = 0; idx < values.size(); ++idx) (idx < cut ? left : right).add(values[idx]);
    std::vector<std::byte> bytes(right.state_size());
    ASSERT_EQ(right.write(bytes.data()), bytes.data() + bytes.size());
    left.read_merge(bytes.data());
    ASSERT_EQ(bits_of(left.round()), bits_of(fsum(values))) << "trial " << trial;
  }
}

TEST(ExactSum, SubnormalsAndTheEdgesOfTheRange) {
  const double tiny = std::numeric_limits<double>::denorm_min();
  EXPECT_EQ(exact({tiny, tiny, tiny}), 3 * tiny);
  EXPECT_EQ(exact({std::numeric_limits<double>::min(), -tiny}),
            std::numeric_limits<double>::min() - tiny);
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 100; ++trial) {
    auto low = random_values(rng, 500, -1050, 30);
    ASSERT_EQ(bits_of(exact(low)), bits_of(fsum(low)));
    auto high = random_values(rng, 500, 990, 20);  // the sums stay finite
    ASSERT_EQ(bits_of(exact(high)), bits_of(fsum(high)));
  }
  const double max = std::numeric_limits<double>::max();
  EXPECT_EQ(exact({max, max}), std::numeric_limits<double>::infinity());
  EXPECT_EQ(exact({max, max, -max}), max);
  EXPECT_EQ(exact({max, std::ldexp(1.0, 970)}), std::numeric_limits<double>::infinity());
  EXPECT_EQ(exact({max, std::ldexp(1.0, 969)}), max);  // below the halfway point
}

TEST(ExactSum, TiesRoundToEven) {
  const double one = 1.0, half_ulp = std::ldexp(1.0, -53);
  EXPECT_EQ(exact({one, half_ulp}), one);                                     // tie, even
  EXPECT_EQ(exact({one + 2 * half_ulp, half_ulp}), one + 4 * half_ulp);       // tie, up to even
  EXPECT_EQ(exact({one, half_ulp, std::ldexp(1.0, -1000)}), one + 2 * half_ulp);  // past the tie
  EXPECT_EQ(exact({-one, -half_ulp}), -one);
}

TEST(ExactSum, SpecialValuesFollowNumpy) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(exact({1.0, inf}), inf);
  EXPECT_EQ(exact({1.0, -inf}), -inf);
  EXPECT_TRUE(std::isnan(exact({inf, -inf})));
  EXPECT_TRUE(std::isnan(exact({1.0, nan, 2.0})));
}

TEST(ExactSum, ManyAdditionsCarryCorrectly) {
  // 2^20 additions of the largest mantissa at one position: carries every 512 additions.
  const double value = std::ldexp(2.0 - std::ldexp(1.0, -52), 40);
  ExactSum sum;
  for (int idx = 0; idx < (1 << 20); ++idx) sum.add(value);
  EXPECT_EQ(sum.round(), std::ldexp(value, 20));
  for (int idx = 0; idx < (1 << 20); ++idx) sum.add(-value);
  EXPECT_TRUE(sum.finite_zero());
}

TEST(ExactSum, Int128AtAPositionAddsItsExactValue) {
  ExactSum sum;
  const exact_int128 big = (static_cast<exact_int128>(1) << 100) + 12345;
  sum.add_int128(big, 1074);  // units of 2^0
  sum.add(-std::ldexp(1.0, 100));
  EXPECT_EQ(sum.round(), 12345.0);
  sum.add_int128(-big, 1074);
  sum.add(std::ldexp(1.0, 100));
  EXPECT_TRUE(sum.finite_zero());
}

TEST(ExactSum, ExpansionTermsAddUpToTheSum) {
  ExactSum sum;
  for (double value : {1e300, 1.0, 1e-300, -3e-310}) sum.add(value);
  double terms[8];
  const std::size_t count = expand(sum, terms, 8);
  ASSERT_GE(count, 3u);
  EXPECT_EQ(terms[0], 1e300);
  EXPECT_EQ(terms[1], 1.0);
  ExactSum rest = sum;
  for (std::size_t idx = 0; idx < count; ++idx) rest.add(-terms[idx]);
  EXPECT_TRUE(rest.finite_zero());
}

// The variance from exact sums against exact rationals: values k * 2^-10 with small integer k,
// so that every sum and the numerator n s2 - s1^2 are exact in 128-bit integers.
TEST(ExactSum, VarianceMatchesExactRationals) {
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 200; ++trial) {
    const std::size_t count = 2 + rng() % 500;
    const double offset = (trial % 2 == 0) ? 1e9 : 0.0;  // large common part: cancels in s2
    ExactSum s1, s2;
    exact_int128 k_sum = 0, k_squares = 0;
    const auto offset_k = static_cast<exact_int128>(offset * 1024);
    for (std::size_t idx = 0; idx < count; ++idx) {
      const auto k = static_cast<std::int64_t>(rng() % 20001) - 10000;
      const double value = offset + std::ldexp(static_cast<double>(k), -10);
      s1.add(value);
      s2.add_product(value, value);
      const exact_int128 whole = offset_k + k;
      k_sum += whole;
      k_squares += whole * whole;
    }
    const int ddof = trial % 3 == 0 ? 0 : 1;
    const auto n = static_cast<exact_int128>(count);
    const exact_int128 numerator = n * k_squares - k_sum * k_sum;  // units of 2^-20
    const double expected = std::ldexp(static_cast<double>(numerator), -20) /
                            (static_cast<double>(count) * (static_cast<double>(count) - ddof));
    ASSERT_EQ(bits_of(exact_variance(s1, s2, count, ddof)), bits_of(expected)) << trial;
  }
}


// CompactSum: the same correctly rounded sums as ExactSum, whatever goes through the window
// and whatever to the pool, through any split into parts merged as bytes.
double compact_sum_through_parts(const std::vector<double>& values, std::mt19937_64& rng) {
  const std::size_t parts = 1 + rng() % 4;
  std::vector<ExactSumPool> pools(parts);
  std::vector<CompactSum> sums(parts);
  for (const double value : values) {
    const std::size_t part = rng() % parts;
    sums[part].add(value, pools[part]);
  }
  for (std::size_t part = 1; part < parts; ++part) {
    std::vector<std::byte> bytes(sums[part].state_size(pools[part]));
    EXPECT_EQ(sums[part].write(bytes.data(), pools[part]), bytes.data() + bytes.size());
    EXPECT_EQ(sums[0].read_merge(bytes.data(), pools[0]), bytes.data() + bytes.size());
  }
  return sums[0].round(pools[0]);
}

TEST(CompactSum, MatchesFsumAndExactSumThroughAnySplit) {
  std::mt19937_64 rng(17);
  for (int trial = 0; trial < 400; ++trial) {
    const int center = static_cast<int>(rng() % 1600) - 800;
    const int spread = trial % 4 == 0 ? static_cast<int>(rng() % 120) : static_cast<int>(rng() % 12);
    auto values = random_values(rng, 1 + rng() % 3000, center, spread);
    if (trial % 3 == 0) {  // cancelling, with a small value far below the window
      const std::size_t half = values.size();
      for (std::size_t idx = 0; idx < half; ++idx) values.push_back(-values[idx]);
      values.push_back(std::ldexp(1.0, center - spread - 60));
      std::shuffle(values.begin(), values.end(), rng);
    }
    if (trial % 5 == 0) values.insert(values.begin(), {0.0, -0.0});  // zeros first
    ASSERT_EQ(bits_of(compact_sum_through_parts(values, rng)), bits_of(fsum(values)))
        << "trial " << trial;
  }
}

TEST(CompactSum, WindowOverflowSubnormalsAndSpecialValues) {
  std::mt19937_64 rng(18);
  // 2^20 values at the top of the window's reach (2^63 above its bit 0): it overflows into
  // the pool every 2^10 or so.
  std::vector<double> large(1 << 20, std::ldexp(1.9999999999999998, 31));
  large.insert(large.begin(), 1.0);  // the first value sets the window 2^-32 below 1
  EXPECT_EQ(bits_of(compact_sum_through_parts(large, rng)), bits_of(exact(large)));
  const double tiny = std::numeric_limits<double>::denorm_min();
  const std::vector<double> subnormal = {tiny, 3 * tiny, -tiny, std::ldexp(1.0, -1022), tiny};
  EXPECT_EQ(bits_of(compact_sum_through_parts(subnormal, rng)), bits_of(exact(subnormal)));
  const std::vector<double> mixed = {1e300, tiny, -1e300, 1.0, 1e-300};
  EXPECT_EQ(bits_of(compact_sum_through_parts(mixed, rng)), bits_of(fsum(mixed)));
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(compact_sum_through_parts({1.0, inf, 2.0}, rng), inf);
  EXPECT_TRUE(std::isnan(compact_sum_through_parts({1.0, inf, -inf}, rng)));
  EXPECT_TRUE(std::isnan(compact_sum_through_parts({std::nan(""), 1.0}, rng)));
  EXPECT_EQ(bits_of(compact_sum_through_parts({}, rng)), bits_of(0.0));
  // Overflow past the double range: inf, as ExactSum.
  const std::vector<double> huge = {std::numeric_limits<double>::max(),
                                    std::numeric_limits<double>::max()};
  EXPECT_EQ(compact_sum_through_parts(huge, rng), exact(huge));
}

}  // namespace
}  // namespace rankflow
