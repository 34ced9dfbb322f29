#include "rankflow/array/center.hpp"

#include <cmath>
#include <cstring>
#include <limits>

#include "rankflow/core/error.hpp"
#include "reduce_state.hpp"

namespace rankflow::array {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kSumBlock = 256;  // naive sums over short blocks, blocks compensated

struct GroupStats {
  double mean = 0;
  double scale = 1;  // std for zscore, 1 for center
  std::uint64_t nans = 0;
};

// Mean (and std) of `count` values `stride` apart: block sums merged with Neumaier's
// compensation for the mean, then a second pass for M2.
template <typename T>
GroupStats strided_stats(const T* data, std::size_t count, std::size_t stride,
                         const CenterOptions& options) {
  GroupStats stats;
  double sum = 0;
  double comp = 0;
  std::uint64_t used = 0;
  for (std::size_t start = 0; start < count; start += kSumBlock) {
    const std::size_t end = std::min(count, start + kSumBlock);
    double block = 0;
    for (std::size_t idx = start; idx < end; ++idx) {
      const double value = static_cast<double>(data[idx * stride]);
      const bool valid = value == value;
      used += valid ? 1 : 0;
      block += valid ? value : 0.0;
    }
    detail::add_compensated(block, sum, comp);
  }
  stats.nans = count - used;
  const bool poisoned = options.nan == NanPolicy::kPropagate && stats.nans > 0;
  stats.mean = used > 0 && !poisoned ? (sum + comp) / static_cast<double>(used) : kNaN;
  if (options.kind == CenterKind::kZScore) {
    double m2 = 0;
    for (std::size_t idx = 0; idx < count; ++idx) {
      const double delta = static_cast<double>(data[idx * stride]) - stats.mean;
      m2 += delta == delta ? delta * delta : 0.0;
    }
    const double dof = static_cast<double>(used) - options.ddof;
    stats.scale = dof > 0 && !poisoned ? std::sqrt(m2 / dof) : kNaN;
  }
  return stats;
}

// Lane sums of `count` contiguous values (NaN skipped) in blocks of kSumBlock, each block's
// lanes folded into a compensated total: vectorized (8 lanes), and still accurate for long
// groups. Returns the sum; `used` gets the number of non-NaN values.
template <typename T>
__attribute__((always_inline)) inline double lane_sum(const T* __restrict data, std::size_t count,
                                                      std::uint64_t& used) {
  using detail::kLanes;
  using detail::LaneMask;
  using detail::Lanes;
  const Lanes ones = {1, 1, 1, 1, 1, 1, 1, 1};
  double sum = 0;
  double comp = 0;
  double valid_total = 0;
  for (std::size_t start = 0; start < count; start += kSumBlock) {
    const std::size_t end = std::min(count, start + kSumBlock);
    Lanes lanes = {};
    Lanes valid = {};
    Lanes value = {};
    std::size_t idx = start;
    for (; idx + kLanes <= end; idx += kLanes) {
      detail::load_lanes(value, data + idx);
      const LaneMask mask = value == value;
      lanes += (Lanes)((LaneMask)value & mask);
      valid += (Lanes)((LaneMask)ones & mask);
    }
    double block = detail::sum_lanes(lanes);
    valid_total += detail::sum_lanes(valid);
    for (; idx < end; ++idx) {
      const double one = static_cast<double>(data[idx]);
      if (one == one) {
        block += one;
        valid_total += 1;
      }
    }
    detail::add_compensated(block, sum, comp);
  }
  used = static_cast<std::uint64_t>(valid_total);
  return sum + comp;
}

// Groups of `width` contiguous values (centering along the last axis, W5's x - x.mean(axis=1)):
// mean (and std) of each group, then the group's output, all in vector lanes.
template <typename T>
RANKFLOW_HOT_LOOP std::uint64_t center_groups(const T* __restrict data, std::size_t groups,
                                              std::size_t width, double* __restrict out,
                                              const CenterOptions& options) {
  using detail::kLanes;
  using detail::Lanes;
  std::uint64_t nan_total = 0;
  const bool zscore = options.kind == CenterKind::kZScore;
  for (std::size_t group = 0; group < groups; ++group) {
    const T* __restrict values = data + group * width;
    double* __restrict target = out + group * width;
    std::uint64_t used = 0;
    const double sum = lane_sum(values, width, used);
    nan_total += width - used;
    const bool poisoned = options.nan == NanPolicy::kPropagate && used < width;
    const double mean = used > 0 && !poisoned ? sum / static_cast<double>(used) : kNaN;
    double scale = 1;
    if (zscore) {
      double m2 = 0;
      for (std::size_t idx = 0; idx < width; ++idx) {
        const double delta = static_cast<double>(values[idx]) - mean;
        m2 += delta == delta ? delta * delta : 0.0;
      }
      const double dof = static_cast<double>(used) - options.ddof;
      scale = dof > 0 && !poisoned ? std::sqrt(m2 / dof) : kNaN;
    }
    Lanes value = {};
    std::size_t idx = 0;
    for (; idx + kLanes <= width; idx += kLanes) {
      detail::load_lanes(value, values + idx);
      const Lanes centered = zscore ? (value - mean) / scale : value - mean;
      std::memcpy(target + idx, &centered, sizeof(Lanes));
    }
    for (; idx < width; ++idx) {
      const double centered = static_cast<double>(values[idx]) - mean;
      target[idx] = zscore ? centered / scale : centered;
    }
  }
  return nan_total;
}

}  // namespace

