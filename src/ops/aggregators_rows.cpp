// The row-major summary: sum, mean, min, max and count(col) of K float64 columns that arrive as
// whole rows (a 2-D HDF5 dataset's rows as read, GroupBy::use_row_major), one state per group:
//
//   n | sum[0..K) | min[0..K) | max[0..K)      (min and max only when one of them is asked for)
//
// A row adds its K values to the K sums of its group, contiguous in memory: one pass over the
// rows as they were read, where the column-wise path first copies every value into its column
// and then makes K passes (one per column's summary). W6 (16 columns, 1000 stations) spends
// most of its time there. The values are never null (the sources that give rows say so), so
// one count serves every column. The sums are exact (RowDeposits, row_deposits.hpp: eight
// columns at a time, folded into CompactSums): the same bits at every rank count and block size.
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "aggregators.hpp"
#include "rankflow/core/compact_sum.hpp"
#include "row_deposits.hpp"
#include "rankflow/core/error.hpp"
#include "value_ops.hpp"

namespace rankflow::ops {
namespace {

using table::Column;
using table::ColumnType;

template <bool kExtremes, bool kContiguous>
void add_rows(const double* rows, std::size_t stride, const std::size_t* offsets, std::size_t width,
              const std::uint32_t* gids, std::size_t count, std::int64_t* counts,
              RowDeposits& sums, double* gathered, double* mins, double* maxs) {
  for (std::size_t row = 0; row < count; ++row) {
    const std::size_t group = gids[row];
    const double* __restrict values = rows + row * stride;
    ++counts[group];
    for (std::size_t col = 0; col < width; ++col) gathered[col] = values[kContiguous ? col : offsets[col]];
    sums.add_row(group, gathered);  // (gathered: zeros past width, to a whole vector)
    if constexpr (kExtremes) {
      double* __restrict low = mins + group * width;
      double* __restrict high = maxs + group * width;
      for (std::size_t col = 0; col < width; ++col) {
        const double value = values[kContiguous ? col : offsets[col]];
        if (total_less(value, low[col])) low[col] = value;
        if (total_less(high[col], value)) high[col] = value;
      }
    }
  }
}

class RowMajorSummary final : public Aggregator {
 public:
  RowMajorSummary(std::vector<std::size_t> offsets, std::size_t stride, bool extremes)
      : offsets_(std::move(offsets)), stride_(stride), extremes_(extremes),
        sums_(offsets_.size()), gathered_(sums_.padded_width(), 0.0) {
    contiguous_ = true;
    for (std::size_t col = 0; col < offsets_.size(); ++col)
      contiguous_ = contiguous_ && offsets_[col] == offsets_.front() + col;
  }

