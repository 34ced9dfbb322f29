#include "rankflow/comm/exchange.hpp"

#include <algorithm>
#include <climits>
#include <cstring>

namespace rankflow::comm {
namespace {

std::vector<int> to_int(const std::vector<std::uint64_t>& values) {
  std::vector<int> result(values.size());
  for (std::size_t idx = 0; idx < values.size(); ++idx)
    result[idx] = Communicator::checked_count(values[idx]);
  return result;
}

std::uint64_t sum(const std::vector<std::uint64_t>& values) {
  std::uint64_t total = 0;
  for (std::uint64_t value : values) total += value;
  return total;
}

// Bytes of pair (count, round) moved in round `round` when each round moves `chunk` per pair.
std::uint64_t piece(std::uint64_t count, std::uint64_t round, std::uint64_t chunk) {
  const std::uint64_t begin = round * chunk;
  return begin >= count ? 0 : std::min(chunk, count - begin);
}

void exchange_in_rounds(const Communicator& comm, const std::byte* send,
                        const std::vector<std::uint64_t>& send_counts,
                        const std::vector<std::uint64_t>& send_displs, ExchangeBuffer& recv,
                        std::uint64_t round_bytes) {
  const auto ranks = static_cast<std::size_t>(comm.size());
  const std::uint64_t chunk = std::max<std::uint64_t>(1, round_bytes / ranks);
  std::uint64_t local_rounds = 0;
  for (std::size_t peer = 0; peer < ranks; ++peer) {
    local_rounds = std::max(local_rounds, (send_counts[peer] + chunk - 1) / chunk);
    local_rounds = std::max(local_rounds, (recv.counts[peer] + chunk - 1) / chunk);
  }
  const std::uint64_t rounds = comm.allreduce(local_rounds, ReduceOp::kMax);

  std::vector<std::uint64_t> round_send(ranks), round_recv(ranks);
  for (std::uint64_t round = 0; round < rounds; ++round) {
    for (std::size_t peer = 0; peer < ranks; ++peer) {
      round_send[peer] = piece(send_counts[peer], round, chunk);
      round_recv[peer] = piece(recv.counts[peer], round, chunk);
    }
    const std::vector<std::uint64_t> stage_send_displs = exclusive_scan(round_send);
    const std::vector<std::uint64_t> stage_recv_displs = exclusive_scan(round_recv);
    recv.stage_send.resize(std::max<std::size_t>(recv.stage_send.size(), sum(round_send)));
    recv.stage_recv.resize(std::max<std::size_t>(recv.stage_recv.size(), sum(round_recv)));
    for (std::size_t peer = 0; peer < ranks; ++peer) {
      if (round_send[peer] == 0) continue;
      std::memcpy(recv.stage_send.data() + stage_send_displs[peer],
                  send + send_displs[peer] + round * chunk, round_send[peer]);
    }
    check_mpi(MPI_Alltoallv(recv.stage_send.data(), to_int(round_send).data(),
                            to_int(stage_send_displs).data(), MPI_BYTE, recv.stage_recv.data(),
                            to_int(round_recv).data(), to_int(stage_recv_displs).data(),
                            MPI_BYTE, comm.native()),
              "MPI_Alltoallv");
    for (std::size_t peer = 0; peer < ranks; ++peer) {
      if (round_recv[peer] == 0) continue;
      std::memcpy(recv.data.data() + recv.displs[peer] + round * chunk,
                  recv.stage_recv.data() + stage_recv_displs[peer], round_recv[peer]);
    }
  }
}

ExchangeTraffic& traffic() {
  static ExchangeTraffic totals;
  return totals;
}

void count_traffic(const Communicator& comm, const std::vector<std::uint64_t>& sent,
                   const std::vector<std::uint64_t>& received) {
  ExchangeTraffic& totals = traffic();
  totals.sent_to.resize(std::max(totals.sent_to.size(), sent.size()), 0);
  const auto self = static_cast<std::size_t>(comm.rank());
  for (std::size_t peer = 0; peer < sent.size(); ++peer) {
    totals.sent_to[peer] += sent[peer];
    if (peer == self) continue;
    totals.bytes_sent += sent[peer];
    totals.bytes_received += received[peer];
  }
}

}  // namespace

const ExchangeTraffic& exchange_traffic() { return traffic(); }

std::vector<std::uint64_t> exclusive_scan(const std::vector<std::uint64_t>& counts) {
  std::vector<std::uint64_t> displs(counts.size(), 0);
  std::uint64_t running = 0;
  for (std::size_t idx = 0; idx < counts.size(); ++idx) {
    displs[idx] = running;
    running += counts[idx];
  }
  return displs;
}

void exchange_bytes(const Communicator& comm, const std::byte* send,
                    const std::vector<std::uint64_t>& send_counts, ExchangeBuffer& recv,
                    std::uint64_t round_bytes) {
  const auto ranks = static_cast<std::size_t>(comm.size());
  if (send_counts.size() != ranks)
    throw DataError("internal: exchange_bytes needs one count per rank ({} != {})",
                    send_counts.size(), ranks);
  round_bytes = std::min<std::uint64_t>(std::max<std::uint64_t>(round_bytes, ranks), INT_MAX);

  recv.counts.assign(ranks, 0);
  check_mpi(MPI_Alltoall(send_counts.data(), 1, MPI_UINT64_T, recv.counts.data(), 1,
                         MPI_UINT64_T, comm.native()),
            "MPI_Alltoall");
  const std::vector<std::uint64_t> send_displs = exclusive_scan(send_counts);
  recv.displs = exclusive_scan(recv.counts);
  const std::uint64_t send_total = sum(send_counts);
  const std::uint64_t recv_total = sum(recv.counts);
  recv.data.resize(static_cast<std::size_t>(recv_total));
  count_traffic(comm, send_counts, recv.counts);

  const bool fits = send_total <= round_bytes && recv_total <= round_bytes;
  if (comm.allreduce(fits ? 1 : 0, ReduceOp::kMin) == 1) {
    check_mpi(MPI_Alltoallv(send, to_int(send_counts).data(), to_int(send_displs).data(),
                            MPI_BYTE, recv.data.data(), to_int(recv.counts).data(),
                            to_int(recv.displs).data(), MPI_BYTE, comm.native()),
              "MPI_Alltoallv");
    return;
  }
  exchange_in_rounds(comm, send, send_counts, send_displs, recv, round_bytes);
}

}  // namespace rankflow::comm
