// api::map: a function applied to every item of a list, the items handed out in order to
// whichever rank is free (rank 0 included), the results returned in input order on every rank:
// the C++ side of a [map] job (docs/map.md), as multiprocessing.Pool.map or Dask's client.map.
//
//   comm::Communicator comm(MPI_COMM_WORLD);
//   std::vector<std::string> paths = ...;                          // the same on every rank
//   std::vector<double> means = api::map(comm, paths, [](const std::string& path) {
//     return mean_of(path);
//   });
//
// Collective over `comm`: every rank calls it with the same items, in the same order. The
// function runs once per item, on one rank; it must not call collectives. A result travels as
// bytes through api::Codec<R> (built in: trivially copyable types, std::string, vectors of
// trivially copyable types). When the function throws on any rank, no new item starts and
// every rank throws the same rankflow::Error (comm::run_phase); ErrorKind and message are the
// first failure's, naming the item's index.
//
// The scheduling is comm::TaskCounter's: an atomic counter on rank 0, passive (rank 0 runs
// items too). The results of all ranks together must stay under 2 GiB (one MPI_Allgatherv).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "rankflow/api/codec.hpp"
#include "rankflow/comm/communicator.hpp"

namespace rankflow::api {

// The untyped core: runs encode_task(index) for index 0..count-1 with dynamic scheduling and
// returns every task's bytes, in index order, on every rank. Collective.
std::vector<std::string> map_encoded(const comm::Communicator& comm, std::uint64_t count,
                                     const std::function<std::string(std::uint64_t)>& encode_task);

template <typename Item, typename Fn>
auto map(const comm::Communicator& comm, const std::vector<Item>& items, Fn&& fn)
    -> std::vector<std::decay_t<std::invoke_result_t<Fn&, const Item&>>> {
  using Result = std::decay_t<std::invoke_result_t<Fn&, const Item&>>;
  const std::vector<std::string> encoded =
      map_encoded(comm, items.size(), [&](std::uint64_t index) {
        std::string bytes;
        Codec<Result>::encode(fn(items[static_cast<std::size_t>(index)]), bytes);
        return bytes;
      });
  std::vector<Result> results;
  results.reserve(encoded.size());
  for (const std::string& bytes : encoded) results.push_back(Codec<Result>::decode(bytes));
  return results;
}

}  // namespace rankflow::api
