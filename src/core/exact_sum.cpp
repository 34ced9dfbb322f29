#include "rankflow/core/exact_sum.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace rankflow {
namespace {

constexpr int kTop = ExactSum::kChunks - 1;

// Normalizes chunks in place: 0..kTop-1 into [0, 2^32), the carry into the signed top chunk.
void normalize(std::int64_t* chunks) noexcept {
  std::int64_t carry = 0;
  for (int idx = 0; idx < kTop; ++idx) {
    const std::int64_t value = chunks[idx] + carry;
    chunks[idx] = value & 0xffffffff;
    carry = value >> 32;  // arithmetic shift: floor division, keeps the sign
  }
  chunks[kTop] += carry;
}

// Bit `position` of a normalized, non-negative chunk array (the top chunk holds more than 32).
std::uint64_t bit_at(const std::int64_t* chunks, int position) noexcept {
  const int chunk = std::min(position >> 5, kTop);
  return (static_cast<std::uint64_t>(chunks[chunk]) >> (position - 32 * chunk)) & 1;
}

// True when any bit below `position` is set.
bool any_below(const std::int64_t* chunks, int position) noexcept {
  const int chunk = std::min(position >> 5, kTop);
  for (int idx = 0; idx < chunk; ++idx)
    if (chunks[idx] != 0) return true;
  const int bits = position - 32 * chunk;  // < 64
  const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
  return (static_cast<std::uint64_t>(chunks[chunk]) & mask) != 0;
}

// The non-negative magnitude in `chunks`, rounded to nearest even, as a positive double.
double round_magnitude(const std::int64_t* chunks) noexcept {
  int high_chunk = kTop;
  while (high_chunk >= 0 && chunks[high_chunk] == 0) --high_chunk;
  if (high_chunk < 0) return 0.0;
  const auto top_value = static_cast<std::uint64_t>(chunks[high_chunk]);
  const int high_bit = 32 * high_chunk + 63 - __builtin_clzll(top_value);
  if (high_bit < 53) {  // exact: an integer below 2^53 in units of 2^-1074
    std::uint64_t value = 0;
    for (int bit = high_bit; bit >= 0; --bit) value = (value << 1) | bit_at(chunks, bit);
    return std::ldexp(static_cast<double>(value), -1074);
  }
  const int low_bit = high_bit - 52;
  std::uint64_t mantissa = 0;
  for (int bit = high_bit; bit >= low_bit; --bit) mantissa = (mantissa << 1) | bit_at(chunks, bit);
  const bool half = bit_at(chunks, low_bit - 1) != 0;
  if (half && ((mantissa & 1) != 0 || any_below(chunks, low_bit - 1))) ++mantissa;
  // 2^53 after rounding up is still exact as a double; ldexp overflows to inf past the range.
  return std::ldexp(static_cast<double>(mantissa), low_bit - 1074);
}

}  // namespace

void ExactSum::add_special(std::uint64_t bits) noexcept {
  if ((bits & ((std::uint64_t{1} << 52) - 1)) != 0)
    flags_ |= kNaN;
  else
    flags_ |= static_cast<std::int64_t>(bits) < 0 ? kMinusInf : kPlusInf;
}

void ExactSum::carry() noexcept {
  normalize(chunks_);
  adds_left_ = kAddsBeforeCarry;
}

void ExactSum::add_product(double a, double b) noexcept {
  const double product = a * b;
  if (!std::isfinite(product)) return add(product);
  add(product);
  add(std::fma(a, b, -product));
}

void ExactSum::add_int128(exact_int128 value, int position) noexcept {
  if (value == 0) return;
  // Each piece below adds less than 2^32 to two chunks: one addition each, as add() counts.
  __extension__ using uint128 = unsigned __int128;
  const bool negative = value < 0;
  const uint128 magnitude = negative ? uint128{0} - static_cast<uint128>(value)
                                     : static_cast<uint128>(value);
  for (int piece = 0; piece < 4; ++piece) {
    const auto part = static_cast<std::int64_t>((magnitude >> (32 * piece)) & 0xffffffffu);
    if (part != 0) add_at(negative ? -part : part, position + 32 * piece);
  }
}

void ExactSum::merge(const ExactSum& other) noexcept {
  ExactSum normalized = other;
  normalized.carry();
  carry();
  for (int idx = 0; idx < kChunks; ++idx) chunks_[idx] += normalized.chunks_[idx];
  carry();
  flags_ |= other.flags_;
}

