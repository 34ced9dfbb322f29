// nunique, median and quantile: exact, so their partial states are the distinct values and the
// values themselves. Memory grows with the distinct (group, value) pairs (nunique) and with the
// non-null rows (median, quantile); docs/groupby-and-sort.md says so.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "aggregators.hpp"
#include "group_table.hpp"
#include "key_encoder.hpp"
#include "value_ops.hpp"

namespace rankflow::ops {
namespace {

using table::Column;
using table::ColumnType;

// Counting sort of items by group: order[starts[g] .. starts[g + 1]) are group g's items.
template <typename GidOf>
void bucket_by_group(std::size_t items, std::size_t groups, GidOf gid_of,
                     std::vector<std::uint64_t>& starts, std::vector<std::uint32_t>& order) {
  starts.assign(groups + 1, 0);
  for (std::size_t item = 0; item < items; ++item) ++starts[gid_of(item) + 1];
  for (std::size_t gid = 0; gid < groups; ++gid) starts[gid + 1] += starts[gid];
  order.resize(items);
  std::vector<std::uint64_t> cursor(starts.begin(), starts.end() - 1);
  for (std::size_t item = 0; item < items; ++item)
    order[cursor[gid_of(item)]++] = static_cast<std::uint32_t>(item);
}

// nunique: a set of (group id, normalized value) pairs, counted per group as they are inserted.
template <typename T>
class Nunique final : public Aggregator {
 public:
  static constexpr bool kString = std::is_same_v<T, std::string>;
  static constexpr std::size_t kWidth = kString ? 0 : sizeof(T);

  Nunique() : set_(!kString, 4 + kWidth) {}
  void resize(std::size_t groups) override { counts_.resize(groups, 0); }
  void update(const Column* column, const std::uint32_t* gids, std::size_t rows,
              std::uint64_t) override {
    const Values<T> values(*column);
    for_each_present(*column, rows, [&](std::size_t row) { insert(gids[row], values[row]); });
  }
  void prepare_write(std::size_t groups) override {
    bucket_by_group(
        set_.size(), groups,
        [&](std::size_t entry) { return gid_of(static_cast<std::uint32_t>(entry)); }, starts_,
        order_);
  }
  std::size_t state_size(std::uint32_t gid) const override {
    std::size_t size = 8;
    for (std::uint64_t idx = starts_[gid]; idx < starts_[gid + 1]; ++idx)
      size += kString ? set_.key_size(order_[idx]) : kWidth;  // 4 + chars: the u32 length
    return size;
  }
  std::byte* write_state(std::uint32_t gid, std::byte* out) const override {
    out = bytes::put<std::uint64_t>(out, starts_[gid + 1] - starts_[gid]);
    for (std::uint64_t idx = starts_[gid]; idx < starts_[gid + 1]; ++idx) {
      const std::uint32_t entry = order_[idx];
      const std::uint8_t* value = set_.key(entry) + 4;
      const std::size_t size = set_.key_size(entry) - 4;
      if constexpr (kString) out = bytes::put(out, static_cast<std::uint32_t>(size));
      std::memcpy(out, value, size);
      out += size;
    }
    return out;
  }
  const std::byte* merge_state(std::uint32_t gid, const std::byte* in) override {
    const auto count = bytes::get<std::uint64_t>(in);
    for (std::uint64_t idx = 0; idx < count; ++idx) {
      const std::size_t size = kString ? bytes::get<std::uint32_t>(in) : kWidth;
      insert_bytes(gid, reinterpret_cast<const std::uint8_t*>(in), size);
      in += size;
    }
    return in;
  }
  Column finalize(std::size_t groups, AggregateFunction) override {
    Column out(ColumnType::kInt64);
    out.resize_fixed(groups);
    if (groups > 0) std::memcpy(out.mutable_i64(), counts_.data(), groups * 8);
    return out;
  }
  void clear() override {
    set_.clear();
    counts_.clear();
  }
  std::size_t used_bytes() const override { return set_.used_bytes() + vector_bytes(counts_); }

 private:
  std::uint32_t gid_of(std::uint32_t entry) const {
    std::uint32_t gid;
    std::memcpy(&gid, set_.key(entry), 4);
    return gid;
  }
  template <typename V>
  void insert(std::uint32_t gid, const V& value) {
    if constexpr (kString) {
      insert_bytes(gid, reinterpret_cast<const std::uint8_t*>(value.data()), value.size());
    } else if constexpr (std::is_same_v<T, double>) {
      // The same canonical bits as keys: -0.0 is 0.0 and all NaNs are one value.
      double canonical = value != value ? std::nan("") : (value == 0.0 ? 0.0 : value);
      insert_bytes(gid, reinterpret_cast<const std::uint8_t*>(&canonical), 8);
    } else {
      insert_bytes(gid, reinterpret_cast<const std::uint8_t*>(&value), kWidth);
    }
  }
  void insert_bytes(std::uint32_t gid, const std::uint8_t* value, std::size_t size) {
    scratch_.resize(4 + size);
    std::memcpy(scratch_.data(), &gid, 4);
    if (size > 0) std::memcpy(scratch_.data() + 4, value, size);
    const std::size_t before = set_.size();
    set_.find_or_insert(scratch_.data(), static_cast<std::uint32_t>(scratch_.size()),
                        hash_key(scratch_.data(), scratch_.size()));
    if (set_.size() != before) ++counts_[gid];
  }

