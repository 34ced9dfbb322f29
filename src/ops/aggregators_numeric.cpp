// The fused numeric summary: sum, mean, min, max and count(col) of one int64, float64 or bool
// column share one state per group,
//
//   | sum | n | min | max |      (min/max: int64 for int64 and bool columns, else double; sum:
//                                 int128 for int64 and bool columns, else a CompactSum; min
//                                 and max only when one of them is asked for)
//
// A float sum is exact too (CompactSum, compact_sum.hpp: 24 bytes, a full ExactSum from the
// aggregator's pool only for a group whose values leave its window), rounded once when the
// group is finished: sum is the correctly rounded sum and mean that sum divided by n, the same
// bits at every rank count and block size. Its state travels as the window (and the pooled
// accumulator's non-zero part, when there is one).
//
// An integer sum is exact in 128 bits (2^64 rows of int64 cannot overflow it), so the result
// does not depend on the order of the additions: a sum whose running total leaves int64 on one
// rank but whose total fits (2^62 + 2^62 - 2^62 - 2^62) is the same at every rank count, and a
// mean of large integers is their mean. Only the finished sum is checked against int64.
// updated in one pass over the column. A group-by such as W1 (sum, mean, min, max of one
// column) then touches one state per row instead of four arrays: the states of 100k groups do
// not fit in cache, so each random access is what a row costs.
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "aggregators.hpp"
#include "rankflow/core/compact_sum.hpp"
#include "rankflow/core/error.hpp"
#include "value_ops.hpp"

namespace rankflow::ops {
namespace {

using table::Column;
using table::ColumnType;

__extension__ using int128 = __int128;  // GCC/Clang

template <typename In, typename Acc, bool kExtremes>
class NumericSummary final : public Aggregator {
 public:
  static constexpr bool kFloat = std::is_same_v<Acc, double>;
  using Sum = std::conditional_t<kFloat, CompactSum, int128>;
  struct SumCount {
    Sum sum;
    std::int64_t count;
  };
  struct SumCountExtremes {
    Sum sum;
    std::int64_t count;
    Acc min;
    Acc max;
  };
  // Float states: 32 or 48 bytes, the exact sum a CompactSum (its rare outliers in pool_).
  struct FloatCount {
    std::int64_t count;
    CompactSum sum;
  };
  struct FloatCountExtremes {
    std::int64_t count;
    Acc min;
    Acc max;
    CompactSum sum;
  };
  using Summary = std::conditional_t<
      kFloat, std::conditional_t<kExtremes, FloatCountExtremes, FloatCount>,
      std::conditional_t<kExtremes, SumCountExtremes, SumCount>>;

  static constexpr std::size_t kCachedStateBytes = std::size_t{256} << 10;

  NumericSummary(ColumnType type, bool checks_sum, std::string name)
      : type_(type), checks_sum_(checks_sum), name_(std::move(name)) {}

  void resize(std::size_t groups) override { states_.resize(groups, empty()); }
  void update(const Column* column, const std::uint32_t* gids, std::size_t rows,
              std::uint64_t) override {
    if (states_.size() * sizeof(Summary) <= kCachedStateBytes) {
      update_rows<false>(column, gids, rows);
    } else {
      update_rows<true>(column, gids, rows);
    }
  }
  // States of many groups miss the cache; the rows ahead are known, so fetch early. A few
  // groups (W6's 1000 stations) stay in cache, and the prefetches would only cost.
  template <bool kPrefetch>
  void update_rows(const Column* column, const std::uint32_t* gids, std::size_t rows) {
    const Values<In> values(*column);
    Summary* states = states_.data();
    for_each_present(*column, rows, [&](std::size_t row) {
      if constexpr (kPrefetch) {
        if (row + kPrefetchRows < rows) {
          const Summary* ahead = states + gids[row + kPrefetchRows];
          __builtin_prefetch(ahead, 1);
          // A 48-byte state may end in the next cache line.
          if constexpr (sizeof(Summary) > 32)
            __builtin_prefetch(reinterpret_cast<const char*>(ahead + 1) - 1, 1);
        }
      }
      Summary& state = states[gids[row]];
      const auto value = static_cast<Acc>(values[row]);
      if constexpr (kFloat)
        state.sum.add(value, pool_);
      else
        state.sum += static_cast<Sum>(value);
      ++state.count;
      if constexpr (kExtremes) {
        if (less(value, state.min)) state.min = value;
        if (less(state.max, value)) state.max = value;
      }
    });
  }
  // Float sums travel as count, [min, max,] and the accumulator's bytes; integer states whole.
  std::size_t state_size(std::uint32_t gid) const override {
    if constexpr (kFloat)
      return sizeof(std::int64_t) + (kExtremes ? 2 * sizeof(Acc) : 0) +
             states_[gid].sum.state_size(pool_);
    else
      return sizeof(Summary);
  }
  std::byte* write_state(std::uint32_t gid, std::byte* out) const override {
    const Summary& state = states_[gid];
    if constexpr (kFloat) {
      out = bytes::put(out, state.count);
      if constexpr (kExtremes) out = bytes::put(bytes::put(out, state.min), state.max);
      return state.sum.write(out, pool_);
    } else {
      std::memcpy(out, &state, sizeof(Summary));
      return out + sizeof(Summary);
    }
  }
  const std::byte* merge_state(std::uint32_t gid, const std::byte* in) override {
    Summary& state = states_[gid];
    Summary other = empty();
    if constexpr (kFloat) {
      other.count = bytes::get<std::int64_t>(in);
      if constexpr (kExtremes) {
        other.min = bytes::get<Acc>(in);
        other.max = bytes::get<Acc>(in);
      }
      in = state.sum.read_merge(in, pool_);
    } else {
      std::memcpy(&other, in, sizeof(Summary));
      state.sum += other.sum;
      in += sizeof(Summary);
    }
    state.count += other.count;
    if constexpr (kExtremes) {
      if (less(other.min, state.min)) state.min = other.min;
      if (less(state.max, other.max)) state.max = other.max;
    }
    return in;
  }
  Column finalize(std::size_t groups, AggregateFunction function) override {
    Column out(output_type(function));
    out.reserve(groups);
    for (std::size_t gid = 0; gid < groups; ++gid) {
      const Summary& state = states_[gid];
      if (function == AggregateFunction::kCount) {
        out.append_i64(state.count);
      } else if (state.count == 0) {
        out.append_null();
      } else if (function == AggregateFunction::kMean) {
        out.append_f64(sum_value(state.sum) / static_cast<double>(state.count));
      } else if (function == AggregateFunction::kSum) {
        append(out, checked_sum(state.sum));
      } else {
        append(out, value_of(state, function));
      }
    }
    return out;
  }
  void clear() override {
    states_.clear();
    pool_.clear();
  }
  std::size_t used_bytes() const override { return vector_bytes(states_) + pool_.bytes(); }

