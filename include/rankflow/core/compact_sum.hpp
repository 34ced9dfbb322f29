// CompactSum: an exact sum of doubles in 24 bytes, for one accumulator per group of a group-by.
//
// An ExactSum covers the whole double range and is 560 bytes: 100k groups of them are 56 MB,
// and a group-by touching one per row misses the cache on every row (W1: +20-27% against the
// plain double sum it replaced). The values of one group are mostly of similar magnitude, so
// a CompactSum keeps a 128-bit integer window, the sum in units of 2^(base - 1074), with base
// set 32 bits below the first value's lowest bit: a value within 2^32 below to 2^64 above the
// first one is added as its 53-bit mantissa shifted into the window, a handful of integer
// instructions. Anything else — a value far from the window, an infinity or NaN, a window
// about to overflow — goes to a full ExactSum that the CompactSum borrows from an
// ExactSumPool owned by its aggregator (the pool's bytes count toward the group-by's memory).
//
// The exact value is the window plus the pooled part, so a CompactSum gives the same
// correctly rounded sum as an ExactSum of the same values, whatever the order and the merges.
// States travel as bytes (write/read_merge): the window, and the pooled part when there is one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "rankflow/core/exact_sum.hpp"

namespace rankflow {

// The full accumulators of the CompactSums that needed one, by index.
class ExactSumPool {
 public:
  std::uint32_t create() {
    sums_.emplace_back();
    return static_cast<std::uint32_t>(sums_.size());  // 1-based: 0 means none
  }
  ExactSum& at(std::uint32_t index) noexcept { return sums_[index - 1]; }
  const ExactSum& at(std::uint32_t index) const noexcept { return sums_[index - 1]; }
  std::size_t bytes() const noexcept { return sums_.size() * sizeof(ExactSum); }
  void clear() noexcept { sums_.clear(); }

 private:
  std::vector<ExactSum> sums_;
};

class CompactSum {
 public:
  // Adds one double exactly (NaN and infinities as ExactSum: numpy's rules).
  void add(double value, ExactSumPool& pool) {
    std::uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    const auto exponent = static_cast<int>((bits >> 52) & 0x7ff);
    const int shift = (exponent == 0 ? 0 : exponent - 1) - base_;
    if (static_cast<unsigned>(shift) <= kMaxShift && exponent != 0x7ff) {
      __extension__ using uint128 = unsigned __int128;
      std::uint64_t mantissa = bits & ((std::uint64_t{1} << 52) - 1);
      if (exponent != 0) mantissa |= std::uint64_t{1} << 52;
      const auto magnitude = static_cast<exact_int128>(static_cast<uint128>(mantissa) << shift);
      const exact_int128 term = static_cast<std::int64_t>(bits) < 0 ? -magnitude : magnitude;
      exact_int128 sum;
      if (!__builtin_add_overflow(window(), term, &sum)) return set_window(sum);
    }
    add_slow(value, pool);
  }

  // Adds value * 2^(position - 1074) exactly (position >= 0; ExactSum::add_int128's units).
  void add_scaled(exact_int128 value, std::int32_t position, ExactSumPool& pool);

  // The sum rounded to nearest, ties to even (NaN/inf as numpy).
  double round(const ExactSumPool& pool) const noexcept;

  // Bytes of write(): a kind byte, the base, the window, the pooled part's ExactSum bytes.
  std::size_t state_size(const ExactSumPool& pool) const noexcept;
  std::byte* write(std::byte* out, const ExactSumPool& pool) const noexcept;
  // Merges a written state in (another CompactSum's, with its own pool when it was written).
  const std::byte* read_merge(const std::byte* in, ExactSumPool& pool);

 private:
  static constexpr int kMaxShift = 64;  // a term below 2^117: 2^10 of them fit the window
  static constexpr std::int32_t kUnset = -(1 << 30);
  static constexpr int kBelowFirst = 32;  // the window's bit 0 under the first value's lowest

  exact_int128 window() const noexcept {
    exact_int128 value;
    std::memcpy(&value, words_, sizeof value);
    return value;
  }
  void set_window(exact_int128 value) noexcept { std::memcpy(words_, &value, sizeof words_); }
  void add_slow(double value, ExactSumPool& pool);
  ExactSum& pooled(ExactSumPool& pool);

  std::uint64_t words_[2] = {0, 0};  // the window, a signed 128-bit integer (8-byte aligned)
  std::int32_t base_ = kUnset;       // ExactSum position of the window's bit 0
  std::uint32_t pooled_ = 0;         // index of the pooled part in the pool, 0: none
};

}  // namespace rankflow
