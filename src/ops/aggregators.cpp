#include "aggregators.hpp"

#include <cmath>
#include <cstring>
#include <type_traits>
#include <limits>
#include <string>
#include <vector>

#include "rankflow/core/exact_sum.hpp"
#include "rankflow/core/error.hpp"
#include "value_ops.hpp"

namespace rankflow::ops {
namespace {

using table::Column;
using table::ColumnType;

template <typename T>
Column column_from(ColumnType type, const std::vector<T>& values, std::size_t groups) {
  Column out(type);
  out.resize_fixed(groups);
  if (groups == 0) return out;
  if constexpr (std::is_same_v<T, double>)
    std::memcpy(out.mutable_f64(), values.data(), groups * sizeof(T));
  else
    std::memcpy(out.mutable_i64(), values.data(), groups * sizeof(T));
  return out;
}

// count() and count(col): n.
class Count final : public Aggregator {
 public:
  explicit Count(bool all_rows) : all_rows_(all_rows) {}
  void resize(std::size_t groups) override { counts_.resize(groups, 0); }
  void update(const Column* column, const std::uint32_t* gids, std::size_t rows,
              std::uint64_t) override {
    if (all_rows_) {
      std::int64_t* counts = counts_.data();
      for (std::size_t row = 0; row < rows; ++row) {
        if (row + kPrefetchRows < rows) __builtin_prefetch(counts + gids[row + kPrefetchRows], 1);
        ++counts[gids[row]];
      }
    } else {
      for_each_present(*column, rows, [&](std::size_t row) { ++counts_[gids[row]]; });
    }
  }
  std::size_t state_size(std::uint32_t) const override { return 8; }
  std::byte* write_state(std::uint32_t gid, std::byte* out) const override {
    return bytes::put(out, counts_[gid]);
  }
  const std::byte* merge_state(std::uint32_t gid, const std::byte* in) override {
    counts_[gid] += bytes::get<std::int64_t>(in);
    return in;
  }
  Column finalize(std::size_t groups, AggregateFunction) override {
    return column_from(ColumnType::kInt64, counts_, groups);
  }
  void clear() override { counts_.clear(); }
  std::size_t used_bytes() const override { return vector_bytes(counts_); }

 private:
  bool all_rows_;
  std::vector<std::int64_t> counts_;
};

// var and std: (n, exact sum, exact sum of squares); a value's square enters as two doubles
// (the product and its error, exact_sum.hpp), so the variance is a function of exact sums and
// gives the same bits whatever the order of the rows and the merges.
template <typename In>
class Variance final : public Aggregator {
 public:
  Variance(bool std_dev, int ddof) : std_(std_dev), ddof_(ddof) {}
  void resize(std::size_t groups) override { states_.resize(groups); }
  void update(const Column* column, const std::uint32_t* gids, std::size_t rows,
              std::uint64_t) override {
    const Values<In> values(*column);
    for_each_present(*column, rows, [&](std::size_t row) {
      State& state = states_[gids[row]];
      const auto value = static_cast<double>(values[row]);
      ++state.count;
      state.sum.add(value);
      state.squares.add_product(value, value);
    });
  }
  std::size_t state_size(std::uint32_t gid) const override {
    return 8 + states_[gid].sum.state_size() + states_[gid].squares.state_size();
  }
  std::byte* write_state(std::uint32_t gid, std::byte* out) const override {
    const State& state = states_[gid];
    return state.squares.write(state.sum.write(bytes::put(out, state.count)));
  }
  const std::byte* merge_state(std::uint32_t gid, const std::byte* in) override {
    State& state = states_[gid];
    state.count += bytes::get<std::uint64_t>(in);
    return state.squares.read_merge(state.sum.read_merge(in));
  }
  Column finalize(std::size_t groups, AggregateFunction) override {
    Column out(ColumnType::kFloat64);
    out.reserve(groups);
    for (std::size_t gid = 0; gid < groups; ++gid) {
      const State& state = states_[gid];
      if (state.count == 0 || static_cast<std::int64_t>(state.count) - ddof_ <= 0) {
        out.append_null();
        continue;
      }
      const double variance = exact_variance(state.sum, state.squares, state.count, ddof_);
      out.append_f64(std_ ? std::sqrt(variance) : variance);
    }
    return out;
  }
  void clear() override { states_.clear(); }
  std::size_t used_bytes() const override { return vector_bytes(states_); }

