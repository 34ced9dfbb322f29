// The one all-to-all exchange of rankflow: every shuffle (group-by, join, distinct, sort)
// sends its bytes through exchange_bytes.
//
// MPI counts and displacements are int. exchange_bytes takes 64-bit sizes: when everything
// fits in int it is a single MPI_Alltoallv; otherwise it goes in rounds, each moving at most
// `round_bytes` per rank through two staging buffers, so a rank may send or receive more than
// 2 GiB in total.
//
//   send (ordered by destination)        recv (ordered by source)
//   | to 0 | to 1 | to 2 |        ──►    | from 0 | from 1 | from 2 |
//   send_counts[d] bytes to rank d        recv.counts[s], recv.displs[s]
//
// Collective over `comm`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "rankflow/comm/communicator.hpp"

namespace rankflow::comm {

struct ExchangeBuffer {
  std::vector<std::byte> data;        // received bytes, ordered by source rank
  std::vector<std::uint64_t> counts;  // bytes received from each rank
  std::vector<std::uint64_t> displs;  // where each source's bytes start in data
  // Staging for rounds; kept between calls so that a loop of exchanges allocates once.
  std::vector<std::byte> stage_send;
  std::vector<std::byte> stage_recv;
};

inline constexpr std::uint64_t kDefaultRoundBytes = std::uint64_t{1} << 30;

// Exclusive prefix sum: displs[i] = counts[0] + ... + counts[i-1].
std::vector<std::uint64_t> exclusive_scan(const std::vector<std::uint64_t>& counts);

// Sends send_counts[d] bytes (consecutive in `send`, in rank order) to each rank d, and fills
// `recv` with what every rank sent to this one. `recv` is reused: pass the same one each call.
void exchange_bytes(const Communicator& comm, const std::byte* send,
                    const std::vector<std::uint64_t>& send_counts, ExchangeBuffer& recv,
                    std::uint64_t round_bytes = kDefaultRoundBytes);

// What this process has moved through exchange_bytes since it started: the totals a pipeline
// runner reads before and after a stage to say what the stage sent and received (no MPI: a
// process-wide counter, updated once per exchange).
struct ExchangeTraffic {
  std::uint64_t bytes_sent = 0;       // to other ranks (bytes to itself not counted)
  std::uint64_t bytes_received = 0;   // from other ranks
  std::vector<std::uint64_t> sent_to;  // bytes to each destination rank (itself included)
};
const ExchangeTraffic& exchange_traffic();

}  // namespace rankflow::comm
