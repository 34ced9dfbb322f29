#include "row_deposits.hpp"

#include <cmath>
#include <cstring>

namespace rankflow::ops {
namespace {

constexpr std::size_t kLanes = 8;
using Lanes = double __attribute__((vector_size(kLanes * sizeof(double))));
using LaneMask = std::int64_t __attribute__((vector_size(kLanes * sizeof(std::int64_t))));

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    !defined(RANKFLOW_NO_MULTIVERSION)
#define RANKFLOW_ROW_LOOP \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define RANKFLOW_ROW_LOOP
#endif

double power_of_two(int k) {  // normal range
  const std::uint64_t bits = static_cast<std::uint64_t>(k + 1023) << 52;
  double value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

double anchor(int k) { return 1.5 * power_of_two(k); }

int exponent_of(double power) {  // k of 2^k
  std::uint64_t bits;
  std::memcpy(&bits, &power, sizeof bits);
  return static_cast<int>(bits >> 52) - 1023;
}

// One chunk of eight lanes: true when every value was in its lane's range and is deposited.
RANKFLOW_ROW_LOOP bool deposit_chunk(const double* values, double* hi, double* lo,
                                     const double* upper, const double* lower) {
  // The range test on the magnitudes' bits as unsigned integers (non-negative doubles order as
  // their bits; NaN's pass infinity's): GCC turns the same test on doubles lane by lane here.
  using LaneBits = std::uint64_t __attribute__((vector_size(kLanes * sizeof(std::uint64_t))));
  Lanes value, high, low;
  LaneBits top, bottom;
  std::memcpy(&value, values, sizeof value);
  std::memcpy(&top, upper, sizeof top);
  std::memcpy(&bottom, lower, sizeof bottom);
  const LaneBits size = (LaneBits)value & (LaneBits{} + 0x7fffffffffffffff);
  const LaneMask fits = (LaneMask)(((size < top) & (size >= bottom)) | (size == 0));
  std::int64_t lanes[kLanes];
  std::memcpy(lanes, &fits, sizeof lanes);
  std::int64_t all = -1;
  for (const std::int64_t lane : lanes) all &= lane;
  if (all == 0) return false;
  std::memcpy(&high, hi, sizeof high);
  std::memcpy(&low, lo, sizeof low);
  const Lanes total = high + value;
  low += value - (total - high);
  std::memcpy(hi, &total, sizeof total);
  std::memcpy(lo, &low, sizeof low);
  return true;
}

}  // namespace

RowDeposits::RowDeposits(std::size_t width)
    : width_(width), padded_((width + kLanes - 1) / kLanes * kLanes) {}

void RowDeposits::resize(std::size_t groups) {
  for (auto* column : {&hi_, &lo_, &upper_, &lower_}) column->resize(groups * padded_, 0.0);
  since_.resize(groups, 0);
  sums_.resize(groups * width_);
}

void RowDeposits::add_row(std::size_t group, const double* values) {
  const std::size_t at = group * padded_;
  for (std::size_t col = 0; col < padded_; col += kLanes) {
    if (!deposit_chunk(values + col, &hi_[at + col], &lo_[at + col], &upper_[at + col],
                       &lower_[at + col]))
      add_slow(group, col, values + col);
  }
  if (++since_[group] == kFoldEvery) fold(group);
}

void RowDeposits::add_slow(std::size_t group, std::size_t first_col, const double* values) {
  for (std::size_t lane = 0; lane < kLanes && first_col + lane < width_; ++lane) {
    const std::size_t col = first_col + lane;
    const std::size_t at = group * padded_ + col;
    const double value = values[lane];
    const double size = std::fabs(value);
    if (size == 0.0) continue;
    if (!(size < upper_[at] && size >= lower_[at])) {
      fold_lane(at, group * width_ + col);
      anchor_lane(at, size);
      if (upper_[at] == 0.0) {  // not finite, or too large or small for the levels
        sums_[group * width_ + col].add(value, pool_);
        continue;
      }
    }
    const double total = hi_[at] + value;
    lo_[at] += value - (total - hi_[at]);
    hi_[at] = total;
  }
}

void RowDeposits::anchor_lane(std::size_t at, double magnitude) {
  upper_[at] = lower_[at] = hi_[at] = lo_[at] = 0.0;
  if (!std::isfinite(magnitude)) return;
  // |v| < 2^e with a binade of room: e = exponent + 2; the levels need e + 13 <= 1023 and
  // e - 27 >= -1022 (lo a normal double).
  const int e = std::ilogb(magnitude) + 2;
  if (e > 1010 || e < -995) return;
  upper_[at] = power_of_two(e);
  lower_[at] = power_of_two(e - 27);
  hi_[at] = anchor(e + 13);
  lo_[at] = anchor(e - 27);
}

// The lane's accumulators into its CompactSum as one integer in units of lo's ulp 2^(e-79):
// hi - start is a multiple of 2^(e-39) below 2^(e+12), lo - start a multiple of 2^(e-79)
// below 2^(e-28): both exact integers below 2^91 in those units.
void RowDeposits::fold_lane(std::size_t at, std::size_t col_at) {
  if (upper_[at] == 0.0) return;
  const int e = exponent_of(upper_[at]);
  const double high = hi_[at] - anchor(e + 13), low = lo_[at] - anchor(e - 27);
  hi_[at] = anchor(e + 13);
  lo_[at] = anchor(e - 27);
  if (high == 0.0 && low == 0.0) return;
  const auto units = static_cast<exact_int128>(std::ldexp(high, 79 - e)) +
                     static_cast<exact_int128>(std::ldexp(low, 79 - e));
  sums_[col_at].add_scaled(units, e - 79 + 1074, pool_);
}

void RowDeposits::fold(std::size_t group) {
  for (std::size_t col = 0; col < width_; ++col)
    fold_lane(group * padded_ + col, group * width_ + col);
  since_[group] = 0;
}

void RowDeposits::fold_all() {
  for (std::size_t group = 0; group < since_.size(); ++group) fold(group);
}

void RowDeposits::clear() {
  for (auto* column : {&hi_, &lo_, &upper_, &lower_}) column->clear();
  since_.clear();
  sums_.clear();
  pool_.clear();
}

std::size_t RowDeposits::used_bytes() const {
  return (hi_.size() + lo_.size() + upper_.size() + lower_.size()) * sizeof(double) +
         since_.size() * sizeof(std::uint32_t) + sums_.size() * sizeof(CompactSum) +
         pool_.bytes();
}

}  // namespace rankflow::ops
