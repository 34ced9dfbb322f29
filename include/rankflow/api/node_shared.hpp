// api::NodeShared<T>: a read-only array given once on rank 0 and held once per node, in MPI-3
// shared memory, for every task of every rank of the node to read: the "global argument that
// is never copied" (partools), as the broadcast join holds its small side (comm/node_shared.hpp).
//
//   std::vector<double> table = comm.rank() == 0 ? load_table() : std::vector<double>{};
//   api::NodeShared<double> shared(comm, table);          // collective: one copy per node
//   auto out = api::map(comm, items, [&](const Item& item) {
//     return score(item, shared.data(), shared.size());   // every rank reads the same memory
//   });
//
// Rank 0's values are broadcast to the first rank of each node (one message per node), which
// writes them into its node's segment; the other ranks of the node allocate nothing and map
// it. Constructor and destructor are collective over `comm` (MPI_Win_allocate_shared and
// MPI_Win_free): every rank makes and drops its NodeShared at the same point.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/comm/node_shared.hpp"

namespace rankflow::api {

// The untyped core: `bytes` of `data` on rank 0 (ignored elsewhere), in one segment per node.
class NodeSharedBytes {
 public:
  // Collective over `comm`.
  NodeSharedBytes(const comm::Communicator& comm, const void* data, std::uint64_t bytes);
  const std::byte* data() const noexcept { return window_.data(); }
  std::uint64_t size() const noexcept { return window_.size(); }
  // Bytes this rank allocated: the segment on each node's first rank, 0 on the others.
  std::uint64_t local_bytes() const noexcept { return window_.local_bytes(); }

 private:
  comm::Communicator node_;  // declared first: it must outlive the window
  comm::SharedWindow window_;
};

template <typename T>
class NodeShared {
  static_assert(std::is_trivially_copyable_v<T>, "NodeShared holds trivially copyable values");

 public:
  // Collective over `comm`; `values` are read on rank 0 only.
  NodeShared(const comm::Communicator& comm, const std::vector<T>& values)
      : bytes_(comm, values.data(), values.size() * sizeof(T)) {}

  const T* data() const noexcept { return reinterpret_cast<const T*>(bytes_.data()); }
  std::size_t size() const noexcept { return static_cast<std::size_t>(bytes_.size() / sizeof(T)); }
  const T& operator[](std::size_t idx) const noexcept { return data()[idx]; }
  const T* begin() const noexcept { return data(); }
  const T* end() const noexcept { return data() + size(); }
  std::uint64_t local_bytes() const noexcept { return bytes_.local_bytes(); }

 private:
  NodeSharedBytes bytes_;
};

}  // namespace rankflow::api
