// Partial states of reductions and the kernels that fill them (private to ops/).
//
// One state per output cell:
//   FloatCell  count, nans, shift, mean, M2, compensated sum (sum + comp), min, max   72 bytes
//   IntCell    count, shift, mean, M2, exact sum, min, max (128-bit integers)        96 bytes
// Two states merge with Chan et al.'s pairwise update:
//   n = na + nb;  d = mean_b - mean_a;  mean = mean_a + d*nb/n;  M2 = M2a + M2b + d*d*na*nb/n
// which is stable where a sum of squares cancels catastrophically.
//
// `mean` is kept relative to `shift`, a value of the data itself (the first value a rank sees
// for the cell): with values 1e9 + O(10), means of 1e9 carry absolute errors of 1e-7 that the
// d*d term above would turn into relative errors of 1e-10 in M2; relative to the shift the
// means are O(10) and d = (shift_b - shift_a) + (mean_b - mean_a) stays accurate.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

namespace rankflow::ops::detail {

__extension__ using int128 = __int128;  // GCC/Clang; exact integer sums
__extension__ using uint128 = unsigned __int128;

inline constexpr int128 kInt128Max = static_cast<int128>(~static_cast<uint128>(0) >> 1);
inline constexpr int128 kInt128Min = -kInt128Max - 1;

struct FloatCell {
  std::uint64_t count = 0;  // values used (NaN excluded)
  std::uint64_t nans = 0;   // NaN values met
  double shift = 0;         // mean is relative to it
  double mean = 0;
  double m2 = 0;
  double sum = 0;   // Neumaier-compensated: the sum is sum + comp
  double comp = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
};

struct IntCell {
  std::uint64_t count = 0;
  std::uint64_t nans = 0;  // always 0: integers have no NaN (kept for a uniform interface)
  double shift = 0;        // an integral value: mean is relative to it
  double mean = 0;
  double m2 = 0;
  int128 sum = 0;
  int128 min = kInt128Max;
  int128 max = kInt128Min;
};

template <typename T>
using CellOf = std::conditional_t<std::is_floating_point_v<T>, FloatCell, IntCell>;

// Merges the moments of cell `in` into `inout` (shift and relative mean, see above).
template <typename Cell>
void merge_moments(const Cell& in, Cell& inout) {
  if (in.count == 0) return;
  if (inout.count == 0) {
    inout.count = in.count;
    inout.shift = in.shift;
    inout.mean = in.mean;
    inout.m2 = in.m2;
    return;
  }
  const double count_a = static_cast<double>(inout.count);
  const double count_b = static_cast<double>(in.count);
  const double total = count_a + count_b;
  const double delta = (in.shift - inout.shift) + (in.mean - inout.mean);
  inout.mean += delta * (count_b / total);
  inout.m2 += in.m2 + delta * delta * (count_a * count_b / total);
  inout.count += in.count;
}

// Neumaier's compensated addition: (sum, comp) += value.
inline void add_compensated(double value, double& sum, double& comp) {
  const double total = sum + value;
  if (std::fabs(sum) >= std::fabs(value))
    comp += (sum - total) + value;
  else
    comp += (value - total) + sum;
  sum = total;
}

inline void merge_cells(const FloatCell& in, FloatCell& inout) {
  merge_moments(in, inout);
  add_compensated(in.sum, inout.sum, inout.comp);
  inout.comp += in.comp;
  inout.nans += in.nans;
  inout.min = std::min(inout.min, in.min);
  inout.max = std::max(inout.max, in.max);
}

inline void merge_cells(const IntCell& in, IntCell& inout) {
  merge_moments(in, inout);
  inout.sum += in.sum;
  inout.min = std::min(inout.min, in.min);
  inout.max = std::max(inout.max, in.max);
}

// MPI user operators need plain function pointers.
inline void merge_float_cells(const FloatCell& in, FloatCell& inout) { merge_cells(in, inout); }
inline void merge_int_cells(const IntCell& in, IntCell& inout) { merge_cells(in, inout); }

// Per-tile scratch for the accumulating kernel: one slot per cell, reused tile after tile.
struct TileScratch {
  std::vector<double> count, shift, sum, mean, low, high, m2;
  std::vector<std::int64_t> small_sum;                // integers narrower than 64 bits
  std::vector<int128> wide_sum, wide_low, wide_high;  // 64-bit integers
  void resize(std::size_t cells) {
    for (auto* column : {&count, &shift, &sum, &mean, &low, &high, &m2}) column->resize(cells);
    small_sum.resize(cells);
    for (auto* column : {&wide_sum, &wide_low, &wide_high}) column->resize(cells);
  }
};

// Rows per tile: a tile of about kTileBytes stays in L2 between the two passes.
inline constexpr std::size_t kTileBytes = std::size_t{256} << 10;

inline std::size_t tile_rows(std::size_t row_bytes) {
  return std::max<std::size_t>(1, kTileBytes / std::max<std::size_t>(1, row_bytes));
}

template <typename T>
void reset(T* values, std::size_t count, T value) {
  std::fill_n(values, count, value);
}

// The shift of each cell: the state's, or (for a cell with no values yet) the cell's first
// non-NaN value in this tile, stored in the state so that every later tile uses it too.
template <typename T, typename Cell>
void choose_shifts(const T* data, std::size_t rows, std::size_t cells, Cell* states, double* shift) {
  for (std::size_t cell = 0; cell < cells; ++cell) {
    if (states[cell].count == 0) {
      double chosen = 0;
      for (std::size_t row = 0; row < rows; ++row) {
        const double value = static_cast<double>(data[row * cells + cell]);
        if (value == value) {
          chosen = value;
          break;
        }
      }
      states[cell].shift = chosen;
    }
    shift[cell] = states[cell].shift;
  }
}

// Second pass: M2 of each cell around shift + mean (NaN skipped).
template <typename T>
void tile_m2(const T* data, std::size_t rows, std::size_t cells, const double* shift,
             const double* mean, double* m2) {
  reset(m2, cells, 0.0);
  for (std::size_t row = 0; row < rows; ++row) {
    const T* values = data + row * cells;
    for (std::size_t cell = 0; cell < cells; ++cell) {
      const double delta = (static_cast<double>(values[cell]) - shift[cell]) - mean[cell];
      if constexpr (std::is_floating_point_v<T>)
        m2[cell] += delta == delta ? delta * delta : 0.0;
      else
        m2[cell] += delta * delta;
    }
  }
}

// Reduces a tile of `rows` rows of `cells` floats over its rows and merges it into `states`.
template <typename T, bool kMinMax>
void reduce_float_tile(const T* data, std::size_t rows, std::size_t cells, TileScratch& scratch,
                       FloatCell* states) {
  double* count = scratch.count.data();
  double* shift = scratch.shift.data();
  double* sum = scratch.sum.data();
  double* mean = scratch.mean.data();
  double* low = scratch.low.data();
  double* high = scratch.high.data();
  choose_shifts(data, rows, cells, states, shift);
  reset(count, cells, 0.0);
  reset(sum, cells, 0.0);
  reset(low, cells, std::numeric_limits<double>::infinity());
  reset(high, cells, -std::numeric_limits<double>::infinity());
  for (std::size_t row = 0; row < rows; ++row) {
    const T* values = data + row * cells;
    for (std::size_t cell = 0; cell < cells; ++cell) {
      const double value = static_cast<double>(values[cell]);
      const bool valid = value == value;  // false for NaN
      count[cell] += valid ? 1.0 : 0.0;
      sum[cell] += valid ? value - shift[cell] : 0.0;
      if constexpr (kMinMax) {
        low[cell] = value < low[cell] ? value : low[cell];  // NaN compares false: skipped
        high[cell] = value > high[cell] ? value : high[cell];
      }
    }
  }
  for (std::size_t cell = 0; cell < cells; ++cell)
    mean[cell] = count[cell] > 0 ? sum[cell] / count[cell] : 0.0;
  tile_m2(data, rows, cells, shift, mean, scratch.m2.data());
  for (std::size_t cell = 0; cell < cells; ++cell) {
    FloatCell tile;
    tile.count = static_cast<std::uint64_t>(count[cell]);
    tile.nans = rows - tile.count;
    tile.shift = shift[cell];
    tile.mean = mean[cell];
    tile.m2 = scratch.m2[cell];
    tile.sum = sum[cell] + count[cell] * shift[cell];
    tile.min = low[cell];
    tile.max = high[cell];
    merge_cells(tile, states[cell]);
  }
}

// Exact sums of a tile of integers: 64-bit accumulators for narrower types (whose tile sums
// cannot overflow them), 128-bit for 64-bit types; exact min/max.
template <typename T, bool kMinMax>
void sum_int_tile(const T* data, std::size_t rows, std::size_t cells, TileScratch& scratch) {
  if constexpr (sizeof(T) < 8) {
    std::int64_t* sum = scratch.small_sum.data();
    double* low = scratch.low.data();  // exact: narrow integers fit a double
    double* high = scratch.high.data();
    reset<std::int64_t>(sum, cells, 0);
    reset(low, cells, std::numeric_limits<double>::infinity());
    reset(high, cells, -std::numeric_limits<double>::infinity());
    for (std::size_t row = 0; row < rows; ++row) {
      const T* values = data + row * cells;
      for (std::size_t cell = 0; cell < cells; ++cell) {
        sum[cell] += static_cast<std::int64_t>(values[cell]);
        if constexpr (kMinMax) {
          const double value = static_cast<double>(values[cell]);
          low[cell] = value < low[cell] ? value : low[cell];
          high[cell] = value > high[cell] ? value : high[cell];
        }
      }
    }
    for (std::size_t cell = 0; cell < cells; ++cell) {
      scratch.wide_sum[cell] = sum[cell];
      if constexpr (kMinMax) {  // (without min/max the bounds are infinite: no conversion)
        scratch.wide_low[cell] = static_cast<int128>(low[cell]);
        scratch.wide_high[cell] = static_cast<int128>(high[cell]);
      }
    }
  } else {
    int128* sum = scratch.wide_sum.data();
    int128* low = scratch.wide_low.data();
    int128* high = scratch.wide_high.data();
    reset<int128>(sum, cells, 0);
    reset(low, cells, kInt128Max);
    reset(high, cells, kInt128Min);
    for (std::size_t row = 0; row < rows; ++row) {
      const T* values = data + row * cells;
      for (std::size_t cell = 0; cell < cells; ++cell) {
        const int128 value = values[cell];
        sum[cell] += value;
        if constexpr (kMinMax) {
          low[cell] = value < low[cell] ? value : low[cell];
          high[cell] = value > high[cell] ? value : high[cell];
        }
      }
    }
  }
}

template <typename T, bool kMinMax>
void reduce_int_tile(const T* data, std::size_t rows, std::size_t cells, TileScratch& scratch,
                     IntCell* states) {
  double* shift = scratch.shift.data();
  double* mean = scratch.mean.data();
  choose_shifts(data, rows, cells, states, shift);  // integral values of the data
  sum_int_tile<T, kMinMax>(data, rows, cells, scratch);
  const auto count = static_cast<int128>(rows);
  for (std::size_t cell = 0; cell < cells; ++cell) {
    // Exact: the sum relative to an integral shift, rounded once.
    const int128 relative = scratch.wide_sum[cell] - count * static_cast<int128>(shift[cell]);
    mean[cell] = static_cast<double>(relative) / static_cast<double>(rows);
  }
  tile_m2(data, rows, cells, shift, mean, scratch.m2.data());
  for (std::size_t cell = 0; cell < cells; ++cell) {
    IntCell tile;
    tile.count = rows;
    tile.shift = shift[cell];
    tile.mean = mean[cell];
    tile.m2 = scratch.m2[cell];
    tile.sum = scratch.wide_sum[cell];
    tile.min = kMinMax ? scratch.wide_low[cell] : kInt128Max;
    tile.max = kMinMax ? scratch.wide_high[cell] : kInt128Min;
    merge_cells(tile, states[cell]);
  }
}

template <typename T, bool kMinMax>
void reduce_tile(const T* data, std::size_t rows, std::size_t cells, TileScratch& scratch,
                 CellOf<T>* states) {
  if constexpr (std::is_floating_point_v<T>)
    reduce_float_tile<T, kMinMax>(data, rows, cells, scratch, states);
  else
    reduce_int_tile<T, kMinMax>(data, rows, cells, scratch, states);
}

// One output cell of a row-local reduction: `count` values at `data`, `stride` apart.
template <typename T>
CellOf<T> reduce_strided(const T* data, std::size_t count, std::size_t stride) {
  CellOf<T> cell;
  if constexpr (std::is_floating_point_v<T>) {
    for (std::size_t idx = 0; idx < count; ++idx) {
      const double value = static_cast<double>(data[idx * stride]);
      if (value != value) {
        ++cell.nans;
        continue;
      }
      ++cell.count;
      add_compensated(value, cell.sum, cell.comp);
      cell.min = std::min(cell.min, value);
      cell.max = std::max(cell.max, value);
    }
    cell.mean = cell.count > 0 ? (cell.sum + cell.comp) / static_cast<double>(cell.count) : 0.0;
    for (std::size_t idx = 0; idx < count; ++idx) {
      const double delta = static_cast<double>(data[idx * stride]) - cell.mean;
      if (delta == delta) cell.m2 += delta * delta;
    }
  } else {
    for (std::size_t idx = 0; idx < count; ++idx) {
      const int128 value = data[idx * stride];
      cell.sum += value;
      cell.min = std::min(cell.min, value);
      cell.max = std::max(cell.max, value);
    }
    cell.count = count;
    cell.mean = count > 0 ? static_cast<double>(cell.sum) / static_cast<double>(count) : 0.0;
    for (std::size_t idx = 0; idx < count; ++idx) {
      const double delta = static_cast<double>(data[idx * stride]) - cell.mean;
      cell.m2 += delta * delta;
    }
  }
  return cell;
}

}  // namespace rankflow::ops::detail