  void set_rows(const double* rows) override { rows_ = rows; }
  void resize(std::size_t groups) override {
    const std::size_t width = offsets_.size();
    counts_.resize(groups, 0);
    sums_.resize(groups);
    if (!extremes_) return;
    mins_.resize(groups * width, std::numeric_limits<double>::quiet_NaN());  // top of the order
    maxs_.resize(groups * width, -std::numeric_limits<double>::infinity());
  }
  void update(const Column*, const std::uint32_t* gids, std::size_t rows, std::uint64_t) override {
    if (rows == 0) return;
    if (rows_ == nullptr) throw DataError("internal: a row-major group-by block without its rows");
    const double* first = rows_ + offsets_.front();
    const std::size_t width = offsets_.size();
    std::int64_t* counts = counts_.data();
    double* gathered = gathered_.data();
    if (extremes_ && contiguous_) {
      add_rows<true, true>(first, stride_, nullptr, width, gids, rows, counts, sums_, gathered,
                           mins_.data(), maxs_.data());
    } else if (extremes_) {
      add_rows<true, false>(rows_, stride_, offsets_.data(), width, gids, rows, counts, sums_,
                            gathered, mins_.data(), maxs_.data());
    } else if (contiguous_) {
      add_rows<false, true>(first, stride_, nullptr, width, gids, rows, counts, sums_, gathered,
                            nullptr, nullptr);
    } else {
      add_rows<false, false>(rows_, stride_, offsets_.data(), width, gids, rows, counts, sums_,
                             gathered, nullptr, nullptr);
    }
    rows_ = nullptr;  // one block's rows serve one update
  }
  // The accumulators into the CompactSums before the states are read (write, finalize).
  void prepare_write(std::size_t) override { sums_.fold_all(); }
  std::size_t state_size(std::uint32_t gid) const override {
    const std::size_t width = offsets_.size();
    std::size_t size = sizeof(std::int64_t) + (extremes_ ? 2 * width * sizeof(double) : 0);
    for (std::size_t col = 0; col < width; ++col)
      size += sums_.sum(gid, col).state_size(sums_.pool());
    return size;
  }
  std::byte* write_state(std::uint32_t gid, std::byte* out) const override {
    const std::size_t width = offsets_.size();
    std::memcpy(out, &counts_[gid], sizeof(std::int64_t));
    out += sizeof(std::int64_t);
    for (std::size_t col = 0; col < width; ++col)
      out = sums_.sum(gid, col).write(out, sums_.pool());
    if (!extremes_) return out;
    out = put(out, mins_.data() + gid * width, width);
    return put(out, maxs_.data() + gid * width, width);
  }
  const std::byte* merge_state(std::uint32_t gid, const std::byte* in) override {
    const std::size_t width = offsets_.size();
    std::int64_t count = 0;
    std::memcpy(&count, in, sizeof(count));
    in += sizeof(count);
    counts_[gid] += count;
    CompactSum* sums = sums_.sums(gid);
    for (std::size_t col = 0; col < width; ++col) in = sums[col].read_merge(in, sums_.pool());
    if (!extremes_) return in;
    double value = 0.0;
    for (std::size_t col = 0; col < width; ++col, in += sizeof(double)) {
      std::memcpy(&value, in, sizeof(double));
      double& low = mins_[gid * width + col];
      if (total_less(value, low)) low = value;
    }
    for (std::size_t col = 0; col < width; ++col, in += sizeof(double)) {
      std::memcpy(&value, in, sizeof(double));
      double& high = maxs_[gid * width + col];
      if (total_less(high, value)) high = value;
    }
    return in;
  }
  Column finalize(std::size_t groups, AggregateFunction function) override {
    return finalize_part(groups, function, 0);
  }
  Column finalize_part(std::size_t groups, AggregateFunction function, std::size_t part) override {
    const std::size_t width = offsets_.size();
    if (part >= width) throw DataError("internal: row-major summary part {} of {}", part, width);
    sums_.fold_all();
    const bool count = function == AggregateFunction::kCount;
    Column out(count ? ColumnType::kInt64 : ColumnType::kFloat64);
    out.reserve(groups);
    for (std::size_t gid = 0; gid < groups; ++gid) {
      const std::size_t at = gid * width + part;
      if (count) {
        out.append_i64(counts_[gid]);
      } else if (counts_[gid] == 0) {
        out.append_null();
      } else if (function == AggregateFunction::kMean) {
        out.append_f64(sums_.sum(gid, part).round(sums_.pool()) /
                       static_cast<double>(counts_[gid]));
      } else if (function == AggregateFunction::kMin && extremes_) {
        out.append_f64(mins_[at]);
      } else if (function == AggregateFunction::kMax && extremes_) {
        out.append_f64(maxs_[at]);
      } else if (function == AggregateFunction::kSum) {
        out.append_f64(sums_.sum(gid, part).round(sums_.pool()));
      } else {
        throw DataError("internal: the row-major summary does not serve {}",
                        aggregate_function_name(function));
      }
    }
    return out;
  }
  void clear() override {
    counts_.clear();
    sums_.clear();
    mins_.clear();
    maxs_.clear();
  }
  std::size_t used_bytes() const override {
    return vector_bytes(counts_) + sums_.used_bytes() + vector_bytes(mins_) + vector_bytes(maxs_);
  }

 private:
  static std::byte* put(std::byte* out, const double* values, std::size_t count) {
    std::memcpy(out, values, count * sizeof(double));
    return out + count * sizeof(double);
  }

  std::vector<std::size_t> offsets_;  // per column: doubles from the start of a row
  std::size_t stride_;                // doubles from one row to the next
  bool extremes_;
  bool contiguous_ = false;  // offsets_ are first, first + 1, ...
  const double* rows_ = nullptr;
  std::vector<std::int64_t> counts_;
  RowDeposits sums_;               // the K exact sums of each group
  std::vector<double> gathered_;  // one row's K values, zeros to a whole vector
  std::vector<double> mins_;
  std::vector<double> maxs_;
};

}  // namespace

std::unique_ptr<Aggregator> make_row_major_summary(std::vector<std::size_t> offsets,
                                                   std::size_t stride, bool extremes) {
  return std::make_unique<RowMajorSummary>(std::move(offsets), stride, extremes);
}

}  // namespace rankflow::ops