  GroupTable set_;
  std::vector<std::int64_t> counts_;
  std::vector<std::uint8_t> scratch_;
  std::vector<std::uint64_t> starts_;
  std::vector<std::uint32_t> order_;
};

// The p-quantile of values[0..n) with linear interpolation between the two closest ranks
// (numpy's and pandas' default): h = (n - 1) p, x[floor h] + (h - floor h)(x[ceil h] - x[floor h]).
double linear_quantile(double* values, std::size_t count, double p) {
  const double position = static_cast<double>(count - 1) * p;
  const auto low = static_cast<std::size_t>(std::floor(position));
  const double fraction = position - static_cast<double>(low);
  std::nth_element(values, values + low, values + count, total_less);
  const double low_value = values[low];
  if (fraction == 0.0 || low + 1 >= count) return low_value;
  const double high_value = *std::min_element(values + low + 1, values + count, total_less);
  if (high_value == low_value) return low_value;
  return low_value + fraction * (high_value - low_value);
}

// median and quantile: every non-null value with its group, as doubles.
template <typename In>
class Quantile final : public Aggregator {
 public:
  explicit Quantile(double p) : p_(p) {}
  void resize(std::size_t /*groups*/) override {}  // values are appended, not indexed
  void update(const Column* column, const std::uint32_t* gids, std::size_t rows,
              std::uint64_t) override {
    const Values<In> values(*column);
    for_each_present(*column, rows, [&](std::size_t row) {
      gids_.push_back(gids[row]);
      values_.push_back(static_cast<double>(values[row]));
    });
  }
  void prepare_write(std::size_t groups) override {
    bucket_by_group(
        gids_.size(), groups, [&](std::size_t item) { return gids_[item]; }, starts_, order_);
  }
  std::size_t state_size(std::uint32_t gid) const override {
    return 8 + 8 * (starts_[gid + 1] - starts_[gid]);
  }
  std::byte* write_state(std::uint32_t gid, std::byte* out) const override {
    out = bytes::put<std::uint64_t>(out, starts_[gid + 1] - starts_[gid]);
    for (std::uint64_t idx = starts_[gid]; idx < starts_[gid + 1]; ++idx)
      out = bytes::put(out, values_[order_[idx]]);
    return out;
  }
  const std::byte* merge_state(std::uint32_t gid, const std::byte* in) override {
    const auto count = bytes::get<std::uint64_t>(in);
    for (std::uint64_t idx = 0; idx < count; ++idx) {
      gids_.push_back(gid);
      values_.push_back(bytes::get<double>(in));
    }
    return in;
  }
  Column finalize(std::size_t groups, AggregateFunction) override {
    prepare_write(groups);
    std::vector<double> sorted(values_.size());
    for (std::size_t idx = 0; idx < order_.size(); ++idx) sorted[idx] = values_[order_[idx]];
    Column out(ColumnType::kFloat64);
    out.reserve(groups);
    for (std::size_t gid = 0; gid < groups; ++gid) {
      const std::uint64_t count = starts_[gid + 1] - starts_[gid];
      if (count == 0)
        out.append_null();
      else
        out.append_f64(linear_quantile(sorted.data() + starts_[gid], count, p_));
    }
    return out;
  }
  void clear() override {
    gids_.clear();
    values_.clear();
  }
  std::size_t used_bytes() const override { return vector_bytes(gids_) + vector_bytes(values_); }

 private:
  double p_;
  std::vector<std::uint32_t> gids_;
  std::vector<double> values_;
  std::vector<std::uint64_t> starts_;
  std::vector<std::uint32_t> order_;
};

}  // namespace

std::unique_ptr<Aggregator> make_nunique(ColumnType input) {
  return visit_storage(input, [](auto value) -> std::unique_ptr<Aggregator> {
    return std::make_unique<Nunique<decltype(value)>>();
  });
}

std::unique_ptr<Aggregator> make_quantile(ColumnType input, double quantile) {
  if (input == ColumnType::kFloat64) return std::make_unique<Quantile<double>>(quantile);
  if (input == ColumnType::kBool) return std::make_unique<Quantile<std::uint8_t>>(quantile);
  return std::make_unique<Quantile<std::int64_t>>(quantile);
}

}  // namespace rankflow::ops
