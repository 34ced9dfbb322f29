// Distributed group-by: local pre-aggregation, one exchange of partial states, merge.
//
//   GroupBy group_by(comm, input_schema, options);   // local; validates columns and types
//                                                    // (ConfigError: call it before reading)
//   while (source->next(block)) group_by.consume(block);   // local: hash table of partial states
//   table::Table mine = group_by.finish();         // collective: partial states of each key go
//                                                  // to the rank that owns the key's hash
//                                                  // (one comm::exchange_bytes), merged, finalized
//
// Partial states are small and explicit: sum = (exact sum, count); mean = (exact sum, count);
// var/std = (count, exact sum, exact sum of squares): float sums are ExactSum accumulators
// (core/exact_sum.hpp), so results are correctly rounded and the same bits at every rank count
// and block size; first/last = (global row position, value);
// nunique carries the distinct values; median and quantile are exact, so they carry the values
// themselves (their memory grows with the rows of a group: see docs/groupby-and-sort.md).
//
// Semantics (docs/groupby-and-sort.md): null keys form a group of their own (SQL GROUP BY,
// pandas dropna=False); every aggregate but count() skips nulls; an aggregate with no value in
// a group is null (count and nunique are 0); NaN is a value, not a null, and orders above +inf;
// first/last follow the input order (rank, then row: ranks read contiguous ranges in order).
//
// Collective contract: consume() is local and may throw (the caller's comm::run_phase agrees).
// finish() is collective over the communicator given to the constructor: every rank calls it,
// also ranks that consumed no rows; it agrees on errors itself (comm::run_phase around its local
// parts), so a failure on one rank never leaves the others inside the exchange. Calling it
// inside the caller's own run_phase is harmless (the agreed error passes through unchanged).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/ops/memory_budget.hpp"
#include "rankflow/table/table.hpp"

namespace rankflow::ops {

class Scratch;  // ops/spill.hpp

enum class AggregateFunction {
  kSum,
  kMean,
  kMin,
  kMax,
  kCountAll,
  kCount,
  kVar,
  kStd,
  kFirst,
  kLast,
  kNunique,
  kMedian,
  kQuantile,
};

struct AggregateSpec {
  AggregateFunction function = AggregateFunction::kCountAll;
  std::string column;       // empty for count()
  double quantile = 0.5;    // kQuantile only, in [0, 1]
  std::string output_name;  // "sum_revenue", "count", "quantile_0.9_value", or the name after "as"
};

// Parses one item of `aggregate = ...`: "sum(revenue)", "count()", "quantile(value, 0.9) as p90".
// Function names are case-insensitive. Throws ConfigError that quotes the item and says what
// was expected.
AggregateSpec parse_aggregate(const std::string& text);
// Parses a whole `aggregate = ...` value: items separated by commas outside parentheses.
std::vector<AggregateSpec> parse_aggregates(const std::string& text);
// "sum", "count", ... as written in configs.
std::string aggregate_function_name(AggregateFunction function);

struct GroupByOptions {
  std::vector<std::string> keys;  // may be empty: one group of all rows
  std::vector<AggregateSpec> aggregates;
  int ddof = 1;                                     // var/std, as pandas and SQL
  std::uint64_t exchange_round_bytes = 1ull << 30;  // comm::exchange_bytes rounds
  bool skew_to_one_rank = false;                    // debug: every key to rank 0
};

// What one rank did, for logs and benchmarks.
struct GroupByStats {
  std::uint64_t rows = 0;          // rows consumed
  std::uint64_t local_groups = 0;  // distinct keys before the exchange
  std::uint64_t bytes_sent = 0;    // serialized partial states, all destinations
  std::uint64_t bytes_received = 0;
  std::uint64_t groups = 0;  // groups this rank owns in the result
  std::uint64_t cached_rows = 0;  // one string key: rows whose group its small cache knew
  std::uint64_t spills = 0;           // times the local table was written to scratch and reset
  std::uint64_t bytes_spilled = 0;    // written to scratch (before and after the exchange)
  std::uint64_t bytes_read_back = 0;  // read back from it
  std::uint64_t partitions = 0;  // the owner's merge through scratch: in how many partitions
};

// Spilling (GroupBy::spill_to): where the partial states go when the local table reaches its
// share of the budget.
struct GroupBySpill {
  std::shared_ptr<Scratch> scratch;
  MemoryBudget memory;  // the table holds at most a quarter of it before it spills
  std::size_t block_bytes = std::size_t{1} << 20;  // the spill files' write buffer
};

class GroupBy {
 public:
  // Throws ConfigError for an unknown key or column, an aggregate that does not apply to its
  // column's type (sum of a string), duplicate output names, or a bad ddof/quantile.
  GroupBy(const comm::Communicator& comm, const table::Schema& input, GroupByOptions options);
  ~GroupBy();
  GroupBy(GroupBy&&) noexcept;
  GroupBy& operator=(GroupBy&&) = delete;

  const table::Schema& output_schema() const;  // keys, then one column per aggregate
  void consume(const table::Table& block);     // local; block has the input schema

  // Whole rows instead of columns (local): float64 input columns whose values the caller also
  // has row by row, as read (a 2-D HDF5 dataset: io::TableSource::row_major). Column
  // `columns[k].column` of row r is rows[r * stride + columns[k].offset], never null. When every
  // aggregate of these columns is a sum, mean, min, max or count(col) and none of them is a key,
  // they are folded from the rows (one pass per row into adjacent per-group sums) and the
  // block's copies of them are never read: returns true, and every later block must come with
  // its rows, consume(block, rows). Otherwise returns false and changes nothing. Call before
  // the first consume.
  struct RowMajorColumn {
    std::size_t column = 0;  // input column
    std::size_t offset = 0;  // doubles from the start of a row
  };
  bool use_row_major(const std::vector<RowMajorColumn>& columns, std::size_t stride);
  void consume(const table::Table& block, const double* rows);
  // Local; call before the first consume, on every rank alike. Past its share of the budget
  // the local table's partial states are written to scratch, already cut by owner rank, and
  // the table starts again empty; finish() then sends them in rounds. The owner files what
  // arrives in partitions by key hash, as many as its merge needs to hold one partition within
  // the table's share, and merges them one at a time. The groups and every value are the
  // in-memory run's, byte for byte; their order is too when one partition is enough (the
  // in-memory order within each partition otherwise). Also without any table spilled, the
  // exchange goes through scratch when an owner's merge would not fit its share.
  // See docs/memory.md for what is bounded.
  void spill_to(GroupBySpill spill);
  // Collective; this rank's groups, in no particular order (sort them for a stable output).
  // Call once: exchange() then everything produce() emits, as one table.
  table::Table finish();
  // The same in two steps, for a caller that takes the result in blocks (a table job):
  // exchange() is collective (every partial state to its owner; in memory, merged there, or
  // through scratch, filed in partitions by key hash), produce() is local and emits this rank's
  // groups: one table in memory, one per partition through scratch (merged one at a time, so
  // the owner holds one partition's groups at once). Stops early when emit returns false.
  void exchange();
  void produce(const std::function<bool(table::Table&)>& emit);
  const GroupByStats& stats() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace rankflow::ops
