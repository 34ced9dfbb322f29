// Communicator: an owning, move-only wrapper around a duplicate of an MPI communicator.
//
// The duplicate isolates rankflow's messages from the caller's, and carries MPI_ERRORS_RETURN
// so that a failed MPI call becomes an Error instead of an abort. Library code receives a
// Communicator and never names MPI_COMM_WORLD.
//
// Every collective here is collective over the communicator: every rank calls it, in the same
// order, with the same element type and count where MPI requires it.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "rankflow/core/error.hpp"

namespace rankflow::comm {

enum class ReduceOp { kSum, kMin, kMax };

template <typename T>
MPI_Datatype mpi_type();

// Throws Error(kRuntime) naming `what` and MPI's message when `code` is not MPI_SUCCESS.
void check_mpi(int code, const char* what);

class Communicator {
 public:
  // Duplicates `parent`; the duplicate is freed by the destructor.
  explicit Communicator(MPI_Comm parent);
  ~Communicator();
  Communicator(Communicator&& other) noexcept;
  Communicator& operator=(Communicator&& other) noexcept;
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }
  MPI_Comm native() const noexcept { return comm_; }

  void barrier() const;

  template <typename T>
  T allreduce(T value, ReduceOp op) const {
    T result{};
    check_mpi(MPI_Allreduce(&value, &result, 1, mpi_type<T>(), native_op(op), comm_),
              "MPI_Allreduce");
    return result;
  }

  // In place, element by element, on every rank.
  template <typename T>
  void allreduce_inplace(T* values, std::size_t count, ReduceOp op) const {
    check_mpi(MPI_Allreduce(MPI_IN_PLACE, values, checked_count(count), mpi_type<T>(),
                            native_op(op), comm_),
              "MPI_Allreduce");
  }

  // Element by element into `result` on `root` (ignored elsewhere).
  template <typename T>
  void reduce(const T* values, T* result, std::size_t count, ReduceOp op, int root) const {
    check_mpi(MPI_Reduce(values, result, checked_count(count), mpi_type<T>(), native_op(op),
                         root, comm_),
              "MPI_Reduce");
  }

  // Sum of `value` over the ranks before this one (0 on rank 0).
  template <typename T>
  T exscan_sum(T value) const {
    T result{};
    check_mpi(MPI_Exscan(&value, &result, 1, mpi_type<T>(), MPI_SUM, comm_), "MPI_Exscan");
    return rank_ == 0 ? T{} : result;
  }

  template <typename T>
  std::vector<T> allgather(T value) const {
    static_assert(std::is_trivially_copyable_v<T>);
    std::vector<T> result(static_cast<std::size_t>(size_));
    check_mpi(MPI_Allgather(&value, static_cast<int>(sizeof(T)), MPI_BYTE, result.data(),
                            static_cast<int>(sizeof(T)), MPI_BYTE, comm_),
              "MPI_Allgather");
    return result;
  }

  template <typename T>
  void bcast(T* values, std::size_t count, int root) const {
    static_assert(std::is_trivially_copyable_v<T>);
    check_mpi(MPI_Bcast(values, checked_count(count * sizeof(T)), MPI_BYTE, root, comm_),
              "MPI_Bcast");
  }

  void bcast(std::string& text, int root) const;
  void bcast(std::vector<std::byte>& bytes, int root) const;

  // Every rank's string, on every rank.
  std::vector<std::string> allgather_strings(const std::string& text) const;

  // Ranks with the same `color` form a new communicator (MPI_Comm_split).
  Communicator split(int color, int key) const;
  // The ranks that share memory with this one (MPI_COMM_TYPE_SHARED): one per node.
  Communicator split_shared() const;

  // MPI counts are int: sizes above INT_MAX must be sent in rounds (comm/exchange.hpp).
  static int checked_count(std::size_t count);

 private:
  struct Adopt {};
  Communicator(MPI_Comm owned, Adopt);
  static MPI_Op native_op(ReduceOp op);
  void release() noexcept;

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace rankflow::comm
