// Exact per-group sums of whole rows, eight columns at a time (private to ops/; the row-major
// summary, aggregators_rows.cpp).
//
// A row of K float64 values adds to the K sums of its group. A CompactSum per sum costs ~6 ns
// per value in W6 (16 columns, 1000 stations), 2.4x the plain double sums it replaced. Here each
// (group, column) keeps two error-free accumulators (the deposits of src/array/exact_lanes.hpp,
// whose header explains them): hi starts at 1.5 * 2^(e+13), lo at 1.5 * 2^(e-27), and a value v
// with 2^(e-27) <= |v| < 2^e (or 0) is deposited exactly as
//
//   hi' = fl(hi + v),   lo += v - (hi' - hi)
//
// eight columns per vector operation. The anchor e is set from the first non-zero value of the
// column in the group (one binade above it). A value outside its column's range, an infinity
// or NaN, sends that column the slow way (the row's other columns are deposited): its
// accumulators are folded into its CompactSum (exact doubles: hi - start, lo - start) and
// re-anchored on the value. Every 2^11 deposits a group's accumulators are folded (so hi stays in its binade), and
// all of them before the states are written or finished. The exact value is the CompactSum
// plus the accumulators, so the sums are the same as the CompactSum's alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "rankflow/core/compact_sum.hpp"

namespace rankflow::ops {

class RowDeposits {
 public:
  static constexpr std::size_t kLanes = 8;  // columns per vector

  explicit RowDeposits(std::size_t width);

  void resize(std::size_t groups);
  // Adds one row (its `width` values, already gathered) to group `group`'s sums.
  void add_row(std::size_t group, const double* values);
  // Folds every group's accumulators into the CompactSums (before write/finalize).
  void fold_all();
  CompactSum* sums(std::size_t group) { return sums_.data() + group * width_; }
  ExactSumPool& pool() { return pool_; }
  const ExactSumPool& pool() const { return pool_; }
  const CompactSum& sum(std::size_t group, std::size_t col) const {
    return sums_[group * width_ + col];
  }
  std::size_t padded_width() const { return padded_; }
  void clear();
  std::size_t used_bytes() const;

 private:
  static constexpr std::uint32_t kFoldEvery = 2048;  // deposits of |v| < 2^e in hi's binade

  void fold(std::size_t group);
  void fold_lane(std::size_t at, std::size_t col_at);
  void anchor_lane(std::size_t at, double magnitude);
  void add_slow(std::size_t group, const double* values);

  // Lane `at` (group * padded + column) of one of the three fields of state_.
  double& field(std::size_t at, std::size_t which) {
    return state_[(at / kLanes * 3 + which) * kLanes + at % kLanes];
  }
  double& hi(std::size_t at) { return field(at, 0); }
  double& lo(std::size_t at) { return field(at, 1); }
  double& upper(std::size_t at) { return field(at, 2); }

  std::size_t width_;
  std::size_t padded_;  // width rounded up to 8: each group's lanes start on a vector
  // Per group, chunks of eight columns, each [hi x 8, lo x 8, upper x 8]: the two accumulators
  // and 2^e (0: no anchor yet; the lower bound 2^(e-27) follows from it), so that a row's
  // state is one contiguous run of cache lines.
  std::vector<double> state_;
  std::vector<std::uint32_t> since_;   // per group: deposits since the last fold
  std::vector<CompactSum> sums_;       // per (group, column): folded totals and the rest
  ExactSumPool pool_;
};

}  // namespace rankflow::ops
