#include "rankflow/comm/task_counter.hpp"

#include <time.h>

namespace rankflow::comm {
namespace {

// Far above any task count, far below overflow even when every rank adds it.
constexpr std::int64_t kStopped = std::int64_t{1} << 52;

}  // namespace

TaskCounter::TaskCounter(const Communicator& comm, std::uint64_t count)
    : comm_(comm.native()), count_(count) {
  const MPI_Aint bytes = comm.rank() == 0 ? static_cast<MPI_Aint>(sizeof(std::int64_t)) : 0;
  check_mpi(MPI_Win_allocate(bytes, static_cast<int>(sizeof(std::int64_t)), MPI_INFO_NULL, comm_,
                             &base_, &win_),
            "MPI_Win_allocate (task counter)");
  MPI_Win_set_errhandler(win_, MPI_ERRORS_RETURN);
  if (comm.rank() == 0) *base_ = 0;
  // The initial 0 is visible before any rank's first fetch.
  check_mpi(MPI_Win_fence(0, win_), "MPI_Win_fence (task counter)");
  check_mpi(MPI_Win_lock_all(MPI_MODE_NOCHECK, win_), "MPI_Win_lock_all (task counter)");
}

TaskCounter::~TaskCounter() {
  if (win_ == MPI_WIN_NULL) return;
  MPI_Win_unlock_all(win_);
  MPI_Win_free(&win_);
}

std::int64_t TaskCounter::fetch_add(std::int64_t value) {
  std::int64_t previous = 0;
  check_mpi(MPI_Fetch_and_op(&value, &previous, MPI_INT64_T, 0, 0, MPI_SUM, win_),
            "MPI_Fetch_and_op (task counter)");
  check_mpi(MPI_Win_flush(0, win_), "MPI_Win_flush (task counter)");
  return previous;
}

std::optional<std::uint64_t> TaskCounter::next() {
  const std::int64_t task = fetch_add(1);
  if (task < 0 || static_cast<std::uint64_t>(task) >= count_) return std::nullopt;
  return static_cast<std::uint64_t>(task);
}

void TaskCounter::stop() { fetch_add(kStopped); }

void TaskCounter::progress() const {
  int flag = 0;
  MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_, &flag, MPI_STATUS_IGNORE);
}

void TaskCounter::wait_for_all() const {
  MPI_Request request = MPI_REQUEST_NULL;
  check_mpi(MPI_Ibarrier(comm_, &request), "MPI_Ibarrier (task counter)");
  int done = 0;
  while (true) {
    check_mpi(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test (task counter)");
    if (done != 0) return;
    timespec pause{0, 1000000};
    nanosleep(&pause, nullptr);
  }
}

}  // namespace rankflow::comm
