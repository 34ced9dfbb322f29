// Distributed group-by: local pre-aggregation, one exchange of partial states, merge.
//
//   GroupBy group_by(comm, input_schema, options);   // validates columns and types (kConfig)
//   while (source->next(block)) group_by.consume(block);   // local: hash table of partial states
//   table::Table mine = group_by.finish();         // collective: partial states of each key go
//                                                  // to the rank that owns the key's hash
//                                                  // (comm::exchange_bytes), merged, finalized
//
// Partial states are small and explicit: mean = (sum, count); var/std = (count, mean, M2)
// merged with Chan's formula; first/last carry the global row position; nunique carries the
// distinct values; median and quantile are exact, so they carry the values themselves.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/table/table.hpp"

namespace rankflow::ops {

enum class AggregateFunction {
  kSum, kMean, kMin, kMax, kCountAll, kCount, kVar, kStd, kFirst, kLast, kNunique, kMedian,
  kQuantile,
};

struct AggregateSpec {
  AggregateFunction function = AggregateFunction::kCountAll;
  std::string column;       // empty for count()
  double quantile = 0.5;    // kQuantile only
  std::string output_name;  // "sum_revenue", "count", or the name after "as"
};

// Parses one item of `aggregate = ...`: "sum(revenue)", "count()", "quantile(value, 0.9) as p90".
// Throws ConfigError that quotes the item and says what was expected.
AggregateSpec parse_aggregate(const std::string& text);

struct GroupByOptions {
  std::vector<std::string> keys;
  std::vector<AggregateSpec> aggregates;
  int ddof = 1;                                     // var/std, as pandas and SQL
  std::uint64_t exchange_round_bytes = 1ull << 30;  // comm::exchange_bytes rounds
  bool skew_to_one_rank = false;                    // debug: every key to rank 0
};

class GroupBy {
 public:
  GroupBy(const comm::Communicator& comm, const table::Schema& input, GroupByOptions options);
  ~GroupBy();
  GroupBy(GroupBy&&) noexcept;
  GroupBy& operator=(GroupBy&&) = delete;

  const table::Schema& output_schema() const;  // keys, then one column per aggregate
  void consume(const table::Table& block);     // local
  table::Table finish();                       // collective; this rank's groups

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace rankflow::ops
