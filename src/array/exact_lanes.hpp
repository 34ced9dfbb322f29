// Exact float sums eight values at a time: the vector path of the float reductions.
//
// ExactSum::add is a dozen scalar instructions and a store to the accumulator; a reduction that
// calls it for every value and twice more for its square (W4: mean and std of 16 columns) ran
// 9x slower than the plain vectorized sum it replaced. Here a block of rows is summed exactly
// in vector registers with error-free transformations, and only a few doubles per lane reach
// the ExactSum at the end of the block.
//
// The transformation (Rump, Ogita and Oishi's ExtractScalar; Demmel and Nguyen's deposit): an
// accumulator S starts at 1.5 * 2^k, and a value v is deposited as
//
//   S' = fl(S + v),   q = S' - S,   r = v - q
//
// While S stays in [2^k, 2^(k+1)), q is v rounded to a multiple of ulp(S) = 2^(k-52) and both
// subtractions are exact, so S - 1.5 * 2^k is the exact sum of the q's and r the exact rest of
// v (|r| <= 2^(k-53)). With at most 2^11 deposits of |v| <= 2^b, k = b + 13 keeps S in its
// binade. The rest goes to the next level, whose bound is that ulp: each level holds 40 bits.
//
//   sums:     v -> L1 (k = e + 13) -> L2 (e - 27)           (e: the lane's |v| < 2^e)
//   squares:  p = fl(v v) -> P1 (2e + 13) -> P2 (2e - 27) -> P3 (2e - 67)
//             err = fma(v, v, -p)        -> P2 -> P3 -> P4 (2e - 107)
//
// The squares enter as p and err, the same two doubles as ExactSum::add_product, so a block
// summed here and one summed value by value hold the same exact sums. A first pass over the
// block finds each lane's largest and smallest non-zero magnitude: when the smallest is below
// 2^(e-27) its last bits would fall below the last level, and the block is refused (its caller
// adds it value by value), as it is when a lane holds an infinity or a value too large for the
// levels. Normal data rarely triggers either: it takes a non-zero value 2^27 times smaller
// than the largest of its lane in a block of 256 rows.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

#include "lanes.hpp"

