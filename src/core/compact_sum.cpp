#include "rankflow/core/compact_sum.hpp"

#include <algorithm>
#include <cmath>

namespace rankflow {
namespace {

__extension__ using uint128 = unsigned __int128;

// value << shift when it stays a signed 128-bit integer (0 <= shift < 127), else false.
bool shift_fits(exact_int128 value, int shift, exact_int128& out) noexcept {
  if (shift == 0) {
    out = value;
    return true;
  }
  if (shift >= 127) return value == 0 ? (out = 0, true) : false;
  const uint128 magnitude = value < 0 ? uint128{0} - static_cast<uint128>(value)
                                      : static_cast<uint128>(value);
  if ((magnitude >> (126 - shift)) != 0) return false;  // the result's magnitude passes 2^126
  const auto shifted = static_cast<exact_int128>(magnitude << shift);
  out = value < 0 ? -shifted : shifted;
  return true;
}

}  // namespace

ExactSum& CompactSum::pooled(ExactSumPool& pool) {
  if (pooled_ == 0) pooled_ = pool.create();
  return pool.at(pooled_);
}

void CompactSum::add_slow(double value, ExactSumPool& pool) {
  std::uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  if ((bits << 1) == 0) return;  // +-0 adds nothing (and must not set the base)
  const auto exponent = static_cast<int>((bits >> 52) & 0x7ff);
  if (exponent == 0x7ff) return pooled(pool).add(value);
  const int position = exponent == 0 ? 0 : exponent - 1;
  if (base_ == kUnset) {
    base_ = std::max(position - kBelowFirst, 0);
    return add(value, pool);  // fits now: shift <= kBelowFirst, window 0
  }
  const int shift = position - base_;
  if (shift >= 0 && shift <= kMaxShift) {  // the window would overflow: move it to the pool
    pooled(pool).add_int128(window(), base_);
    set_window(0);
    return add(value, pool);
  }
  pooled(pool).add(value);
}

// Into the window when it fits (shifting it down to `base` if need be), else the pooled part.
void CompactSum::add_scaled(exact_int128 value, std::int32_t base, ExactSumPool& pool) {
  if (value == 0) return;
  if (base_ == kUnset) {
    base_ = base;
    return set_window(value);
  }
  exact_int128 mine = window(), theirs = value, sum = 0;
  if (base < base_) {  // move the window down to their base, if it fits
    if (!shift_fits(mine, base_ - base, mine)) return pooled(pool).add_int128(value, base);
    if (__builtin_add_overflow(mine, theirs, &sum)) return pooled(pool).add_int128(value, base);
    base_ = base;
    return set_window(sum);
  }
  if (!shift_fits(theirs, base - base_, theirs) || __builtin_add_overflow(mine, theirs, &sum))
    return pooled(pool).add_int128(value, base);
  set_window(sum);
}

double CompactSum::round(const ExactSumPool& pool) const noexcept {
  const exact_int128 value = window();
  if (pooled_ == 0) {
    if (value == 0) return 0.0;
    // int128 -> double rounds to nearest even (libgcc); the scaling is exact while the result
    // is a normal double (and overflows to inf as ExactSum::round does).
    const auto rounded = static_cast<double>(value);
    const int scale = base_ - 1074;
    if (std::ilogb(rounded) + scale >= -1022) return std::ldexp(rounded, scale);
  }
  ExactSum exact = pooled_ == 0 ? ExactSum{} : pool.at(pooled_);
  if (value != 0) exact.add_int128(value, base_);
  return exact.round();
}

std::size_t CompactSum::state_size(const ExactSumPool& pool) const noexcept {
  return 1 + sizeof(base_) + sizeof(words_) + (pooled_ == 0 ? 0 : pool.at(pooled_).state_size());
}

std::byte* CompactSum::write(std::byte* out, const ExactSumPool& pool) const noexcept {
  out[0] = static_cast<std::byte>(pooled_ == 0 ? 0 : 1);
  std::memcpy(out + 1, &base_, sizeof base_);
  std::memcpy(out + 1 + sizeof base_, words_, sizeof words_);
  out += 1 + sizeof base_ + sizeof words_;
  return pooled_ == 0 ? out : pool.at(pooled_).write(out);
}

const std::byte* CompactSum::read_merge(const std::byte* in, ExactSumPool& pool) {
  const bool has_pooled = in[0] != std::byte{0};
  std::int32_t base;
  std::memcpy(&base, in + 1, sizeof base);
  exact_int128 value;
  std::memcpy(&value, in + 1 + sizeof base, sizeof value);
  in += 1 + sizeof base + sizeof value;
  add_scaled(value, base, pool);
  return has_pooled ? pooled(pool).read_merge(in) : in;
}

}  // namespace rankflow
