// Serial reference for array reductions and centering: plain loops in long double over the
// whole array, written the obvious way (gather the values of each output cell, then count,
// sum, two-pass variance), independent of rankflow::ops.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rankflow::oracle {

struct ArrayOracleOptions {
  std::optional<std::size_t> axis;  // nullopt: all axes
  int ddof = 0;
  bool skip_nan = true;
};

// Output cells (C order of the kept axes) of `function` ("sum", "mean", "min", "max", "count",
// "var", "std", "nan_count") over `values` of `shape`.
std::vector<long double> reduce_array(const std::vector<long double>& values,
                                      const std::vector<std::uint64_t>& shape,
                                      const std::string& function,
                                      const ArrayOracleOptions& options);

// x - mean(x, axis) (zscore: divided by std(x, axis, ddof)), every element, C order.
std::vector<long double> center_array(const std::vector<long double>& values,
                                      const std::vector<std::uint64_t>& shape, bool zscore,
                                      const ArrayOracleOptions& options);

}  // namespace rankflow::oracle
