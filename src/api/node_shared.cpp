#include "rankflow/api/node_shared.hpp"

#include <algorithm>
#include <cstring>

namespace rankflow::api {
namespace {

// MPI counts are int: a large segment goes out in rounds.
constexpr std::uint64_t kRoundBytes = std::uint64_t{1} << 30;

// The node's segment, sized from rank 0's byte count (broadcast first).
comm::SharedWindow make_window(const comm::Communicator& comm, const comm::Communicator& node,
                               std::uint64_t bytes) {
  comm.bcast(&bytes, 1, 0);
  return comm::SharedWindow(node, node.rank() == 0 ? bytes : 0);
}

}  // namespace

NodeSharedBytes::NodeSharedBytes(const comm::Communicator& comm, const void* data,
                                 std::uint64_t bytes)
    : node_(comm.split_shared()), window_(make_window(comm, node_, bytes)) {
  // The first rank of each node (split_shared keeps comm's order: world rank 0 is the first
  // of its node, so rank 0 of `leaders`).
  const comm::Communicator leaders = comm.split(node_.rank() == 0 ? 0 : 1, comm.rank());
  if (node_.rank() == 0) {
    if (comm.rank() == 0 && window_.size() > 0) std::memcpy(window_.data(), data, window_.size());
    for (std::uint64_t done = 0; done < window_.size(); done += kRoundBytes)
      leaders.bcast(window_.data() + done,
                    static_cast<std::size_t>(std::min(kRoundBytes, window_.size() - done)), 0);
  }
  window_.publish();
}

}  // namespace rankflow::api
