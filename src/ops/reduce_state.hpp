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
#include <cstring>
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
  double sum = 0;  // Neumaier-compensated: the sum is sum + comp
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
void choose_shifts(const T* data, std::size_t rows, std::size_t cells, Cell* states,
                   double* shift) {
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

// Pass 1 over a tile of floats: per cell, count and sum (relative to the shift) of the
// non-NaN values, and min/max (NaN compares false, so it is skipped).
template <typename T, bool kMinMax>
RANKFLOW_HOT_LOOP void float_pass(const T* __restrict data, std::size_t rows, std::size_t cells,
                                  const double* __restrict shift, double* __restrict count,
                                  double* __restrict sum, double* __restrict low,
                                  double* __restrict high) {
  const Lanes ones = {1, 1, 1, 1, 1, 1, 1, 1};
  std::size_t first = 0;
  for (; first + kLanes <= cells; first += kLanes) {
    Lanes lane_count = {}, lane_sum = {}, lane_low = {}, lane_high = {}, lane_shift = {},
          value = {};
    load_lanes(lane_count, count + first);
    load_lanes(lane_sum, sum + first);
    load_lanes(lane_low, low + first);
    load_lanes(lane_high, high + first);
    load_lanes(lane_shift, shift + first);
    // Two rows per step into two sets of sums: the adds of one row do not wait for the other's.
    Lanes odd_count = {}, odd_sum = {}, odd_value = {};
    std::size_t row = 0;
    for (; row + 1 < rows; row += 2) {
      load_lanes(value, data + row * cells + first);
      load_lanes(odd_value, data + (row + 1) * cells + first);
      const LaneMask valid = value == value;  // false for NaN
      const LaneMask odd_valid = odd_value == odd_value;
      lane_count += (Lanes)((LaneMask)ones & valid);
      odd_count += (Lanes)((LaneMask)ones & odd_valid);
      lane_sum += (Lanes)((LaneMask)(value - lane_shift) & valid);
      odd_sum += (Lanes)((LaneMask)(odd_value - lane_shift) & odd_valid);
      if constexpr (kMinMax) {
        lane_low = value < lane_low ? value : lane_low;
        lane_high = value > lane_high ? value : lane_high;
        lane_low = odd_value < lane_low ? odd_value : lane_low;
        lane_high = odd_value > lane_high ? odd_value : lane_high;
      }
    }
    for (; row < rows; ++row) {
      load_lanes(value, data + row * cells + first);
      const LaneMask valid = value == value;
      lane_count += (Lanes)((LaneMask)ones & valid);
      lane_sum += (Lanes)((LaneMask)(value - lane_shift) & valid);
      if constexpr (kMinMax) {
        lane_low = value < lane_low ? value : lane_low;
        lane_high = value > lane_high ? value : lane_high;
      }
    }
    lane_count += odd_count;
    lane_sum += odd_sum;
    std::memcpy(count + first, &lane_count, sizeof(Lanes));
    std::memcpy(sum + first, &lane_sum, sizeof(Lanes));
    std::memcpy(low + first, &lane_low, sizeof(Lanes));
    std::memcpy(high + first, &lane_high, sizeof(Lanes));
  }
  for (std::size_t row = 0; row < rows && first < cells; ++row) {
    const T* __restrict values = data + row * cells;
    for (std::size_t cell = first; cell < cells; ++cell) {
      const double value = static_cast<double>(values[cell]);
      const bool valid = value == value;
      count[cell] += valid ? 1.0 : 0.0;
      sum[cell] += valid ? value - shift[cell] : 0.0;
      if constexpr (kMinMax) {
        low[cell] = value < low[cell] ? value : low[cell];
        high[cell] = value > high[cell] ? value : high[cell];
      }
    }
  }
}

// Pass 2: M2 of each cell around shift + mean (NaN skipped), in lane groups as pass 1.
template <typename T>
RANKFLOW_HOT_LOOP void m2_pass(const T* __restrict data, std::size_t rows, std::size_t cells,
                               const double* __restrict shift, const double* __restrict mean,
                               double* __restrict m2) {
  std::size_t first = 0;
  for (; first + kLanes <= cells; first += kLanes) {
    Lanes lane_m2 = {}, lane_shift = {}, lane_mean = {}, value = {};
    load_lanes(lane_m2, m2 + first);
    load_lanes(lane_shift, shift + first);
    load_lanes(lane_mean, mean + first);
    const Lanes center = lane_shift + lane_mean;
    Lanes odd_m2 = {}, odd_value = {};
    std::size_t row = 0;
    for (; row + 1 < rows; row += 2) {  // two rows per step, as in pass 1
      load_lanes(value, data + row * cells + first);
      load_lanes(odd_value, data + (row + 1) * cells + first);
      const Lanes delta = value - center;
      const Lanes odd_delta = odd_value - center;
      if constexpr (std::is_floating_point_v<T>) {
        lane_m2 += (Lanes)((LaneMask)(delta * delta) & (delta == delta));
        odd_m2 += (Lanes)((LaneMask)(odd_delta * odd_delta) & (odd_delta == odd_delta));
      } else {
        lane_m2 += delta * delta;
        odd_m2 += odd_delta * odd_delta;
      }
    }
    for (; row < rows; ++row) {
      load_lanes(value, data + row * cells + first);
      const Lanes delta = value - center;
      if constexpr (std::is_floating_point_v<T>)
        lane_m2 += (Lanes)((LaneMask)(delta * delta) & (delta == delta));
      else
        lane_m2 += delta * delta;
    }
    lane_m2 += odd_m2;
    std::memcpy(m2 + first, &lane_m2, sizeof(Lanes));
  }
  for (std::size_t row = 0; row < rows && first < cells; ++row) {
    const T* __restrict values = data + row * cells;
    for (std::size_t cell = first; cell < cells; ++cell) {
      const double delta = (static_cast<double>(values[cell]) - shift[cell]) - mean[cell];
      if constexpr (std::is_floating_point_v<T>)
        m2[cell] += delta == delta ? delta * delta : 0.0;
      else
        m2[cell] += delta * delta;
    }
  }
}

// Pass 2 over 64-bit integers: M2 around shift + mean, each value's distance from the shift
// taken in exact integer arithmetic before it becomes a double. (A value beyond 2^53 has no
// exact double: converted first, 1e18 + 3 is 1e18, and its distance from the shift is lost
// while the mean, from the exact sum, keeps it; var of int64 nanosecond timestamps was wrong.)
template <typename T>
void wide_int_m2_pass(const T* __restrict data, std::size_t rows, std::size_t cells,
                      const double* __restrict shift, const double* __restrict mean,
                      double* __restrict m2) {
  for (std::size_t row = 0; row < rows; ++row) {
    const T* __restrict values = data + row * cells;
    for (std::size_t cell = 0; cell < cells; ++cell) {
      const int128 relative = static_cast<int128>(values[cell]) - static_cast<int128>(shift[cell]);
      const double delta = static_cast<double>(relative) - mean[cell];
      m2[cell] += delta * delta;
    }
  }
}

// Pass 1 over integers narrower than 64 bits: exact 64-bit sums (a tile's sum cannot overflow
// them) and min/max as doubles (exact for these types).
template <typename T, bool kMinMax>
RANKFLOW_HOT_LOOP void narrow_int_pass(const T* __restrict data, std::size_t rows,
                                       std::size_t cells, std::int64_t* __restrict sum,
                                       double* __restrict low, double* __restrict high) {
  for (std::size_t row = 0; row < rows; ++row) {
    const T* __restrict values = data + row * cells;
    for (std::size_t cell = 0; cell < cells; ++cell) {
      sum[cell] += static_cast<std::int64_t>(values[cell]);
      if constexpr (kMinMax) {
        const double value = static_cast<double>(values[cell]);
        low[cell] = value < low[cell] ? value : low[cell];
        high[cell] = value > high[cell] ? value : high[cell];
      }
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
  float_pass<T, kMinMax>(data, rows, cells, shift, count, sum, low, high);
  for (std::size_t cell = 0; cell < cells; ++cell)
    mean[cell] = count[cell] > 0 ? sum[cell] / count[cell] : 0.0;
  reset(scratch.m2.data(), cells, 0.0);
  m2_pass<T>(data, rows, cells, shift, mean, scratch.m2.data());
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

// Exact sums of a tile of integers: 64-bit accumulators for narrower types, 128-bit for 64-bit
// types; exact min/max.
template <typename T, bool kMinMax>
void sum_int_tile(const T* data, std::size_t rows, std::size_t cells, TileScratch& scratch) {
  if constexpr (sizeof(T) < 8) {
    std::int64_t* sum = scratch.small_sum.data();
    double* low = scratch.low.data();
    double* high = scratch.high.data();
    reset<std::int64_t>(sum, cells, 0);
    reset(low, cells, std::numeric_limits<double>::infinity());
    reset(high, cells, -std::numeric_limits<double>::infinity());
    narrow_int_pass<T, kMinMax>(data, rows, cells, sum, low, high);
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
  reset(scratch.m2.data(), cells, 0.0);
  if constexpr (sizeof(T) < 8)
    m2_pass<T>(data, rows, cells, shift, mean, scratch.m2.data());  // exact as doubles
  else
    wide_int_m2_pass<T>(data, rows, cells, shift, mean, scratch.m2.data());
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
    if (count == 0) return cell;
    // Deviations from the first value in exact integer arithmetic, as wide_int_m2_pass.
    const int128 shift = data[0];
    cell.shift = static_cast<double>(shift);
    cell.mean = static_cast<double>(cell.sum - static_cast<int128>(count) * shift) /
                static_cast<double>(count);
    for (std::size_t idx = 0; idx < count; ++idx) {
      const double delta =
          static_cast<double>(static_cast<int128>(data[idx * stride]) - shift) - cell.mean;
      cell.m2 += delta * delta;
    }
  }
  return cell;
}

}  // namespace rankflow::ops::detail
