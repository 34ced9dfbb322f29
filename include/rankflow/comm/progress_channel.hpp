// ProgressChannel: every rank's progress counts reach rank 0 without any blocking call in the
// block loop (docs/design.md). A rank posts its counts with MPI_Isend on a communicator of the
// channel's own, and only when its previous post has completed (MPI_Test), so it never waits
// and never has more than one message in flight; rank 0 takes whatever has arrived
// (MPI_Iprobe) when it draws. close() is the one collective, after the last block.
//
//   ProgressChannel channel(comm);                // collective (MPI_Comm_dup)
//   per block:  channel.post(bytes, rows);        // local, never blocks
//   rank 0:     for (auto& c : channel.poll()) ...
//   at the end: channel.close();                  // collective: every last post received
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "rankflow/comm/communicator.hpp"

namespace rankflow::comm {

class ProgressChannel {
 public:
  using Counts = std::array<std::uint64_t, 2>;  // bytes read, rows read

  explicit ProgressChannel(const Communicator& comm);
  ~ProgressChannel();
  ProgressChannel(const ProgressChannel&) = delete;
  ProgressChannel& operator=(const ProgressChannel&) = delete;

  // Ranks other than 0: sends `counts` unless the previous post is still in flight. Rank 0:
  // records its own. Local; never blocks.
  void post(Counts counts);
  // Rank 0: the latest counts of every rank, after taking what has arrived. Local.
  const std::vector<Counts>& poll();
  // Collective: each rank's final counts reach rank 0; the channel can then be destroyed.
  void close(Counts final_counts);

 private:
  Communicator comm_;
  std::vector<Counts> latest_;
  Counts pending_{};
  MPI_Request request_ = MPI_REQUEST_NULL;
  bool closed_ = false;
};

}  // namespace rankflow::comm
