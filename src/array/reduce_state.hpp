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

#include "exact_lanes.hpp"
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

// One float value into its cell: exact sums (and the square, when var or std is asked for),
// NaN counted apart, min/max skipping NaN.
template <bool kMinMax, bool kSquares>
inline void add_float(double value, FloatCell& state) {
  if (value != value) {
    ++state.nans;
    return;
  }
  ++state.count;
  state.sum.add(value);
  if constexpr (kSquares) state.squares.add_product(value, value);
  if constexpr (kMinMax) {
    state.min = value < state.min ? value : state.min;
    state.max = value > state.max ? value : state.max;
  }
}

// `rows` rows of eight lanes (lane j of row r at data[r * stride + j]) into the cells of the
// lanes, lane j into states[j % lane_cells]: block by block through exact_block, value by value
// where it refuses a block. Either way a cell gets the same exact sums.
template <typename T, bool kMinMax, bool kSquares>
void reduce_lanes(const T* data, std::size_t rows, std::size_t stride, std::size_t lane_cells,
                  FloatCell* states) {
  LaneBlock block;
  for (std::size_t first = 0; first < rows; first += kExactBlockRows) {
    const std::size_t count = std::min(kExactBlockRows, rows - first);
    const T* values = data + first * stride;
    if (!exact_block<T, kMinMax, kSquares>(values, count, stride, block) &&
        !exact_block<T, kMinMax, kSquares, true>(values, count, stride, block)) {
      for (std::size_t row = 0; row < count; ++row)
        for (std::size_t lane = 0; lane < kLanes; ++lane)
          add_float<kMinMax, kSquares>(static_cast<double>(values[row * stride + lane]),
                                       states[lane % lane_cells]);
      continue;
    }
    for (std::size_t lane = 0; lane < kLanes; ++lane) {
      FloatCell& state = states[lane % lane_cells];
      state.nans += static_cast<std::uint64_t>(block.nans[lane]);
      state.count += count - static_cast<std::uint64_t>(block.nans[lane]);
      for (int level = 0; level < kSumLevels; ++level) state.sum.add(block.sums[level][lane]);
      if constexpr (kSquares)
        for (int level = 0; level < kSquareLevels; ++level)
          state.squares.add(block.squares[level][lane]);
      if constexpr (kMinMax) {
        state.min = block.min[lane] < state.min ? block.min[lane] : state.min;
        state.max = block.max[lane] > state.max ? block.max[lane] : state.max;
      }
    }
  }
}

// A tile of floats, `rows` rows of `cells` values. Eight cells at a time go through the vector
// path (reduce_lanes); with 1, 2 or 4 cells eight consecutive values do (a lane keeps its
// cell); other cells value by value.
template <typename T, bool kMinMax, bool kSquares>
void reduce_float_tile(const T* data, std::size_t rows, std::size_t cells, FloatCell* states) {
  if (rows == 0) return;  // (data may be null then)
  if (cells >= kLanes) {
    const std::size_t grouped = cells - cells % kLanes;
    for (std::size_t group = 0; group < grouped; group += kLanes)
      reduce_lanes<T, kMinMax, kSquares>(data + group, rows, cells, kLanes, states + group);
    for (std::size_t row = 0; grouped < cells && row < rows; ++row)
      for (std::size_t cell = grouped; cell < cells; ++cell)
        add_float<kMinMax, kSquares>(static_cast<double>(data[row * cells + cell]), states[cell]);
    return;
  }
  std::size_t first_row = 0;  // rows before it went through the vector path
  if (kLanes % cells == 0) {
    const std::size_t vector_rows = rows * cells / kLanes;
    reduce_lanes<T, kMinMax, kSquares>(data, vector_rows, kLanes, cells, states);
    first_row = vector_rows * kLanes / cells;  // whole rows: kLanes is a multiple of cells
  }
  for (std::size_t row = first_row; row < rows; ++row)
    for (std::size_t cell = 0; cell < cells; ++cell)
      add_float<kMinMax, kSquares>(static_cast<double>(data[row * cells + cell]), states[cell]);
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
