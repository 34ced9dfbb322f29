// Distributed distinct: the first row of each distinct key, where the key is all columns or a
// subset (pandas drop_duplicates(subset, keep='first'), SQL DISTINCT / DISTINCT ON).
//
//   Distinct distinct(comm, schema, options);        // local; ConfigError for unknown columns
//   while (source->next(block)) distinct.consume(block);   // local: keeps each key's first row
//   table::Table mine = distinct.finish();            // collective: the kept rows go to their
//                                                     // key's owner (one exchange_bytes), which
//                                                     // keeps the first of each key again
//
// "First" is input order: rank, then row (ranks hold consecutive parts of the input). The
// owner receives rows ordered by source rank, each source's rows in their order, so the first
// it sees of a key is the global first. Keys compare as group-by's do: nulls equal each other,
// NaN equals NaN, -0.0 equals 0.0, strings bytewise. Each rank's result holds the keys it owns,
// in input order. Memory per rank grows with the distinct keys it sees, not with the rows,
// and is bounded by options.memory with a scratch folder (spill_to).
//
// Collective contract: finish() is collective over the communicator given to the constructor
// and agrees on errors itself (comm::run_phase); every rank calls it, also ranks with no rows.
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

struct DistinctOptions {
  std::vector<std::string> columns;  // the key; empty: every column
  std::uint64_t exchange_round_bytes = std::uint64_t{1} << 30;
  bool skew_to_one_rank = false;  // debug: every key owned by rank 0
  MemoryBudget memory;
};

class Distinct {
 public:
  Distinct(const comm::Communicator& comm, const table::Schema& input, DistinctOptions options);
  ~Distinct();
  Distinct(Distinct&&) noexcept;
  Distinct& operator=(Distinct&&) = delete;

  void consume(const table::Table& block);  // local
  // Local; call before the first consume, on every rank alike, with options.memory set. Past a
  // quarter of the budget the kept rows go to scratch cut by owner and the keys are forgotten;
  // the owner files what arrives in partitions by key hash and keeps the first row of each key
  // partition by partition: the rows of the in-memory run, in input order within each partition
  // (the in-memory order when one partition is enough). See docs/memory.md.
  void spill_to(std::shared_ptr<Scratch> scratch, std::size_t block_bytes = std::size_t{1} << 20);
  table::Table finish();                    // collective; call once: exchange() and produce()
  // The same in two steps (a table job takes the rows in blocks): exchange() is collective,
  // produce() local, one table in memory or one per partition through scratch.
  void exchange();
  void produce(const std::function<bool(table::Table&)>& emit);
  std::uint64_t bytes_spilled() const;    // this rank's writes to scratch
  std::uint64_t bytes_read_back() const;  // and its reads of them
  // After exchange(): the partitions this rank keeps first rows in (1 unless through scratch).
  std::size_t partitions() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// This rank's share in, this rank's share of the result out. Collective.
table::Table distinct(const comm::Communicator& comm, const table::Table& local,
                      const DistinctOptions& options);

}  // namespace rankflow::ops
