// Aggregators: the partial state of one aggregate for every group, as arrays indexed by group
// id (see group_table.hpp), and the three things a distributed aggregate does with it:
//
//   update()      fold a block's rows in (local; one virtual call per block, a typed loop inside)
//   write_state() / merge_state()   serialize a group's partial state for the exchange, and
//                 merge a received one into a group on the owning rank
//   finalize()    one output value per group
//
// States (explicit and small, except where exactness needs the values; float sums are exact,
// ExactSum, so that no result depends on the rank count, the blocks or the merge order):
//   count()               n
//   sum, mean, min, max,  (sum, n, min, max) of an int64, float64 or bool column: one state,
//   count(col)            and one pass over the column, for all of them (fused)
//   count(col)            n (other column types)
//   var, std              (n, exact sum, exact sum of squares)   (ExactSum, exact_sum.hpp)
//   min, max              (value, present)
//   first, last           (position, value)  position = rank << 44 | row: the input order
//   sum, mean, min, max,  (n, sum[K], min[K], max[K]) of K float64 columns given as whole rows
//   count(col) of rows    (GroupBy::use_row_major; aggregators_rows.cpp)
//   nunique               the distinct values (a set keyed by (group, value))
//   median, quantile      the values themselves (exact)
// Nothing here is collective.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rankflow/ops/groupby.hpp"
#include "rankflow/table/column.hpp"

namespace rankflow::ops {

class Aggregator {
 public:
  virtual ~Aggregator() = default;
  // Groups [old size, groups) start empty.
  virtual void resize(std::size_t groups) = 0;
  // Folds rows [0, rows) of `column` (nullptr for count()) into groups gids[row];
  // `first_position` is the input position of row 0 (first/last).
  virtual void update(const table::Column* column, const std::uint32_t* gids, std::size_t rows,
                      std::uint64_t first_position) = 0;
  // Called once before the state_size/write_state calls for all groups.
  virtual void prepare_write(std::size_t /*groups*/) {}
  virtual std::size_t state_size(std::uint32_t gid) const = 0;
  virtual std::byte* write_state(std::uint32_t gid, std::byte* out) const = 0;
  virtual const std::byte* merge_state(std::uint32_t gid, const std::byte* in) = 0;
  // One value per group, groups in id order, of `function` (a fused state serves several).
  virtual table::Column finalize(std::size_t groups, AggregateFunction function) = 0;
  // finalize() of one of the columns of a state that serves several (the row-major summary).
  virtual table::Column finalize_part(std::size_t groups, AggregateFunction function,
                                      std::size_t part) {
    (void)part;
    return finalize(groups, function);
  }
  // The rows of the next update()'s block, for a state fed from whole rows (the row-major
  // summary); others ignore it.
  virtual void set_rows(const double* rows) { (void)rows; }
  // No groups; capacity kept where it is plain arrays.
  virtual void clear() = 0;
  // Bytes the states of the groups so far use (by size, not capacity: after clear() it starts
  // again from 0 while the capacity is reused). The group-by's spill trigger (groupby_spill.cpp).
  virtual std::size_t used_bytes() const = 0;
};

template <typename T>
std::size_t vector_bytes(const std::vector<T>& values) {
  return values.size() * sizeof(T);
}

// The output type of `spec` applied to a column of `input` type (ignored for count()); throws
// ConfigError naming the aggregate and the column when the function does not apply.
table::ColumnType aggregate_output_type(const AggregateSpec& spec, table::ColumnType input);

std::unique_ptr<Aggregator> make_aggregator(const AggregateSpec& spec, table::ColumnType input,
                                            int ddof);

// True when `function` over a column of `input` type is served by the fused numeric summary.
bool is_fused(AggregateFunction function, table::ColumnType input);
// The fused (sum, n[, min, max]) state of one numeric column; `checks_sum`: a sum is asked for,
// so a sum of integers outside int64 is an error (named after `name`; the sum itself is kept
// exactly, so only the total counts, not the order of the additions); `extremes`: min or max
// is asked for (otherwise the state is 16 or 32 bytes and the loop compares nothing).
// aggregators_numeric.cpp.
std::unique_ptr<Aggregator> make_numeric_summary(table::ColumnType input, bool checks_sum,
                                                 bool extremes, std::string name);

// The fused (n, sum[K][, min[K], max[K]]) state of K float64 columns read from whole rows of
// `stride` doubles: column k of row r is rows[r * stride + offsets[k]], never null.
// aggregators_rows.cpp.
std::unique_ptr<Aggregator> make_row_major_summary(std::vector<std::size_t> offsets,
                                                   std::size_t stride, bool extremes);

// Sets and value lists (nunique, median, quantile): aggregators_exact.cpp.
std::unique_ptr<Aggregator> make_nunique(table::ColumnType input);
std::unique_ptr<Aggregator> make_quantile(table::ColumnType input, double quantile);

}  // namespace rankflow::ops
