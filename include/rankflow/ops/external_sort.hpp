// External sort: ops::sort (the sample sort) for tables whose share does not fit the memory
// budget. The same global order and stability: every row on rank r sorts before every row on
// rank r+1, equal keys keep input order (rank, then row).
//
//   ExternalSort sorter(comm, schema, keys, options);  // options.scratch: where runs go
//   sorter.consume(block) ...                   // local: buffers; a sorted run to scratch
//                                               // whenever the buffer reaches budget / 4
//   sorter.finish();                            // collective
//   sorter.produce(emit);                       // local: this rank's rows, in order, in blocks
//
// When no rank spilled, finish() is the in-memory sample sort (sort.hpp) and produce() emits
// its result as one block. Otherwise finish():
//   1. spills the last buffer as a run; every rank's runs were sampled as they were written
//      (keys, rank, run and position in the run: the same order as (keys, rank, row))
//   2. every rank gets every sample and picks the same P - 1 splitters (by weight)
//   3. each run is read back chunk by chunk and cut at the splitters; the pieces go to their
//      rank in exchange rounds of at most budget / (8 P) per rank, and each rank writes what it
//      receives to scratch as runs (one per source rank and source run)
//   4. while there are more runs than fit in memory at once (two chunks each in half the
//      budget), runs are merged group by group into longer ones
// and produce() merges the last runs (a heap of one cursor per run; ties go to the earlier run,
// ordered by source rank then run) into blocks of output_block_rows.
//
// Memory per rank: the buffer (budget / 4, counted by capacity), one chunk per run being merged
// and the block being emitted; see docs/memory.md for the fixed part outside the budget.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/ops/sort.hpp"
#include "rankflow/table/table.hpp"

namespace rankflow::ops {

class ExternalSort {
 public:
  // Throws ConfigError when a key names no column.
  ExternalSort(const comm::Communicator& comm, const table::Schema& schema,
               std::vector<SortKey> keys, SortOptions options);
  ~ExternalSort();
  ExternalSort(const ExternalSort&) = delete;
  ExternalSort& operator=(const ExternalSort&) = delete;

  void consume(const table::Table& block);  // local
  void consume(table::Table&& block);       // local; the block is taken whole when it can be
  void finish();                            // collective; agrees on its errors
  bool spilled() const noexcept;            // after finish: the rows went through scratch
  // Local, after finish: this rank's rows in order; stops early when emit returns false.
  void produce(const std::function<bool(table::Table&)>& emit);
  table::Table collect();  // local, after finish: everything produce() would emit, one table

  std::uint64_t bytes_spilled() const noexcept;    // this rank's writes to scratch
  std::uint64_t bytes_read_back() const noexcept;  // and its reads of them

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace rankflow::ops
