#include "array_oracle.hpp"

#include <cmath>
#include <limits>

namespace rankflow::oracle {
namespace {

constexpr long double kNaN = std::numeric_limits<long double>::quiet_NaN();

std::vector<std::uint64_t> unravel(std::uint64_t flat, const std::vector<std::uint64_t>& shape) {
  std::vector<std::uint64_t> index(shape.size());
  for (std::size_t dim = shape.size(); dim-- > 0;) {
    index[dim] = flat % shape[dim];
    flat /= shape[dim];
  }
  return index;
}

// Flat index of each output cell's group: the input elements that reduce into it.
std::vector<std::vector<std::uint64_t>> groups(const std::vector<std::uint64_t>& shape,
                                               std::optional<std::size_t> axis) {
  std::uint64_t total = 1;
  for (std::uint64_t dim : shape) total *= dim;
  std::vector<std::uint64_t> kept;
  for (std::size_t dim = 0; dim < shape.size(); ++dim)
    if (axis && dim != *axis) kept.push_back(shape[dim]);
  std::uint64_t cells = 1;
  for (std::uint64_t dim : kept) cells *= dim;
  std::vector<std::vector<std::uint64_t>> out(axis ? cells : 1);
  for (std::uint64_t flat = 0; flat < total; ++flat) {
    if (!axis) {
      out[0].push_back(flat);
      continue;
    }
    const std::vector<std::uint64_t> index = unravel(flat, shape);
    std::uint64_t cell = 0;
    for (std::size_t dim = 0; dim < shape.size(); ++dim)
      if (dim != *axis) cell = cell * shape[dim] + index[dim];
    out[cell].push_back(flat);
  }
  return out;
}

struct Stats {
  long double count = 0, nans = 0, sum = 0, mean = kNaN, var = kNaN, min = kNaN, max = kNaN;
};

Stats stats_of(const std::vector<long double>& values, const std::vector<std::uint64_t>& members,
               const ArrayOracleOptions& options) {
  Stats stats;
  std::vector<long double> used;
  for (std::uint64_t idx : members) {
    if (std::isnan(values[idx]))
      stats.nans += 1;
    else
      used.push_back(values[idx]);
  }
  stats.count = static_cast<long double>(used.size());
  if (!options.skip_nan && stats.nans > 0) {
    stats.count += stats.nans;
    stats.sum = stats.mean = stats.var = stats.min = stats.max = kNaN;
    return stats;
  }
  for (long double value : used) stats.sum += value;
  if (used.empty()) return stats;
  stats.mean = stats.sum / stats.count;
  stats.min = stats.max = used[0];
  // M2 around the first value: a long double holds every int64 and uint64 exactly, and so do
  // the deviations from it, while the mean of values near 1e17 rounds (by 1/128).
  const long double first = used[0];
  long double shifted_sum = 0;
  for (long double value : used) shifted_sum += value - first;
  const long double shifted_mean = shifted_sum / stats.count;
  long double m2 = 0;
  for (long double value : used) {
    const long double delta = (value - first) - shifted_mean;
    m2 += delta * delta;
    stats.min = std::min(stats.min, value);
    stats.max = std::max(stats.max, value);
  }
  const long double dof = stats.count - options.ddof;
  stats.var = dof > 0 ? m2 / dof : kNaN;
  return stats;
}

}  // namespace

std::vector<long double> reduce_array(const std::vector<long double>& values,
                                      const std::vector<std::uint64_t>& shape,
                                      const std::string& function,
                                      const ArrayOracleOptions& options) {
  std::vector<long double> out;
  for (const std::vector<std::uint64_t>& members : groups(shape, options.axis)) {
    const Stats stats = stats_of(values, members, options);
    if (function == "sum")
      out.push_back(stats.sum);
    else if (function == "mean")
      out.push_back(stats.mean);
    else if (function == "min")
      out.push_back(stats.min);
    else if (function == "max")
      out.push_back(stats.max);
    else if (function == "count")
      out.push_back(stats.count);
    else if (function == "nan_count")
      out.push_back(stats.nans);
    else if (function == "var")
      out.push_back(stats.var);
    else if (function == "std")
      out.push_back(std::sqrt(stats.var));
  }
  return out;
}

std::vector<long double> center_array(const std::vector<long double>& values,
                                      const std::vector<std::uint64_t>& shape, bool zscore,
                                      const ArrayOracleOptions& options) {
  std::vector<long double> out(values.size(), kNaN);
  for (const std::vector<std::uint64_t>& members : groups(shape, options.axis)) {
    const Stats stats = stats_of(values, members, options);
    for (std::uint64_t idx : members) {
      const long double centered = values[idx] - stats.mean;
      out[idx] = zscore ? centered / std::sqrt(stats.var) : centered;
    }
  }
  return out;
}

}  // namespace rankflow::oracle
