// Limit: the first n rows of a distributed table in its current order (rank, then row), e.g.
// after a sort, which leaves every row of rank r before those of rank r + 1.
//
//   Limit limit(comm, n);
//   while (source->next(block)) limit.consume(block);  // local: keeps this rank's first n rows
//   table::Table mine = limit.finish();   // collective: one MPI_Exscan of the kept counts; rank
//                                         // r keeps n - (rows before it), clamped to [0, kept]
//
// Memory per rank: at most n rows. Collective contract as the other operators: finish() is
// collective, agrees on errors, and every rank calls it.
#pragma once

#include <cstdint>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/table/table.hpp"

namespace rankflow::ops {

class Limit {
 public:
  Limit(const comm::Communicator& comm, const table::Schema& input, std::uint64_t n);
  bool full() const noexcept { return kept_.num_rows() >= n_; }  // later rows are ignored
  void consume(const table::Table& block);                       // local
  table::Table finish();                                         // collective; call once

 private:
  const comm::Communicator* comm_;
  std::uint64_t n_;
  table::Table kept_;
};

table::Table limit(const comm::Communicator& comm, const table::Table& local, std::uint64_t n);

}  // namespace rankflow::ops