 private:
  struct State {
    std::uint64_t count = 0;
    ExactSum sum;
    ExactSum squares;
  };
  bool std_;
  int ddof_;
  std::vector<State> states_;
};

// min and max: (value, present).
template <typename T, bool kMax>
class MinMax final : public Aggregator {
 public:
  explicit MinMax(ColumnType type) : type_(type) {}
  void resize(std::size_t groups) override {
    values_.resize(groups, T{});
    present_.resize(groups, 0);
  }
  void update(const Column* column, const std::uint32_t* gids, std::size_t rows,
              std::uint64_t) override {
    const Values<T> values(*column);
    for_each_present(*column, rows, [&](std::size_t row) { offer(gids[row], values[row]); });
  }
  std::size_t state_size(std::uint32_t gid) const override { return 1 + value_size(values_[gid]); }
  std::byte* write_state(std::uint32_t gid, std::byte* out) const override {
    return write_value(bytes::put(out, present_[gid]), values_[gid]);
  }
  const std::byte* merge_state(std::uint32_t gid, const std::byte* in) override {
    const auto present = bytes::get<std::uint8_t>(in);
    const auto value = read_value<T>(in);
    if (present != 0) offer(gid, value);
    return in;
  }
  Column finalize(std::size_t groups, AggregateFunction) override {
    Column out(type_);
    out.reserve(groups);
    for (std::size_t gid = 0; gid < groups; ++gid) {
      if (present_[gid] != 0)
        append_value(out, values_[gid]);
      else
        out.append_null();
    }
    return out;
  }
  void clear() override {
    values_.clear();
    present_.clear();
  }
  std::size_t used_bytes() const override {
    std::size_t bytes = vector_bytes(values_) + vector_bytes(present_);
    if constexpr (std::is_same_v<T, std::string>)
      for (const std::string& value : values_) bytes += value.size();
    return bytes;
  }

 private:
  template <typename V>
  void offer(std::uint32_t gid, const V& value) {
    const bool better =
        kMax ? value_greater<T>(value, values_[gid]) : value_less<T>(value, values_[gid]);
    if (present_[gid] == 0 || better) {
      assign_value(values_[gid], value);
      present_[gid] = 1;
    }
  }

  ColumnType type_;
  std::vector<T> values_;
  std::vector<std::uint8_t> present_;
};

// first and last non-null value by input position.
template <typename T, bool kLast>
class FirstLast final : public Aggregator {
 public:
  static constexpr std::uint64_t kNone = std::numeric_limits<std::uint64_t>::max();
  explicit FirstLast(ColumnType type) : type_(type) {}
  void resize(std::size_t groups) override {
    values_.resize(groups, T{});
    positions_.resize(groups, kNone);
  }
  void update(const Column* column, const std::uint32_t* gids, std::size_t rows,
              std::uint64_t first_position) override {
    const Values<T> values(*column);
    // Rows arrive in input order, so first keeps the first seen and last the last seen.
    for_each_present(*column, rows, [&](std::size_t row) {
      const std::uint32_t gid = gids[row];
      if (!kLast && positions_[gid] != kNone) return;
      positions_[gid] = first_position + row;
      assign_value(values_[gid], values[row]);
    });
  }
  std::size_t state_size(std::uint32_t gid) const override { return 8 + value_size(values_[gid]); }
  std::byte* write_state(std::uint32_t gid, std::byte* out) const override {
    return write_value(bytes::put(out, positions_[gid]), values_[gid]);
  }
  const std::byte* merge_state(std::uint32_t gid, const std::byte* in) override {
    const auto position = bytes::get<std::uint64_t>(in);
    const auto value = read_value<T>(in);
    if (position == kNone) return in;
    const std::uint64_t mine = positions_[gid];
    if (mine == kNone || (kLast ? position > mine : position < mine)) {
      positions_[gid] = position;
      assign_value(values_[gid], value);
    }
    return in;
  }
  Column finalize(std::size_t groups, AggregateFunction) override {
    Column out(type_);
    out.reserve(groups);
    for (std::size_t gid = 0; gid < groups; ++gid) {
      if (positions_[gid] != kNone)
        append_value(out, values_[gid]);
      else
        out.append_null();
    }
    return out;
  }
  void clear() override {
    values_.clear();
    positions_.clear();
  }
  std::size_t used_bytes() const override {
    std::size_t bytes = vector_bytes(values_) + vector_bytes(positions_);
    if constexpr (std::is_same_v<T, std::string>)
      for (const std::string& value : values_) bytes += value.size();
    return bytes;
  }