double ExactSum::round() const noexcept {
  if (flags_ != 0) {
    if ((flags_ & kNaN) != 0 || (flags_ & (kPlusInf | kMinusInf)) == (kPlusInf | kMinusInf))
      return std::numeric_limits<double>::quiet_NaN();
    return (flags_ & kPlusInf) != 0 ? std::numeric_limits<double>::infinity()
                                    : -std::numeric_limits<double>::infinity();
  }
  std::int64_t chunks[kChunks];
  std::memcpy(chunks, chunks_, sizeof chunks);
  normalize(chunks);
  const bool negative = chunks[kTop] < 0;
  if (negative) {
    for (std::int64_t& chunk : chunks) chunk = -chunk;
    normalize(chunks);
  }
  const double magnitude = round_magnitude(chunks);
  return negative ? -magnitude : magnitude;
}

bool ExactSum::finite_zero() const noexcept {
  std::int64_t chunks[kChunks];
  std::memcpy(chunks, chunks_, sizeof chunks);
  normalize(chunks);
  for (const std::int64_t chunk : chunks)
    if (chunk != 0) return false;
  return true;
}

namespace {

// The non-zero span [first, last) of normalized chunks (first == last: zero).
void span_of(const std::int64_t* chunks, int& first, int& last) noexcept {
  first = 0;
  last = ExactSum::kChunks;
  while (last > 0 && chunks[last - 1] == 0) --last;
  while (first < last && chunks[first] == 0) ++first;
}

}  // namespace

std::size_t ExactSum::state_size() const noexcept {
  std::int64_t chunks[kChunks];
  std::memcpy(chunks, chunks_, sizeof chunks);
  normalize(chunks);
  int first = 0, last = 0;
  span_of(chunks, first, last);
  return 3 + static_cast<std::size_t>(last - first) * sizeof(std::int64_t);
}

std::byte* ExactSum::write(std::byte* out) const noexcept {
  std::int64_t chunks[kChunks];
  std::memcpy(chunks, chunks_, sizeof chunks);
  normalize(chunks);
  int first = 0, last = 0;
  span_of(chunks, first, last);
  out[0] = static_cast<std::byte>(flags_);
  out[1] = static_cast<std::byte>(first);
  out[2] = static_cast<std::byte>(last - first);
  const auto bytes = static_cast<std::size_t>(last - first) * sizeof(std::int64_t);
  std::memcpy(out + 3, chunks + first, bytes);
  return out + 3 + bytes;
}

const std::byte* ExactSum::read_merge(const std::byte* in) noexcept {
  flags_ |= static_cast<std::uint8_t>(in[0]);
  const auto first = static_cast<int>(in[1]);
  const auto count = static_cast<int>(in[2]);
  carry();
  std::int64_t chunk = 0;
  for (int idx = 0; idx < count; ++idx) {
    std::memcpy(&chunk, in + 3 + static_cast<std::size_t>(idx) * sizeof(std::int64_t), sizeof chunk);
    chunks_[first + idx] += chunk;
  }
  carry();
  return in + 3 + static_cast<std::size_t>(count) * sizeof(std::int64_t);
}

std::size_t expand(const ExactSum& sum, double* terms, std::size_t capacity) noexcept {
  ExactSum rest = sum;
  std::size_t count = 0;
  while (count < capacity) {
    const double term = rest.round();
    if (!std::isfinite(term)) {
      terms[0] = term;
      return 1;
    }
    if (term == 0.0) break;
    terms[count++] = term;
    rest.add(-term);  // exact: the remainder is held exactly
  }
  return count;
}

double exact_variance(const ExactSum& s1, const ExactSum& s2, std::uint64_t count,
                      int ddof) noexcept {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  const double dof = static_cast<double>(count) - ddof;
  if (count == 0 || dof <= 0) return kNaN;
  // An infinite or NaN value: NaN, as numpy (inf - mean is inf - inf). Finite values whose
  // squares overflow: inf (documented: the exact numerator needs the squares).
  if (s1.has_special()) return kNaN;
  if (s2.has_special()) return std::numeric_limits<double>::infinity();
  constexpr std::size_t kTerms = 48;
  double sums[kTerms], squares[kTerms];
  const std::size_t sum_terms = expand(s1, sums, kTerms);
  const std::size_t square_terms = expand(s2, squares, kTerms);
  // n * s2 - s1^2, exact (up to products that underflow), then one rounding.
  const double n = static_cast<double>(count);
  ExactSum numerator;
  for (std::size_t idx = 0; idx < square_terms; ++idx) numerator.add_product(n, squares[idx]);
  for (std::size_t left = 0; left < sum_terms; ++left)
    for (std::size_t right = 0; right < sum_terms; ++right)
      numerator.add_product(-sums[left], sums[right]);
  const double value = numerator.round();
  if (!std::isfinite(value)) return value;
  return std::max(value, 0.0) / (n * dof);
}

}  // namespace rankflow
