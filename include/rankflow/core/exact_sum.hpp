// ExactSum: the exact sum of any number of doubles (a fixed-point superaccumulator over the
// whole double range, after Neal's xsum "small accumulator" and Collange et al.), rounded once
// at the end. The sum does not depend on the order of the additions or on how they were split
// and merged, so a reduction that keeps its sums here gives the same bits at every rank count
// and block size, and that value is the correctly rounded sum (Python's math.fsum).
//
// Layout: the value is sum(chunk[i] * 2^(32 i)) in units of 2^-1074 (the smallest subnormal):
//
//   chunk:  0        1        2               66      67 (signed, the carry out)
//   bits:  [0,32)   [32,64)  [64,96)   ...   [2112,..) [2144, ...)
//
// A double m * 2^(p - 1074) (53-bit integer m, bit position p = biased exponent - 1, 0 for
// subnormals) adds m << (p & 31) as two signed pieces to chunks p >> 5 and p >> 5 + 1: a few
// integer instructions, no branch on magnitudes. Chunks are int64, so carries wait: after
// kAddsBeforeCarry additions (each piece below 2^53) the chunks are normalized back to 32 bits.
// NaN and infinities are flags beside the chunks (numpy's rules: NaN or +inf + -inf is NaN).
// Nothing here is collective; states travel as bytes (write/read: only the non-zero chunks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace rankflow {

__extension__ using exact_int128 = __int128;  // GCC/Clang

class ExactSum {
 public:
  static constexpr int kChunks = 68;
  static constexpr int kAddsBeforeCarry = 512;  // 512 * 2^53 < 2^63 - 2^32

  // Adds one double (NaN and infinities set flags).
  void add(double value) noexcept {
    std::uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    const auto exponent = static_cast<int>((bits >> 52) & 0x7ff);
    std::int64_t mantissa = static_cast<std::int64_t>(bits & ((std::uint64_t{1} << 52) - 1));
    if (exponent == 0x7ff) return add_special(bits);
    if (exponent != 0) mantissa |= std::int64_t{1} << 52;
    const int position = exponent == 0 ? 0 : exponent - 1;
    if (static_cast<std::int64_t>(bits) < 0) mantissa = -mantissa;
    add_at(mantissa, position);
  }
  // Adds the exact product a * b (as two doubles, p = fl(a b) and fma(a, b, -p), exact unless
  // the product underflows below 2^-1022 or overflows).
  void add_product(double a, double b) noexcept;
  // Adds value * 2^(position - 1074) for a signed 128-bit value, position >= 0.
  void add_int128(exact_int128 value, int position) noexcept;
  void merge(const ExactSum& other) noexcept;

  // The sum rounded to nearest, ties to even (NaN/inf as numpy).
  double round() const noexcept;
  // True when no finite part is left (no value, or values that cancelled exactly).
  bool finite_zero() const noexcept;
  bool has_special() const noexcept { return flags_ != 0; }

  // Bytes of write(): the flags, the first chunk, the count, the non-zero span of chunks.
  std::size_t state_size() const noexcept;
  std::byte* write(std::byte* out) const noexcept;
  const std::byte* read_merge(const std::byte* in) noexcept;  // merges a written state in

  void clear() noexcept { *this = ExactSum{}; }

 private:
  enum Flag : std::uint8_t { kNaN = 1, kPlusInf = 2, kMinusInf = 4 };

  // Adds signed `mantissa` (|mantissa| < 2^53) at bit `position`.
  void add_at(std::int64_t mantissa, int position) noexcept {
    const int chunk = position >> 5;
    const int shift = position & 31;
    // The low 32 - shift bits of the mantissa land in `chunk`, the rest one chunk up.
    const std::int64_t low = static_cast<std::int64_t>(
        (static_cast<std::uint64_t>(mantissa) << shift) & 0xffffffffu);
    const std::int64_t high = mantissa >> (32 - shift);  // arithmetic: keeps the sign
    // mantissa << shift == high * 2^32 + low, with low in [0, 2^32) even for negative values.
    chunks_[chunk] += low;
    chunks_[chunk + 1] += high;
    if (--adds_left_ == 0) carry();
  }
  void add_special(std::uint64_t bits) noexcept;
  // Chunks 0..kChunks-2 back into [0, 2^32), the carry into the top chunk.
  void carry() noexcept;

  int adds_left_ = kAddsBeforeCarry;  // the small fields first: they share the first cache line
  std::uint8_t flags_ = 0;
  std::int64_t chunks_[kChunks] = {};
};

// The exact sum split into non-overlapping doubles, largest first: the first is the rounded
// sum, each next the rounded remainder; stops when the remainder is zero or at `capacity`.
// Returns how many were written. (Non-finite sums: one term, the rounded value.)
std::size_t expand(const ExactSum& sum, double* terms, std::size_t capacity) noexcept;

// The variance of n values from their exact sum s1 and exact sum of squares s2:
// (n s2 - s1^2) / (n (n - ddof)), the numerator computed exactly from the expansions of s1 and
// s2, rounded once, then divided. A function of the exact sums only, so it does not depend on
// the order of the values. NaN when n - ddof <= 0 (callers decide what that means).
double exact_variance(const ExactSum& s1, const ExactSum& s2, std::uint64_t count,
                      int ddof) noexcept;

}  // namespace rankflow