namespace rankflow::array::detail {

inline constexpr std::size_t kExactBlockRows = 256;
inline constexpr int kSumLevels = 2;
inline constexpr int kSquareLevels = 4;

// What a block adds to each lane: its exact sums as level totals (exact doubles), its NaN
// count, its min and max (NaN skipped).
struct LaneBlock {
  double sums[kSumLevels][kLanes];
  double squares[kSquareLevels][kLanes];
  std::int64_t nans[kLanes];
  double min[kLanes];
  double max[kLanes];
};

namespace exact_lanes {

// The starting value of an accumulator of anchor exponent k, 1.5 * 2^k (normal range), from
// its bits: the setup of a block is a few integer operations per lane, no libm call.
inline double anchor(int k) {
  const std::uint64_t bits = (static_cast<std::uint64_t>(k + 1023) << 52) | (std::uint64_t{1} << 51);
  double value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// The biased exponent of a magnitude's bits (0 for zero and subnormals, 2047 for inf/NaN).
inline int biased_exponent(std::uint64_t magnitude_bits) {
  return static_cast<int>(magnitude_bits >> 52);
}

// The exponents e with |v| < 2^e for every value of a lane, from the bits of its largest
// magnitude (a normal value of biased exponent E is below 2^(E - 1022)), at least smallest_e.
// False when a lane holds an infinity or a value at or above 2^largest_e, or a non-zero value
// below 2^(e - 27) (`smallest`: the smallest non-zero magnitude's bits, 0 for none; null: not
// checked).
inline bool bounds(const std::uint64_t* largest, const std::uint64_t* smallest, int smallest_e,
                   int largest_e, int* exponents) {
  for (std::size_t lane = 0; lane < kLanes; ++lane) {
    const int e = std::max(biased_exponent(largest[lane]) - 1022, smallest_e);
    if (e > largest_e) return false;  // also inf and NaN (2047)
    if (smallest != nullptr && smallest[lane] != 0 &&
        biased_exponent(smallest[lane]) - 1023 < e - 27)
      return false;
    exponents[lane] = e;
  }
  return true;
}

inline void set_anchors(const int* exponents, int scale, int offset, Lanes& out) {
  double anchors[kLanes];
  for (std::size_t lane = 0; lane < kLanes; ++lane)
    anchors[lane] = anchor(scale * exponents[lane] + offset);
  std::memcpy(&out, anchors, sizeof anchors);
}

// a * b + c lane by lane, one rounding (vfmadd where the clone has FMA).
__attribute__((always_inline)) inline void fma_lanes(const Lanes& a, const Lanes& b, const Lanes& c,
                                                     Lanes& out) {
  Lanes result;  // (not `out` directly: when it is also an input, GCC goes lane by lane)
  for (std::size_t lane = 0; lane < kLanes; ++lane)
    result[lane] = __builtin_fma(a[lane], b[lane], c[lane]);
  out = result;
}

// One deposit: `value` into `level`, its rest into `rest` (vectors by reference: see lanes.hpp).
// The exact subtraction total - level is written as fma(total, one, -level), the same value,
// so that it runs on the multiply units beside the adders: the deposits are bound by the
// adders' throughput, and this moves a third of their work. `one` is 1.0 in every lane, kept
// opaque to the compiler so that it does not turn the fma back into a subtraction.
__attribute__((always_inline)) inline void deposit(Lanes& level, const Lanes& value,
                                                   const Lanes& one, Lanes& rest) {
  const Lanes total = level + value;
  Lanes kept;
  fma_lanes(total, one, -level, kept);
  level = total;
  rest = value - kept;
}

// level += value on the multiply units: fma(value, one, level), the same rounding.
__attribute__((always_inline)) inline void add_on_multipliers(Lanes& level, const Lanes& value,
                                                              const Lanes& one) {
  fma_lanes(value, one, level, level);
}

}  // namespace exact_lanes

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    !defined(RANKFLOW_NO_MULTIVERSION)
// The fused multiply-add of the squares needs FMA: x86-64-v3 (AVX2 + FMA) and v4 (AVX-512).
#define RANKFLOW_FMA_LOOP \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define RANKFLOW_FMA_LOOP
#endif

// The rows [0, rows) of eight lanes, lane j of row r at data[r * stride + j], rows <=
// kExactBlockRows. True with `out` filled; false (out undefined) when the block must be added
// value by value (see above). No state outside `out` is touched.
//
// kCheckRests: instead of refusing a block whose magnitudes span more than 2^27, deposit the
// last levels in full and refuse it only when a last rest is not zero: slower (three more
// deposits), but it takes values whose low bits are zero, such as integers from 1 to 10^12.
// reduce_lanes tries it on a block the first pass refused for its span.
template <typename T, bool kMinMax, bool kSquares, bool kCheckRests = false>
RANKFLOW_FMA_LOOP bool exact_block(const T* __restrict data, std::size_t rows, std::size_t stride,
                                   LaneBlock& out) {
  using exact_lanes::add_on_multipliers;
  using exact_lanes::deposit;
  using exact_lanes::fma_lanes;
  const LaneMask magnitude_bits = LaneMask{} + std::numeric_limits<std::int64_t>::max();
  // Pass 1: per lane the largest and the smallest non-zero magnitude (NaN compares false:
  // skipped), NaNs, min and max.
  const Lanes infinity = Lanes{} + std::numeric_limits<double>::infinity();
  Lanes largest = {};
  // The smallest non-zero magnitude as bits minus one: the magnitudes of doubles order as
  // their bits do, and 0 - 1 wraps to the largest (so zeros never count; nor NaN, whose bits
  // pass those of infinity). Integer lanes: GCC kept a double version lane by lane.
  using LaneBits = std::uint64_t __attribute__((vector_size(kLanes * sizeof(std::uint64_t))));
  LaneBits smallest = LaneBits{} - 1;
  LaneMask nans = {};
  Lanes low = infinity;
  Lanes high = -infinity;
  Lanes value;
  for (std::size_t row = 0; row < rows; ++row) {
    load_lanes(value, data + row * stride);
    nans -= value != value;  // a true comparison is -1
    const Lanes size = (Lanes)((LaneMask)value & magnitude_bits);
    largest = size > largest ? size : largest;
    const LaneBits below = (LaneBits)size - 1;
    smallest = below < smallest ? below : smallest;
    if constexpr (kMinMax) {
      low = value < low ? value : low;
      high = value > high ? value : high;
    }
  }
  // The levels: e bounds the lane's values; the squares' need 2e + 13 <= 1023 and
  // 2e - 107 >= -1022, the sums' e + 13 <= 1023 and e - 27 >= -1022. Every bit of a value of
  // at least 2^(e-27) lands in a level (its last bit is 2^(e-79) or more, the last level's
  // ulp; its square's, 2^(2e-158) or more, P4's ulp 2^(2e-159)): a smaller one refuses the block.
  // (Vectors are copied out before they are read lane by lane: one indexed in place is kept
  // in memory, in the loop too.)
  std::uint64_t largest_of[kLanes], smallest_of[kLanes];
  std::memcpy(largest_of, &largest, sizeof largest_of);
  std::memcpy(smallest_of, &smallest, sizeof smallest_of);
  for (std::uint64_t& bits : smallest_of) ++bits;  // back from bits minus one (0: none)
  std::memcpy(out.nans, &nans, sizeof out.nans);
  std::memcpy(out.min, &low, sizeof out.min);
  std::memcpy(out.max, &high, sizeof out.max);
  int exponents[kLanes];
  if (!exact_lanes::bounds(largest_of, kCheckRests ? nullptr : smallest_of,
                           kSquares ? -457 : -995, kSquares ? 505 : 1010, exponents))
    return false;
  Lanes sum_start[kSumLevels], square_start[kSquareLevels];
  for (int level = 0; level < kSumLevels; ++level)
    exact_lanes::set_anchors(exponents, 1, 13 - 40 * level, sum_start[level]);
  if constexpr (kSquares)
    for (int level = 0; level < kSquareLevels; ++level)
      exact_lanes::set_anchors(exponents, 2, 13 - 40 * level, square_start[level]);
  Lanes sums[kSumLevels], squares[kSquareLevels];
  for (int level = 0; level < kSumLevels; ++level) sums[level] = sum_start[level];
  if constexpr (kSquares)
    for (int level = 0; level < kSquareLevels; ++level) squares[level] = square_start[level];

  // Pass 2: the deposits (the last level of each stream only adds: its rest is zero).
  bool any_nan = false;
  for (std::size_t lane = 0; lane < kLanes; ++lane) any_nan = any_nan || out.nans[lane] != 0;
  volatile double opaque_one = 1.0;  // read once per block: see deposit()
  const Lanes one = Lanes{} + opaque_one;
  LaneMask left = {};  // kCheckRests: the bits of every last rest
  for (std::size_t row = 0; row < rows; ++row) {
    load_lanes(value, data + row * stride);
    if (any_nan) value = (Lanes)((LaneMask)value & (value == value));  // NaN -> 0
    Lanes rest, last;
    deposit(sums[0], value, one, rest);
    if constexpr (kCheckRests) {
      deposit(sums[1], rest, one, last);
      left |= (LaneMask)last;
    } else if constexpr (kSquares) {
      add_on_multipliers(sums[1], rest, one);
    } else {
      sums[1] += rest;
    }
    if constexpr (kSquares) {
      const Lanes product = value * value;
      Lanes error;
      fma_lanes(value, value, -product, error);
      Lanes product_rest, error_rest;
      deposit(squares[0], product, one, rest);
      deposit(squares[1], rest, one, product_rest);
      deposit(squares[1], error, one, rest);
      deposit(squares[2], rest, one, error_rest);
      if constexpr (kCheckRests) {
        deposit(squares[2], product_rest, one, last);
        left |= (LaneMask)last;
        deposit(squares[3], error_rest, one, last);
        left |= (LaneMask)last;
      } else {
        squares[2] += product_rest;
        add_on_multipliers(squares[3], error_rest, one);
      }
    }
  }
  if constexpr (kCheckRests) {
    std::int64_t rests[kLanes];
    left &= magnitude_bits;  // a rest of -0.0 is zero
    std::memcpy(rests, &left, sizeof rests);
    for (const std::int64_t bits : rests)
      if (bits != 0) return false;
  }

  // The level totals, exact: S and its start lie in one binade (Sterbenz).
  for (int level = 0; level < kSumLevels; ++level) {
    const Lanes total = sums[level] - sum_start[level];
    std::memcpy(out.sums[level], &total, sizeof out.sums[level]);
  }
  if constexpr (kSquares)
    for (int level = 0; level < kSquareLevels; ++level) {
      const Lanes total = squares[level] - square_start[level];
      std::memcpy(out.squares[level], &total, sizeof out.squares[level]);
    }
  return true;
}

}  // namespace rankflow::array::detail
