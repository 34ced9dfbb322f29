// Eight doubles at a time: the vector type of the reduction kernels (private to array/).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace rankflow::array::detail {

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

}  // namespace rankflow::array::detail
