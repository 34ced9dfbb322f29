// MPI_Reduce / MPI_Allreduce of partial states with a merge function of rankflow's own.
//
// Reductions carry small explicit states (count, mean, M2, min, max, exact sums) that MPI's
// built-in operators cannot combine. reduce_merge sends them as opaque bytes and merges them
// with `Merge` inside an MPI user operator, element by element:
//
//   struct Moments { double count, mean, m2; };
//   void merge(const Moments& in, Moments& inout);     // inout = in (+) inout
//   comm::reduce_merge<Moments, merge>(comm, states.data(), states.size(), /*root=*/0);
//
// The operator is declared non-commutative, so MPI combines states in rank order: the result
// does not depend on the arrival order of messages, only on the rank count.
//
// Collective over `comm`. T must be trivially copyable and the same on every rank. Counts
// above INT_MAX are sent in rounds.
#pragma once

#include <mpi.h>

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include "rankflow/comm/communicator.hpp"

namespace rankflow::comm {
namespace detail {

template <typename T, void (*Merge)(const T&, T&)>
void merge_elements(void* in, void* inout, int* len, MPI_Datatype* /*type*/) {
  const T* incoming = static_cast<const T*>(in);
  T* accumulated = static_cast<T*>(inout);
  for (int idx = 0; idx < *len; ++idx) Merge(incoming[idx], accumulated[idx]);
}

// Owns a committed byte type of sizeof(T) and the user operator; frees both.
template <typename T, void (*Merge)(const T&, T&)>
class MergeOp {
 public:
  MergeOp() {
    check_mpi(MPI_Type_contiguous(static_cast<int>(sizeof(T)), MPI_BYTE, &type_),
              "MPI_Type_contiguous");
    check_mpi(MPI_Type_commit(&type_), "MPI_Type_commit");
    check_mpi(MPI_Op_create(&merge_elements<T, Merge>, /*commute=*/0, &op_), "MPI_Op_create");
  }
  ~MergeOp() {
    if (op_ != MPI_OP_NULL) MPI_Op_free(&op_);
    if (type_ != MPI_DATATYPE_NULL) MPI_Type_free(&type_);
  }
  MergeOp(const MergeOp&) = delete;
  MergeOp& operator=(const MergeOp&) = delete;
  MPI_Datatype type() const { return type_; }
  MPI_Op op() const { return op_; }

 private:
  MPI_Datatype type_ = MPI_DATATYPE_NULL;
  MPI_Op op_ = MPI_OP_NULL;
};

inline constexpr std::size_t kMergeRound = std::size_t{1} << 24;  // elements per MPI call

}  // namespace detail

// In place: on `root`, values[i] becomes the merge of every rank's values[i]; elsewhere
// values are left unspecified.
template <typename T, void (*Merge)(const T&, T&)>
void reduce_merge(const Communicator& comm, T* values, std::size_t count, int root) {
  static_assert(std::is_trivially_copyable_v<T>);
  detail::MergeOp<T, Merge> merge;
  for (std::size_t done = 0; done < count; done += detail::kMergeRound) {
    const int round = static_cast<int>(std::min(detail::kMergeRound, count - done));
    T* part = values + done;
    const void* send = comm.rank() == root ? MPI_IN_PLACE : static_cast<const void*>(part);
    check_mpi(MPI_Reduce(send, part, round, merge.type(), merge.op(), root, comm.native()),
              "MPI_Reduce");
  }
}

// In place on every rank.
template <typename T, void (*Merge)(const T&, T&)>
void allreduce_merge(const Communicator& comm, T* values, std::size_t count) {
  static_assert(std::is_trivially_copyable_v<T>);
  detail::MergeOp<T, Merge> merge;
  for (std::size_t done = 0; done < count; done += detail::kMergeRound) {
    const int round = static_cast<int>(std::min(detail::kMergeRound, count - done));
    check_mpi(
        MPI_Allreduce(MPI_IN_PLACE, values + done, round, merge.type(), merge.op(), comm.native()),
        "MPI_Allreduce");
  }
}

}  // namespace rankflow::comm
