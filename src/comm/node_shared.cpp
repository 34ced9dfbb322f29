#include "rankflow/comm/node_shared.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "rankflow/comm/exchange.hpp"

namespace rankflow::comm {
namespace {

// Point-to-point messages carry at most this many bytes (MPI counts are int).
constexpr std::uint64_t kMessageBytes = std::uint64_t{1} << 30;
constexpr int kGatherTag = 4711;

void post_pieces(bool receive, std::byte* data, std::uint64_t bytes, int peer, MPI_Comm comm,
                 std::vector<MPI_Request>& requests) {
  for (std::uint64_t offset = 0; offset < bytes; offset += kMessageBytes) {
    const int count = static_cast<int>(std::min(kMessageBytes, bytes - offset));
    MPI_Request request = MPI_REQUEST_NULL;
    if (receive)
      check_mpi(MPI_Irecv(data + offset, count, MPI_BYTE, peer, kGatherTag, comm, &request),
                "MPI_Irecv");
    else
      check_mpi(MPI_Isend(data + offset, count, MPI_BYTE, peer, kGatherTag, comm, &request),
                "MPI_Isend");
    requests.push_back(request);
  }
}

}  // namespace

SharedWindow::SharedWindow(const Communicator& node, std::uint64_t local_bytes)
    : node_(node.native()), local_bytes_(local_bytes), leader_(node.rank() == 0) {
  void* base = nullptr;
  check_mpi(MPI_Win_allocate_shared(static_cast<MPI_Aint>(local_bytes), 1, MPI_INFO_NULL, node_,
                                    &base, &win_),
            "MPI_Win_allocate_shared");
  MPI_Win_set_errhandler(win_, MPI_ERRORS_RETURN);
  MPI_Aint size = 0;
  int disp_unit = 1;
  check_mpi(MPI_Win_shared_query(win_, 0, &size, &disp_unit, &base), "MPI_Win_shared_query");
  size_ = static_cast<std::uint64_t>(size);
  data_ = size_ == 0 ? nullptr : static_cast<std::byte*>(base);
  // One passive epoch for the window's life, so that MPI_Win_sync may order the loads and
  // stores that ranks make directly in the segment.
  check_mpi(MPI_Win_lock_all(MPI_MODE_NOCHECK, win_), "MPI_Win_lock_all");
}

SharedWindow::~SharedWindow() { release(); }

SharedWindow::SharedWindow(SharedWindow&& other) noexcept
    : win_(std::exchange(other.win_, MPI_WIN_NULL)),
      node_(std::exchange(other.node_, MPI_COMM_NULL)),
      data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      local_bytes_(std::exchange(other.local_bytes_, 0)),
      leader_(std::exchange(other.leader_, false)) {}

SharedWindow& SharedWindow::operator=(SharedWindow&& other) noexcept {
  if (this != &other) {
    release();
    win_ = std::exchange(other.win_, MPI_WIN_NULL);
    node_ = std::exchange(other.node_, MPI_COMM_NULL);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    local_bytes_ = std::exchange(other.local_bytes_, 0);
    leader_ = std::exchange(other.leader_, false);
  }
  return *this;
}

void SharedWindow::publish() const {
  check_mpi(MPI_Win_sync(win_), "MPI_Win_sync");
  check_mpi(MPI_Barrier(node_), "MPI_Barrier");
  check_mpi(MPI_Win_sync(win_), "MPI_Win_sync");
}

void SharedWindow::release() {
  if (win_ == MPI_WIN_NULL) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) {
    MPI_Win_unlock_all(win_);
    MPI_Win_free(&win_);
  }
  win_ = MPI_WIN_NULL;
  data_ = nullptr;
  size_ = 0;
  local_bytes_ = 0;
}

SharedWindow gather_to_nodes(const Communicator& comm, const Communicator& node,
                             const std::byte* local, std::uint64_t bytes, GatherLayout* layout) {
  GatherLayout places;
  places.counts = comm.allgather(bytes);
  places.displs = exclusive_scan(places.counts);
  places.total = places.displs.back() + places.counts.back();

  // Every rank learns the leader (in comm's ranks) of every rank's node.
  int my_leader = comm.rank();
  node.bcast(&my_leader, 1, 0);
  const std::vector<int> leader_of = comm.allgather(my_leader);

  SharedWindow window(node, node.rank() == 0 ? places.total : 0);
  const auto me = static_cast<std::size_t>(comm.rank());
  if (bytes > 0) std::memcpy(window.data() + places.displs[me], local, bytes);

  std::vector<MPI_Request> requests;
  for (int peer = 0; peer < comm.size(); ++peer) {
    const auto peer_idx = static_cast<std::size_t>(peer);
    if (leader_of[peer_idx] == my_leader) continue;  // same node: written in place
    if (window.is_leader())
      post_pieces(true, window.data() + places.displs[peer_idx], places.counts[peer_idx], peer,
                  comm.native(), requests);
    const int their_leader = leader_of[peer_idx];
    if (peer == their_leader)
      post_pieces(false, const_cast<std::byte*>(local), bytes, their_leader, comm.native(),
                  requests);
  }
  check_mpi(MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE),
            "MPI_Waitall");
  window.publish();
  if (layout != nullptr) *layout = std::move(places);
  return window;
}

}  // namespace rankflow::comm