 private:
  static Summary empty() {
    Summary state{};
    if constexpr (kExtremes && std::is_same_v<Acc, double>) {
      state.min = std::numeric_limits<double>::quiet_NaN();  // the top of the total order
      state.max = -std::numeric_limits<double>::infinity();
    } else if constexpr (kExtremes) {
      state.min = std::numeric_limits<Acc>::max();
      state.max = std::numeric_limits<Acc>::min();
    }
    return state;
  }
  double sum_value(const Sum& sum) const {
    if constexpr (kFloat)
      return sum.round(pool_);
    else
      return static_cast<double>(sum);
  }
  Acc value_of(const Summary& state, AggregateFunction function) const {
    if constexpr (kExtremes) {
      if (function == AggregateFunction::kMin) return state.min;
      if (function == AggregateFunction::kMax) return state.max;
    }
    if constexpr (kFloat)
      return state.sum.round(pool_);
    else
      return static_cast<Acc>(state.sum);
  }
  Acc checked_sum(const Sum& sum) const {
    if constexpr (kFloat) {
      return sum.round(pool_);
    } else {
      if (checks_sum_ && (sum < static_cast<Sum>(std::numeric_limits<Acc>::min()) ||
                          sum > static_cast<Sum>(std::numeric_limits<Acc>::max())))
        throw_overflow();
      return static_cast<Acc>(sum);
    }
  }
  static bool less(Acc left, Acc right) {
    if constexpr (std::is_same_v<Acc, double>)
      return total_less(left, right);
    else
      return left < right;
  }
  ColumnType output_type(AggregateFunction function) const {
    switch (function) {
      case AggregateFunction::kCount:
        return ColumnType::kInt64;
      case AggregateFunction::kMean:
        return ColumnType::kFloat64;
      case AggregateFunction::kSum:
        return std::is_same_v<Acc, double> ? ColumnType::kFloat64 : ColumnType::kInt64;
      default:
        return type_;
    }
  }
  void append(Column& out, Acc value) const {
    if (out.type() == ColumnType::kBool)
      out.append_bool(value != 0);
    else if constexpr (std::is_same_v<Acc, double>)
      out.append_f64(value);
    else
      out.append_i64(value);
  }
  [[noreturn]] void throw_overflow() const {
    throw DataError("{}: the sum overflows int64 (use a float64 column)", name_);
  }

  ColumnType type_;
  bool checks_sum_;
  std::string name_;
  std::vector<Summary> states_;
  ExactSumPool pool_;  // the float sums' full accumulators, for the few that need one
};

}  // namespace

bool is_fused(AggregateFunction function, ColumnType input) {
  const bool numeric =
      input == ColumnType::kInt64 || input == ColumnType::kFloat64 || input == ColumnType::kBool;
  const bool summary = function == AggregateFunction::kSum ||
                       function == AggregateFunction::kMean ||
                       function == AggregateFunction::kMin || function == AggregateFunction::kMax ||
                       function == AggregateFunction::kCount;
  return numeric && summary;
}

namespace {

template <bool kExtremes>
std::unique_ptr<Aggregator> make_summary(ColumnType input, bool checks_sum, std::string name) {
  if (input == ColumnType::kFloat64)
    return std::make_unique<NumericSummary<double, double, kExtremes>>(input, checks_sum,
                                                                       std::move(name));
  if (input == ColumnType::kBool)
    return std::make_unique<NumericSummary<std::uint8_t, std::int64_t, kExtremes>>(
        input, checks_sum, std::move(name));
  return std::make_unique<NumericSummary<std::int64_t, std::int64_t, kExtremes>>(input, checks_sum,
                                                                                 std::move(name));
}

}  // namespace

std::unique_ptr<Aggregator> make_numeric_summary(ColumnType input, bool checks_sum, bool extremes,
                                                 std::string name) {
  return extremes ? make_summary<true>(input, checks_sum, std::move(name))
                  : make_summary<false>(input, checks_sum, std::move(name));
}

}  // namespace rankflow::ops
