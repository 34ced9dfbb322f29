// The serial oracle of examples/group_regression: a least-squares line y = slope * x +
// intercept per key, from the textbook normal equations in long double (the example centers
// its sums in double: a different computation of the same numbers). Rows without a key are
// skipped; n counts the rows with both x and y; fewer than two of them, or a constant x, give
// no line (null slope and intercept).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rankflow/table/table.hpp"

namespace rankflow::oracle {

struct Point {
  std::optional<std::string> key;
  std::optional<double> x;
  std::optional<double> y;
};

// key:string, n:int64, slope:float64, intercept:float64, one row per key, sorted by key.
table::Table fit_lines(const std::vector<Point>& points);

}  // namespace rankflow::oracle