 private:
  ColumnType type_;
  std::vector<T> values_;
  std::vector<std::uint64_t> positions_;
};

bool is_numeric(ColumnType type) {
  return type == ColumnType::kInt64 || type == ColumnType::kFloat64 || type == ColumnType::kBool;
}

// Calls fn(In{}) with the storage type of a numeric column.
template <typename Fn>
std::unique_ptr<Aggregator> visit_numeric(ColumnType type, Fn&& fn) {
  if (type == ColumnType::kFloat64) return fn(double{});
  if (type == ColumnType::kBool) return fn(std::uint8_t{});
  return fn(std::int64_t{});
}

}  // namespace

ColumnType aggregate_output_type(const AggregateSpec& spec, ColumnType input) {
  const std::string name = aggregate_function_name(spec.function);
  auto need_numeric = [&] {
    if (!is_numeric(input))
      throw ConfigError("{}({}): {} needs a numeric column (int64, float64 or bool); '{}' is {}",
                        name, spec.column, name, spec.column, table::column_type_name(input));
  };
  switch (spec.function) {
    case AggregateFunction::kCountAll:
    case AggregateFunction::kCount:
    case AggregateFunction::kNunique:
      return ColumnType::kInt64;
    case AggregateFunction::kSum:
      need_numeric();
      return input == ColumnType::kFloat64 ? ColumnType::kFloat64 : ColumnType::kInt64;
    case AggregateFunction::kMean:
    case AggregateFunction::kVar:
    case AggregateFunction::kStd:
    case AggregateFunction::kMedian:
    case AggregateFunction::kQuantile:
      need_numeric();
      return ColumnType::kFloat64;
    case AggregateFunction::kMin:
    case AggregateFunction::kMax:
    case AggregateFunction::kFirst:
    case AggregateFunction::kLast:
      return input;
  }
  return input;
}

std::unique_ptr<Aggregator> make_aggregator(const AggregateSpec& spec, ColumnType input, int ddof) {
  aggregate_output_type(spec, input);  // validates
  switch (spec.function) {
    case AggregateFunction::kCountAll:
      return std::make_unique<Count>(true);
    case AggregateFunction::kCount:
      return std::make_unique<Count>(false);
    case AggregateFunction::kSum:
    case AggregateFunction::kMean:
      return make_numeric_summary(input, true, false, spec.output_name);
    case AggregateFunction::kVar:
    case AggregateFunction::kStd: {
      const bool std_dev = spec.function == AggregateFunction::kStd;
      return visit_numeric(input, [&](auto in) -> std::unique_ptr<Aggregator> {
        return std::make_unique<Variance<decltype(in)>>(std_dev, ddof);
      });
    }
    case AggregateFunction::kMin:
    case AggregateFunction::kMax:
      if (is_fused(spec.function, input))
        return make_numeric_summary(input, false, true, spec.output_name);
      [[fallthrough]];
    case AggregateFunction::kFirst:
    case AggregateFunction::kLast:
      return visit_storage(input, [&](auto value) -> std::unique_ptr<Aggregator> {
        using T = decltype(value);
        switch (spec.function) {
          case AggregateFunction::kMin:
            return std::make_unique<MinMax<T, false>>(input);
          case AggregateFunction::kMax:
            return std::make_unique<MinMax<T, true>>(input);
          case AggregateFunction::kFirst:
            return std::make_unique<FirstLast<T, false>>(input);
          default:
            return std::make_unique<FirstLast<T, true>>(input);
        }
      });
    case AggregateFunction::kNunique:
      return make_nunique(input);
    case AggregateFunction::kMedian:
      return make_quantile(input, 0.5);
    case AggregateFunction::kQuantile:
      return make_quantile(input, spec.quantile);
  }
  throw DataError("internal: unknown aggregate function");
}

}  // namespace rankflow::ops