struct ArrayCentering::Impl {
  std::vector<std::uint64_t> shape;
  DType dtype = DType::kFloat64;
  CenterOptions options;
  std::string label;
  std::optional<std::size_t> axis;
  std::uint64_t row_elements = 1;
  std::uint64_t outer = 1, reduced = 1, inner = 1;  // row-local layout (see reduce.cpp)
  std::optional<ArrayReduction> statistics;         // axis 0 / all axes
  std::vector<double> mean, scale;                  // per cell of a row (or one for all axes)
  std::uint64_t nans = 0;

  bool global() const noexcept { return !axis || *axis == 0; }

  template <typename T>
  void transform_global(const T* data, std::uint64_t rows, double* out) const {
    const bool one = mean.size() == 1;
    const bool divide = options.kind == CenterKind::kZScore;
    for (std::uint64_t row = 0; row < rows; ++row) {
      const T* values = data + row * row_elements;
      double* target = out + row * row_elements;
      for (std::uint64_t cell = 0; cell < row_elements; ++cell) {
        const std::size_t stat = one ? 0 : cell;
        const double centered = static_cast<double>(values[cell]) - mean[stat];
        target[cell] = divide ? centered / scale[stat] : centered;
      }
    }
  }

  template <typename T>
  std::uint64_t transform_rows(const T* data, std::uint64_t rows, double* out) const {
    if (inner == 1) return center_groups(data, rows * outer, reduced, out, options);
    std::uint64_t nan_total = 0;
    const bool divide = options.kind == CenterKind::kZScore;
    for (std::uint64_t row = 0; row < rows; ++row) {
      for (std::uint64_t a = 0; a < outer; ++a) {
        for (std::uint64_t b = 0; b < inner; ++b) {
          const std::uint64_t offset = row * row_elements + a * reduced * inner + b;
          const GroupStats stats = strided_stats(data + offset, reduced, inner, options);
          nan_total += stats.nans;
          for (std::uint64_t k = 0; k < reduced; ++k) {
            const double centered = static_cast<double>(data[offset + k * inner]) - stats.mean;
            out[offset + k * inner] = divide ? centered / stats.scale : centered;
          }
        }
      }
    }
    return nan_total;
  }
};

std::string_view center_kind_name(CenterKind kind) noexcept {
  return kind == CenterKind::kZScore ? "zscore" : "center";
}

std::optional<CenterKind> parse_center_kind(std::string_view name) {
  if (name == "center") return CenterKind::kCenter;
  if (name == "zscore") return CenterKind::kZScore;
  return std::nullopt;
}

ArrayCentering::ArrayCentering(std::vector<std::uint64_t> shape, DType dtype, CenterOptions options,
                               std::string label)
    : impl_(std::make_unique<Impl>()) {
  Impl& self = *impl_;
  if (shape.empty())
    throw ConfigError("{}: centering needs an array with at least one axis", label);
  if (options.axis) {
    self.axis = normalize_axis(*options.axis, shape.size());
    if (!self.axis)
      throw ConfigError("{}: axis {} is out of range for an array of {} axes (0..{}, or -{}..-1)",
                        label, *options.axis, shape.size(), shape.size() - 1, shape.size());
  }
  for (std::size_t dim = 1; dim < shape.size(); ++dim) self.row_elements *= shape[dim];
  if (!self.global()) {
    for (std::size_t dim = 1; dim < *self.axis; ++dim) self.outer *= shape[dim];
    self.reduced = shape[*self.axis];
    for (std::size_t dim = *self.axis + 1; dim < shape.size(); ++dim) self.inner *= shape[dim];
  } else {
    ReduceOptions reduce;
    reduce.functions = std::vector<ReduceFunction>{ReduceFunction::kMean, ReduceFunction::kStd,
                                                   ReduceFunction::kNanCount};
    reduce.axis = self.axis ? std::optional<int>(0) : std::nullopt;
    reduce.ddof = options.ddof;
    reduce.nan = options.nan;
    self.statistics.emplace(shape, dtype, reduce, label);
  }
  self.shape = std::move(shape);
  self.dtype = dtype;
  self.options = options;
  self.label = std::move(label);
}

ArrayCentering::~ArrayCentering() = default;
ArrayCentering::ArrayCentering(ArrayCentering&&) noexcept = default;

bool ArrayCentering::needs_statistics_pass() const noexcept { return impl_->global(); }
std::uint64_t ArrayCentering::nan_count() const noexcept { return impl_->nans; }

void ArrayCentering::consume(const void* data, std::uint64_t rows) {
  if (!impl_->statistics) throw DataError("internal: consume() on a row-wise centering");
  impl_->statistics->consume(data, rows);
}

void ArrayCentering::finish_statistics(const comm::Communicator& comm) {
  Impl& self = *impl_;
  if (!self.statistics) throw DataError("internal: finish_statistics() on a row-wise centering");
  const ReduceResult result = self.statistics->finish_all(comm);
  self.mean = result.columns[0].f64;
  if (self.options.kind == CenterKind::kZScore)
    self.scale = result.columns[1].f64;
  else
    self.scale.assign(self.mean.size(), 1.0);
  self.nans = result.nan_count;
}

void ArrayCentering::transform(const void* data, std::uint64_t rows, double* out) {
  Impl& self = *impl_;
  if (self.global() && self.mean.empty())
    throw DataError("internal: transform() before finish_statistics()");
  visit_dtype(self.dtype, [&](auto type_tag) {
    using T = decltype(type_tag);
    const T* values = static_cast<const T*>(data);
    if (self.global())
      self.transform_global(values, rows, out);
    else
      self.nans += self.transform_rows(values, rows, out);
  });
}

}  // namespace rankflow::array
