#include "rankflow/comm/progress_channel.hpp"

namespace rankflow::comm {
namespace {

constexpr int kTagProgress = 1;
constexpr int kTagFinal = 2;

}  // namespace

ProgressChannel::ProgressChannel(const Communicator& comm)
    : comm_(comm.native()), latest_(static_cast<std::size_t>(comm.size()), Counts{}) {}

ProgressChannel::~ProgressChannel() {
  // On an error the last post may still be in flight: let MPI deliver it on its own.
  if (request_ != MPI_REQUEST_NULL) MPI_Request_free(&request_);
}

void ProgressChannel::post(Counts counts) {
  if (comm_.rank() == 0) {
    latest_[0] = counts;
    return;
  }
  if (request_ != MPI_REQUEST_NULL) {
    int done = 0;
    check_mpi(MPI_Test(&request_, &done, MPI_STATUS_IGNORE), "MPI_Test");
    if (!done) return;  // the previous one is still on its way: skip this one
  }
  pending_ = counts;
  check_mpi(MPI_Isend(pending_.data(), 2, MPI_UINT64_T, 0, kTagProgress, comm_.native(),
                      &request_),
            "MPI_Isend");
}

const std::vector<ProgressChannel::Counts>& ProgressChannel::poll() {
  if (comm_.rank() != 0 || closed_) return latest_;
  for (;;) {
    int arrived = 0;
    MPI_Status status;
    check_mpi(MPI_Iprobe(MPI_ANY_SOURCE, kTagProgress, comm_.native(), &arrived, &status),
              "MPI_Iprobe");
    if (!arrived) break;
    Counts counts{};
    check_mpi(MPI_Recv(counts.data(), 2, MPI_UINT64_T, status.MPI_SOURCE, kTagProgress,
                       comm_.native(), MPI_STATUS_IGNORE),
              "MPI_Recv");
    latest_[static_cast<std::size_t>(status.MPI_SOURCE)] = counts;
  }
  return latest_;
}

void ProgressChannel::close(Counts final_counts) {
  if (comm_.rank() != 0) {
    if (request_ != MPI_REQUEST_NULL)
      check_mpi(MPI_Wait(&request_, MPI_STATUS_IGNORE), "MPI_Wait");
    check_mpi(MPI_Send(final_counts.data(), 2, MPI_UINT64_T, 0, kTagFinal, comm_.native()),
              "MPI_Send");
  } else {
    latest_[0] = final_counts;
    // Messages from one rank arrive in order: once its final one is in, none of its posts is
    // left behind it.
    for (int finals = 1; finals < comm_.size();) {
      MPI_Status status;
      check_mpi(MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_.native(), &status), "MPI_Probe");
      Counts counts{};
      check_mpi(MPI_Recv(counts.data(), 2, MPI_UINT64_T, status.MPI_SOURCE, status.MPI_TAG,
                         comm_.native(), MPI_STATUS_IGNORE),
                "MPI_Recv");
      latest_[static_cast<std::size_t>(status.MPI_SOURCE)] = counts;
      if (status.MPI_TAG == kTagFinal) ++finals;
    }
  }
  closed_ = true;
}

}  // namespace rankflow::comm
