#include "oracle/regression_oracle.hpp"

#include <cstdint>
#include <map>

namespace rankflow::oracle {
namespace {

struct Sums {
  std::int64_t n = 0;
  long double x = 0, y = 0, xx = 0, xy = 0;
};

}  // namespace

table::Table fit_lines(const std::vector<Point>& points) {
  std::map<std::string, Sums> keys;
  for (const Point& point : points) {
    if (!point.key) continue;
    Sums& sums = keys[*point.key];
    if (!point.x || !point.y) continue;
    const long double x = *point.x;
    const long double y = *point.y;
    ++sums.n;
    sums.x += x;
    sums.y += y;
    sums.xx += x * x;
    sums.xy += x * y;
  }
  table::Table out(table::Schema({{"key", table::ColumnType::kString},
                                  {"n", table::ColumnType::kInt64},
                                  {"slope", table::ColumnType::kFloat64},
                                  {"intercept", table::ColumnType::kFloat64}}));
  for (const auto& [key, sums] : keys) {
    out.column(0).append_string(key);
    out.column(1).append_i64(sums.n);
    const auto n = static_cast<long double>(sums.n);
    const long double denominator = n * sums.xx - sums.x * sums.x;
    // A constant x: the denominator is 0 up to rounding of the sums.
    if (sums.n < 2 || denominator <= 1e-12L * n * sums.xx) {
      out.column(2).append_null();
      out.column(3).append_null();
      continue;
    }
    const long double slope = (n * sums.xy - sums.x * sums.y) / denominator;
    out.column(2).append_f64(static_cast<double>(slope));
    out.column(3).append_f64(static_cast<double>((sums.y - slope * sums.x) / n));
  }
  return out;
}

}  // namespace rankflow::oracle
