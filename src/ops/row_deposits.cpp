#include "row_deposits.hpp"

#include <cmath>
#include <cstring>
#include <limits>

namespace rankflow::ops {
namespace {

constexpr std::size_t kLanes = RowDeposits::kLanes;
constexpr std::uint64_t kSpan = std::uint64_t{27} << 52;  // bits of 2^e minus those of 2^(e-27)
using Lanes = double __attribute__((vector_size(kLanes * sizeof(double))));
using LaneBits = std::uint64_t __attribute__((vector_size(kLanes * sizeof(std::uint64_t))));

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

// Deposits every lane of the row (`padded` values; the group's state, chunks of eight lanes
// [hi, lo, upper]) whose value is in its lane's range or zero; true when every lane was. A
// lane that was not is left as it was (it deposits zero), for add_slow. One call per row: a
// multiversioned function is an indirect call.
//
// The range test is integer arithmetic on the magnitudes' bits, all in [0, 2^63) (non-negative
// doubles order as their bits; NaN's pass infinity's; an unanchored lane's upper bound is 0),
// where a < b is the sign bit of a - b; the lower bound 2^(e-27) is upper's bits minus kSpan.
// Not vector comparisons: GCC 12 lowers 64-bit integer comparisons of generic vectors for the
// baseline target (which has none) before it makes the target_clones, so every clone compared
// lane by lane (50 scalar compares per eight values). Subtractions and shifts exist at every
// level and stay vectors in each clone.
RANKFLOW_ROW_LOOP bool deposit_row(const double* values, double* state, std::size_t padded) {
  const LaneBits magnitude = LaneBits{} + 0x7fffffffffffffff;
  LaneBits missed = {};
  for (std::size_t col = 0; col < padded; col += kLanes, state += 3 * kLanes) {
    Lanes value, high, low;
    LaneBits top;
    std::memcpy(&value, values + col, sizeof value);
    std::memcpy(&high, state, sizeof high);
    std::memcpy(&low, state + kLanes, sizeof low);
    std::memcpy(&top, state + 2 * kLanes, sizeof top);
    const LaneBits size = (LaneBits)value & magnitude;
    const LaneBits below_top = (size - top) >> 63;                    // 1: size < upper
    const LaneBits below_bottom = (size - (top - kSpan)) >> 63;       // 1: size < lower
    const LaneBits zero = (size - 1) >> 63;                           // 1: size == 0
    const LaneBits fits = LaneBits{} - ((below_top & ~below_bottom) | zero);  // all ones or 0
    missed |= ~fits;
    const Lanes kept = (Lanes)((LaneBits)value & fits);
    const Lanes total = high + kept;
    low += kept - (total - high);
    std::memcpy(state, &total, sizeof total);
    std::memcpy(state + kLanes, &low, sizeof low);
  }
  std::uint64_t lanes[kLanes];  // once per row
  std::memcpy(lanes, &missed, sizeof lanes);
  std::uint64_t any = 0;
  for (const std::uint64_t lane : lanes) any |= lane;
  return any == 0;
}

// The scalar form of deposit_row's test, for the lanes it left.
bool fits_lane(double value, double upper) {
  std::uint64_t size, top;
  std::memcpy(&size, &value, sizeof size);
  std::memcpy(&top, &upper, sizeof top);
  size &= 0x7fffffffffffffff;
  return size == 0 || (((size - top) >> 63) & ~((size - (top - kSpan)) >> 63)) != 0;
}

}  // namespace

RowDeposits::RowDeposits(std::size_t width)
    : width_(width), padded_((width + kLanes - 1) / kLanes * kLanes) {}

void RowDeposits::resize(std::size_t groups) {
  state_.resize(groups * padded_ * 3, 0.0);
  since_.resize(groups, 0);
  sums_.resize(groups * width_);
}

void RowDeposits::add_row(std::size_t group, const double* values) {
  if (!deposit_row(values, &state_[group * padded_ * 3], padded_)) add_slow(group, values);
  if (++since_[group] == kFoldEvery) fold(group);
}

// The lanes deposit_row left: folded, re-anchored on their value, then deposited (or added to
// the CompactSum when no anchor can hold the value).
void RowDeposits::add_slow(std::size_t group, const double* values) {
  for (std::size_t col = 0; col < width_; ++col) {
    const std::size_t at = group * padded_ + col;
    const double value = values[col];
    if (fits_lane(value, upper(at))) continue;  // deposited already
    fold_lane(at, group * width_ + col);
    anchor_lane(at, std::fabs(value));
    if (upper(at) == 0.0) {  // not finite, or too large or small for the levels
      sums_[group * width_ + col].add(value, pool_);
      continue;
    }
    const double total = hi(at) + value;
    lo(at) += value - (total - hi(at));
    hi(at) = total;
  }
}

void RowDeposits::anchor_lane(std::size_t at, double magnitude) {
  upper(at) = hi(at) = lo(at) = 0.0;
  if (!std::isfinite(magnitude)) return;
  // |v| < 2^e with a binade of room: e = exponent + 2; the levels need e + 13 <= 1023 and
  // e - 27 >= -1022 (lo, and the lower bound 2^(e-27), normal doubles).
  const int e = std::ilogb(magnitude) + 2;
  if (e > 1010 || e < -995) return;
  upper(at) = power_of_two(e);
  hi(at) = anchor(e + 13);
  lo(at) = anchor(e - 27);
}

// The lane's accumulators into its CompactSum as one integer in units of lo's ulp 2^(e-79):
// hi - start is a multiple of 2^(e-39) below 2^(e+12), lo - start a multiple of 2^(e-79)
// below 2^(e-28): both exact integers below 2^91 in those units.
void RowDeposits::fold_lane(std::size_t at, std::size_t col_at) {
  if (upper(at) == 0.0) return;
  const int e = exponent_of(upper(at));
  const double high = hi(at) - anchor(e + 13), low = lo(at) - anchor(e - 27);
  hi(at) = anchor(e + 13);
  lo(at) = anchor(e - 27);
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
  state_.clear();
  since_.clear();
  sums_.clear();
  pool_.clear();
}

std::size_t RowDeposits::used_bytes() const {
  return state_.size() * sizeof(double) + since_.size() * sizeof(std::uint32_t) +
         sums_.size() * sizeof(CompactSum) + pool_.bytes();
}

}  // namespace rankflow::ops
