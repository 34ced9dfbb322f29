// Read-only data held once per node in MPI-3 shared memory.
//
// A broadcast join gives every rank the whole small side of the join. As private copies, 64
// ranks on a node would hold 64 copies; in a SharedWindow the node's leader (rank 0 of the node
// communicator) allocates the bytes with MPI_Win_allocate_shared, every other rank of the node
// allocates nothing and maps the leader's segment (MPI_Win_shared_query):
//
//   node 0 (ranks 0-3)                         node 1 (ranks 4-7)
//   rank 0: [ segment, total bytes ] ◄── ranks 1-3 read it     rank 4: [ segment ] ◄── 5-7
//
//   Communicator node = comm.split_shared();                 // collective over comm
//   SharedWindow window(node, node.rank() == 0 ? bytes : 0); // collective over node
//   if (node.rank() == 0) fill(window.data());
//   window.publish();                                        // collective over node
//   ... window.data() on every rank of the node: read only ...
//
// gather_to_nodes collects every rank's bytes, in rank order, into one SharedWindow per node:
// ranks of the node write their own piece straight into the segment, pieces from other nodes
// arrive by point-to-point messages into the leader's segment (no staging copy).
//
// Lifetime: the constructor and the destructor are collective over the node communicator
// (MPI_Win_allocate_shared, MPI_Win_free), so every rank of the node must create and destroy
// its window at the same point of the program; errors agreed with comm::run_phase keep that
// true when a job fails. The node Communicator must outlive the window.
#pragma once

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "rankflow/comm/communicator.hpp"

namespace rankflow::comm {

class SharedWindow {
 public:
  SharedWindow() = default;
  // Collective over `node`, whose ranks must share memory (split_shared, or any split of the
  // ranks of one machine). `local_bytes` is what this rank allocates: the leader (node rank 0)
  // passes the size of the segment, the others 0.
  SharedWindow(const Communicator& node, std::uint64_t local_bytes);
  ~SharedWindow();
  SharedWindow(SharedWindow&& other) noexcept;
  SharedWindow& operator=(SharedWindow&& other) noexcept;
  SharedWindow(const SharedWindow&) = delete;
  SharedWindow& operator=(const SharedWindow&) = delete;

  // The leader's segment, mapped into this process (nullptr when empty).
  std::byte* data() const noexcept { return data_; }
  std::uint64_t size() const noexcept { return size_; }
  // Bytes this rank allocated itself: the segment's size on the leader, 0 on the others.
  std::uint64_t local_bytes() const noexcept { return local_bytes_; }
  bool is_leader() const noexcept { return leader_; }

  // Collective over the node: makes every rank's writes to the segment visible to every rank
  // of the node (MPI_Win_sync, barrier, MPI_Win_sync). Call after writing, before reading.
  void publish() const;
  // Collective over the node: frees the segment now (the destructor does it otherwise).
  void release();

 private:
  MPI_Win win_ = MPI_WIN_NULL;
  MPI_Comm node_ = MPI_COMM_NULL;  // not owned
  std::byte* data_ = nullptr;
  std::uint64_t size_ = 0;
  std::uint64_t local_bytes_ = 0;
  bool leader_ = false;
};

// Where each rank's piece sits in a gathered segment.
struct GatherLayout {
  std::vector<std::uint64_t> counts;  // bytes of each rank
  std::vector<std::uint64_t> displs;  // where each rank's bytes start
  std::uint64_t total = 0;
};

// Collective over `comm` (and `node`, a communicator of the ranks of comm that share this
// rank's memory, e.g. comm.split_shared()): every rank passes its bytes; on return every rank
// maps one segment per node holding all ranks' bytes, concatenated in rank order of `comm`.
// Only each node's leader allocates memory. `layout` (optional) receives the pieces' places.
SharedWindow gather_to_nodes(const Communicator& comm, const Communicator& node,
                             const std::byte* local, std::uint64_t bytes,
                             GatherLayout* layout = nullptr);

}  // namespace rankflow::comm
