// Partial states of reductions and the kernels that fill them (private to ops/).
//
// One state per output cell, every sum exact, so that no result depends on how the rows were
// split into tiles, blocks and ranks, or on the order of the merges:
//   FloatCell  count, nans, min, max, ExactSum of the values, ExactSum of their squares
//   IntCell    count, exact int128 sum, min, max, ExactSum of the squares
// A float square enters as two doubles (the product and its rounding error, ExactSum::
// add_product); an integer square exactly, in 32-bit halves. Two states merge by adding their
// sums and counts; sum is the sum rounded once, mean that sum over n, var and std come from
// exact_variance (n s2 - s1^2 exactly, exact_sum.hpp). A cell is about 1.1 KB: reductions
// along axis 0 have one per column, row-local ones one at a time.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "rankflow/core/exact_sum.hpp"

namespace rankflow::array::detail {

__extension__ using int128 = __int128;  // GCC/Clang; exact integer sums
__extension__ using uint128 = unsigned __int128;

inline constexpr int128 kInt128Max = static_cast<int128>(~static_cast<uint128>(0) >> 1);
inline constexpr int128 kInt128Min = -kInt128Max - 1;

// Bit position of 2^0 in an ExactSum (its unit is 2^-1074).
inline constexpr int kUnitPosition = 1074;

struct FloatCell {
  std::uint64_t count = 0;  // values used (NaN excluded)
  std::uint64_t nans = 0;   // NaN values met
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  ExactSum sum;
  ExactSum squares;
};

struct IntCell {
  std::uint64_t count = 0;
  std::uint64_t nans = 0;  // always 0: integers have no NaN (kept for a uniform interface)
  int128 sum = 0;
  int128 min = kInt128Max;
  int128 max = kInt128Min;
  ExactSum squares;
};

template <typename T>
using CellOf = std::conditional_t<std::is_floating_point_v<T>, FloatCell, IntCell>;

// Neumaier's compensated addition: (sum, comp) += value (row-local centering, center.cpp).
inline void add_compensated(double value, double& sum, double& comp) {
  const double total = sum + value;
  if (std::fabs(sum) >= std::fabs(value))
    comp += (sum - total) + value;
  else
    comp += (value - total) + sum;
  sum = total;
}

inline void merge_cells(const FloatCell& in, FloatCell& inout) {
  inout.count += in.count;
  inout.nans += in.nans;
  inout.min = std::min(inout.min, in.min);
  inout.max = std::max(inout.max, in.max);
  inout.sum.merge(in.sum);
  inout.squares.merge(in.squares);
}

inline void merge_cells(const IntCell& in, IntCell& inout) {
  inout.count += in.count;
  inout.sum += in.sum;
  inout.min = std::min(inout.min, in.min);
  inout.max = std::max(inout.max, in.max);
  inout.squares.merge(in.squares);
}

// The exact square of an integer, added in 32-bit halves (a uint64's square passes 2^127).
template <typename T>
inline void add_int_square(T value, ExactSum& squares) {
  if constexpr (sizeof(T) < 8) {
    const auto wide = static_cast<std::int64_t>(value);
    squares.add_int128(static_cast<int128>(wide) * wide, kUnitPosition);
  } else {
    const std::uint64_t magnitude =
        value < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(value)
                  : static_cast<std::uint64_t>(value);
    const std::uint64_t high = magnitude >> 32, low = magnitude & 0xffffffffu;
    squares.add_int128(static_cast<int128>(high * high), kUnitPosition + 64);
    squares.add_int128(static_cast<int128>(2) * static_cast<int128>(high * low),
                       kUnitPosition + 32);
    squares.add_int128(static_cast<int128>(low * low), kUnitPosition);
  }
}

// The exact sum of an integer cell as an ExactSum (for exact_variance).
inline ExactSum exact_of(int128 sum) {
  ExactSum exact;
  exact.add_int128(sum, kUnitPosition);
  return exact;
}

// Per-tile scratch of the integer kernels: one slot per cell, reused tile after tile.
struct TileScratch {
  std::vector<double> low, high;
  std::vector<std::int64_t> small_sum;  // integers narrower than 64 bits
  std::vector<int128> small_squares, wide_sum, wide_low, wide_high;
  void resize(std::size_t cells) {
    for (auto* column : {&low, &high}) column->resize(cells);
    small_sum.resize(cells);
    for (auto* column : {&small_squares, &wide_sum, &wide_low, &wide_high}) column->resize(cells);
  }
};

// Rows per tile: a tile of about kTileBytes stays in cache while its cells are folded in.
inline constexpr std::size_t kTileBytes = std::size_t{256} << 10;

inline std::size_t tile_rows(std::size_t row_bytes) {
  return std::max<std::size_t>(1, kTileBytes / std::max<std::size_t>(1, row_bytes));
}

template <typename T>
void reset(T* values, std::size_t count, T value) {
  std::fill_n(values, count, value);
}

// The hot loops below are compiled three times on x86-64 (AVX-512, AVX2 and the baseline) and
// the best one for the machine is picked when the program loads (GCC function multiversioning):
// one portable binary that still uses the machine's vector width. __restrict tells the
// compiler the scratch arrays do not alias, which it needs to vectorize the loops at all
// (without it W4 ran scalar, with a branch per NaN test: 2.3 ns per value instead of 0.2).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    !defined(RANKFLOW_NO_MULTIVERSION)
#define RANKFLOW_HOT_LOOP __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define RANKFLOW_HOT_LOOP
#endif

// Cells are processed in groups of kLanes (one AVX-512 vector of doubles) whose accumulators
// stay in registers for the whole tile, rows being the inner loop. (Looping over every cell of
// every row instead reloads and stores the accumulators once per row.) The groups are written
// with GCC vector extensions: the NaN test becomes a lane mask instead of a branch, which the
// vectorizer would not do on its own. Cells past the last whole group use the plain loop.
inline constexpr std::size_t kLanes = 8;
using Lanes = double __attribute__((vector_size(kLanes * sizeof(double))));
using LaneMask = std::int64_t __attribute__((vector_size(kLanes * sizeof(std::int64_t))));

// Vectors travel by reference: a function taking or returning a 512-bit vector by value has a
// different ABI with and without AVX-512 (and GCC warns about it).
template <typename T>
__attribute__((always_inline)) inline void load_lanes(Lanes& target, const T* values) {
  if constexpr (std::is_same_v<T, double>) {
    std::memcpy(&target, values, sizeof(Lanes));
  } else {
    double converted[kLanes];
    for (std::size_t lane = 0; lane < kLanes; ++lane)
      converted[lane] = static_cast<double>(values[lane]);
    std::memcpy(&target, converted, sizeof(Lanes));
  }
}

// The sum of the lanes, as a tree of shuffles (3 adds instead of 7 lane extractions).
__attribute__((always_inline)) inline double sum_lanes(const Lanes& lanes) {
#if defined(__clang__)
  // clang (the fuzz preset) has __builtin_shufflevector with constant indices instead.
  Lanes sum = lanes + __builtin_shufflevector(lanes, lanes, 4, 5, 6, 7, 0, 1, 2, 3);
  sum += __builtin_shufflevector(sum, sum, 2, 3, 0, 1, 6, 7, 4, 5);
  sum += __builtin_shufflevector(sum, sum, 1, 0, 3, 2, 5, 4, 7, 6);
#else
  using Index = std::int64_t __attribute__((vector_size(kLanes * sizeof(std::int64_t))));
  const Index half = {4, 5, 6, 7, 0, 1, 2, 3};
  const Index quarter = {2, 3, 0, 1, 6, 7, 4, 5};
  const Index eighth = {1, 0, 3, 2, 5, 4, 7, 6};
  Lanes sum = lanes + __builtin_shuffle(lanes, half);
  sum += __builtin_shuffle(sum, quarter);
  sum += __builtin_shuffle(sum, eighth);
#endif
  return sum[0];
}

// A tile of floats: each value into its cell's exact sums (and its square, when var or std
// is asked for), NaN counted apart, min/max skipping NaN.
template <typename T, bool kMinMax, bool kSquares>
void reduce_float_tile(const T* data, std::size_t rows, std::size_t cells, FloatCell* states) {
  for (std::size_t row = 0; row < rows; ++row) {
    const T* values = data + row * cells;
    for (std::size_t cell = 0; cell < cells; ++cell) {
      const double value = static_cast<double>(values[cell]);
      FloatCell& state = states[cell];
      if (value != value) {
        ++state.nans;
        continue;
      }
      ++state.count;
      state.sum.add(value);
      if constexpr (kSquares) state.squares.add_product(value, value);
      if constexpr (kMinMax) {
        state.min = value < state.min ? value : state.min;
        state.max = value > state.max ? value : state.max;
      }
    }
  }
}

// Pass over integers narrower than 64 bits: exact 64-bit sums and 128-bit sums of squares (a
// tile's cannot overflow them), min/max as doubles (exact for these types).
template <typename T, bool kMinMax, bool kSquares>
RANKFLOW_HOT_LOOP void narrow_int_pass(const T* __restrict data, std::size_t rows,
                                       std::size_t cells, std::int64_t* __restrict sum,
                                       int128* __restrict squares, double* __restrict low,
                                       double* __restrict high) {
  for (std::size_t row = 0; row < rows; ++row) {
    const T* __restrict values = data + row * cells;
    for (std::size_t cell = 0; cell < cells; ++cell) {
      const auto value = static_cast<std::int64_t>(values[cell]);
      sum[cell] += value;
      if constexpr (kSquares) squares[cell] += static_cast<int128>(value) * value;
      if constexpr (kMinMax) {
        const auto as_double = static_cast<double>(values[cell]);
        low[cell] = as_double < low[cell] ? as_double : low[cell];
        high[cell] = as_double > high[cell] ? as_double : high[cell];
      }
    }
  }
}

// A tile of integers: exact sums (64-bit accumulators for narrower types, 128-bit for 64-bit
// types), exact squares, exact min/max.
template <typename T, bool kMinMax, bool kSquares>
void reduce_int_tile(const T* data, std::size_t rows, std::size_t cells, TileScratch& scratch,
                     IntCell* states) {
  if constexpr (sizeof(T) < 8) {
    std::int64_t* sum = scratch.small_sum.data();
    int128* squares = scratch.small_squares.data();
    double* low = scratch.low.data();
    double* high = scratch.high.data();
    reset<std::int64_t>(sum, cells, 0);
    reset<int128>(squares, cells, 0);
    reset(low, cells, std::numeric_limits<double>::infinity());
    reset(high, cells, -std::numeric_limits<double>::infinity());
    narrow_int_pass<T, kMinMax, kSquares>(data, rows, cells, sum, squares, low, high);
    for (std::size_t cell = 0; cell < cells; ++cell) {
      IntCell& state = states[cell];
      state.count += rows;
      state.sum += sum[cell];
      if constexpr (kSquares) state.squares.add_int128(squares[cell], kUnitPosition);
      if constexpr (kMinMax) {  // (without min/max the bounds are infinite: no conversion)
        state.min = std::min(state.min, static_cast<int128>(low[cell]));
        state.max = std::max(state.max, static_cast<int128>(high[cell]));
      }
    }
  } else {
    for (std::size_t row = 0; row < rows; ++row) {
      const T* values = data + row * cells;
      for (std::size_t cell = 0; cell < cells; ++cell) {
        IntCell& state = states[cell];
        const int128 value = values[cell];
        state.sum += value;
        if constexpr (kSquares) add_int_square(values[cell], state.squares);
        if constexpr (kMinMax) {
          state.min = value < state.min ? value : state.min;
          state.max = value > state.max ? value : state.max;
        }
      }
    }
    for (std::size_t cell = 0; cell < cells; ++cell) states[cell].count += rows;
  }
}

template <typename T, bool kMinMax, bool kSquares>
void reduce_tile(const T* data, std::size_t rows, std::size_t cells, TileScratch& scratch,
                 CellOf<T>* states) {
  if constexpr (std::is_floating_point_v<T>)
    reduce_float_tile<T, kMinMax, kSquares>(data, rows, cells, states);
  else
    reduce_int_tile<T, kMinMax, kSquares>(data, rows, cells, scratch, states);
}

// One output cell of a row-local reduction: `count` values at `data`, `stride` apart.
template <typename T>
void reduce_strided(const T* data, std::size_t count, std::size_t stride, CellOf<T>& cell) {
  cell = CellOf<T>{};
  for (std::size_t idx = 0; idx < count; ++idx) {
    if constexpr (std::is_floating_point_v<T>) {
      const double value = static_cast<double>(data[idx * stride]);
      if (value != value) {
        ++cell.nans;
        continue;
      }
      ++cell.count;
      cell.sum.add(value);
      cell.squares.add_product(value, value);
      cell.min = std::min(cell.min, value);
      cell.max = std::max(cell.max, value);
    } else {
      const int128 value = data[idx * stride];
      ++cell.count;
      cell.sum += value;
      add_int_square(data[idx * stride], cell.squares);
      cell.min = std::min(cell.min, value);
      cell.max = std::max(cell.max, value);
    }
  }
}

}  // namespace rankflow::array::detail
