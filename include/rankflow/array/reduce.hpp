// Reductions of an N-D array over one axis or all axes: sum, mean, min, max, count, var, std
// (and nan_count), on rows that arrive in blocks on every rank.
//
// Partial state per output cell (reduce_state.hpp): count, NaN count, min, max, the exact sum
// of the values (ExactSum for floats, 128-bit for integers) and the exact sum of their squares.
// Merging adds them, so no result depends on how the rows fell into blocks and ranks: sum is
// correctly rounded (math.fsum), mean is that sum over n, var and std come from the exact sums
// (core/exact_sum.hpp: exact_variance), the same bits at every rank count and block size.
//
//   axis 0 or all axes ("accumulating"): every rank consume()s its blocks, then finish() merges
//       the states of all ranks with MPI_Reduce (a user operator, in rank order) onto root.
//   axis k >= 1 ("row-local"): rows reduce independently; reduce_rows() turns each block into
//       results for those rows at once, so results stream out with the blocks.
//
// Semantics follow numpy: ddof (default 0) divides M2 by count - ddof; NaN values are skipped
// by default (nanmean, nanstd, ...; `count` counts the values used) or, with NanPolicy::
// kPropagate, make the cell's result NaN (`count` then counts every value). Integer inputs
// are summed exactly; a sum that does not fit in int64 (uint64 for unsigned inputs) is a
// DataError naming the cell, never a silent wrap. float32 inputs are reduced in float64.
//
// Local unless marked collective. consume() and reduce_rows() throw only for internal errors.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/core/dtype.hpp"

namespace rankflow::array {

enum class ReduceFunction : std::uint8_t { kSum, kMean, kMin, kMax, kCount, kVar, kStd, kNanCount };

std::string_view reduce_function_name(ReduceFunction function) noexcept;  // "sum", "nan_count"
std::optional<ReduceFunction> parse_reduce_function(std::string_view name);
std::string reduce_function_list();  // "sum, mean, min, max, count, var, std, nan_count"

enum class NanPolicy : std::uint8_t { kSkip, kPropagate };

struct ReduceOptions {
  std::vector<ReduceFunction> functions;
  std::optional<int> axis = 0;  // std::nullopt: all axes; negative counts from the end
  int ddof = 0;
  NanPolicy nan = NanPolicy::kSkip;
};

// The axis in 0..rank-1 for `axis` (negative counts from the end), or nullopt if out of range.
std::optional<std::size_t> normalize_axis(int axis, std::size_t rank);

// The shape that remains after reducing `shape` over `axis` (nullopt: all axes, shape ()).
std::vector<std::uint64_t> reduced_shape(const std::vector<std::uint64_t>& shape,
                                         std::optional<std::size_t> axis);

enum class ValueType : std::uint8_t { kFloat64, kInt64, kUInt64 };

// The type of `function`'s results for input `dtype`: sum, min and max of integers stay
// integers (int64, or uint64 for unsigned inputs); count and nan_count are int64; the rest
// float64.
ValueType result_type(ReduceFunction function, DType dtype) noexcept;

// One function's results, one value per output cell (C order of the kept axes).
struct ResultColumn {
  ReduceFunction function = ReduceFunction::kSum;
  ValueType type = ValueType::kFloat64;
  std::vector<double> f64;
  std::vector<std::int64_t> i64;
  std::vector<std::uint64_t> u64;

  std::size_t size() const noexcept;
  double as_double(std::size_t cell) const noexcept;
  const void* data() const noexcept;  // the vector that holds the values
  void clear() noexcept;              // keeps capacity
};

struct ReduceResult {
  std::vector<std::uint64_t> shape;   // the whole output's shape (all ranks' rows)
  std::uint64_t first_cell = 0;       // row-local: flat index of cells()[0] in the output
  std::uint64_t first_row = 0;        // row-local: output row of the first result row
  std::uint64_t rows = 0;             // row-local: result rows held here
  std::vector<ResultColumn> columns;  // in the order of ReduceOptions::functions
  std::uint64_t nan_count = 0;        // NaN values met by the cells held here

  std::size_t cells() const noexcept { return columns.empty() ? 0 : columns.front().size(); }
};

class ArrayReduction {
 public:
  // `shape`: the whole array's shape (rank >= 1); `label` names it in errors ("/temperature").
  // Throws ConfigError for an axis out of range or no functions.
  ArrayReduction(std::vector<std::uint64_t> shape, DType dtype, ReduceOptions options,
                 std::string label);
  ~ArrayReduction();
  ArrayReduction(ArrayReduction&&) noexcept;
  ArrayReduction& operator=(ArrayReduction&&) = delete;

  const std::vector<std::uint64_t>& output_shape() const noexcept;
  bool row_local() const noexcept;  // axis >= 1
  const ReduceOptions& options() const noexcept;

  // Accumulating mode: merges `rows` whole rows (C order, dtype's native type) into the
  // local state.
  void consume(const void* data, std::uint64_t rows);
  // Collective, accumulating mode: merges every rank's state onto `root` (MPI_Reduce) and
  // returns the results there (an empty result elsewhere). Throws DataError on root when an
  // integer sum does not fit its result type, or min/max meet an empty axis.
  ReduceResult finish(const comm::Communicator& comm, int root);
  // Collective, accumulating mode: the same on every rank (MPI_Allreduce).
  ReduceResult finish_all(const comm::Communicator& comm);

  // Row-local mode: the results of rows [first_row, first_row + rows) into `out` (reused).
  void reduce_rows(const void* data, std::uint64_t first_row, std::uint64_t rows,
                   ReduceResult& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "/temperature[:, 3]": the input cells behind output cell `cell` of a reduction of an array
// of `shape` over `axis` (nullopt: all axes, "/temperature[...]"), for messages.
std::string describe_cell(const std::string& label, const std::vector<std::uint64_t>& shape,
                          std::optional<std::size_t> axis, std::uint64_t cell);

}  // namespace rankflow::array
