// Distributed top-k: the first k rows of a sort order, over the whole table or per group
// (pandas nlargest / sort_values().head(k), groupby().head(k) after a sort), without sorting
// the table.
//
//   TopK top(comm, schema, options);          // local; ConfigError for unknown columns
//   while (source->next(block)) top.consume(block);   // local: at most ~2k candidates (per group)
//   table::Table mine = top.finish();         // collective
//
// Each rank keeps its own best candidates while it reads (a block's rows that cannot beat the
// current k-th are skipped; the candidates are cut back to k when they reach 2k). finish():
//   global:     every rank's k candidates go to rank 0 (one small exchange), which keeps the
//               first k: the result is on rank 0, in order; the other ranks' results are empty
//   per group:  candidates go to their group's owner (one exchange), which keeps k per group;
//               each rank's result holds the groups it owns, a group's rows consecutive and in
//               order, the groups in no particular order
// Ties keep input order (rank, then row), so the result is that of a stable sort then head(k).
// Order as ops::sort: ascending or descending, nulls last unless `nulls first`, NaN above +inf.
//
// Collective contract: finish() is collective over the communicator given to the constructor,
// agrees on errors itself, and is called by every rank, also ranks with no rows.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/ops/sort.hpp"
#include "rankflow/table/table.hpp"

namespace rankflow::ops {

struct TopKOptions {
  std::vector<SortKey> by;       // the order
  std::uint64_t k = 10;          // rows (per group)
  std::vector<std::string> per;  // group columns; empty: the whole table
  std::uint64_t exchange_round_bytes = std::uint64_t{1} << 30;
  bool skew_to_one_rank = false;  // debug: every group owned by rank 0
};

class TopK {
 public:
  TopK(const comm::Communicator& comm, const table::Schema& input, TopKOptions options);
  ~TopK();
  TopK(TopK&&) noexcept;
  TopK& operator=(TopK&&) = delete;

  void consume(const table::Table& block);  // local
  table::Table finish();                    // collective; call once

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// This rank's share in, this rank's share of the result out. Collective.
table::Table top_k(const comm::Communicator& comm, const table::Table& local,
                   const TopKOptions& options);

}  // namespace rankflow::ops
