// Centering and z-scores of an N-D array along an axis, as in Dask's docs and numpy:
//
//   center:  y = x - x.mean(axis, keepdims=True)
//   zscore:  y = (x - x.mean(axis, keepdims=True)) / x.std(axis, ddof=ddof, keepdims=True)
//
// y has x's shape and is float64. Along axis 0 (or all axes) the statistics come from the
// whole array, so the rows are read twice: consume() every block, finish_statistics()
// (collective: the partial states of all ranks merged with MPI_Allreduce, see reduce.hpp),
// then transform() every block. Along an axis >= 1 each row holds everything it needs and
// transform() works on each block directly.
//
// NaN: with NanPolicy::kSkip the statistics ignore NaN (nanmean/nanstd) and a NaN input stays
// NaN in y; with kPropagate a NaN makes the statistics of its group NaN. A zero std makes
// (x - mean) / 0 = NaN for the (all equal) values of that group, as in numpy.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/core/dtype.hpp"
#include "rankflow/array/reduce.hpp"

namespace rankflow::array {

enum class CenterKind : std::uint8_t { kCenter, kZScore };

std::string_view center_kind_name(CenterKind kind) noexcept;  // "center", "zscore"
std::optional<CenterKind> parse_center_kind(std::string_view name);

struct CenterOptions {
  CenterKind kind = CenterKind::kCenter;
  std::optional<int> axis = 0;  // std::nullopt: all axes; negative counts from the end
  int ddof = 0;                 // zscore only
  NanPolicy nan = NanPolicy::kSkip;
};

class ArrayCentering {
 public:
  // Throws ConfigError for an axis out of range. `label` names the array in messages.
  ArrayCentering(std::vector<std::uint64_t> shape, DType dtype, CenterOptions options,
                 std::string label);
  ~ArrayCentering();
  ArrayCentering(ArrayCentering&&) noexcept;
  ArrayCentering& operator=(ArrayCentering&&) = delete;

  // True along axis 0 or all axes: consume() + finish_statistics() before transform().
  bool needs_statistics_pass() const noexcept;
  void consume(const void* data, std::uint64_t rows);      // local
  void finish_statistics(const comm::Communicator& comm);  // collective
  // NaN values met: along axis 0 / all axes, in the whole array (every rank, after
  // finish_statistics); along an axis >= 1, in the rows this rank transformed.
  std::uint64_t nan_count() const noexcept;

  // Local: y for `rows` whole rows of x (dtype's native type) into `out` (rows * values per
  // row doubles).
  void transform(const void* data, std::uint64_t rows, double* out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rankflow::array
