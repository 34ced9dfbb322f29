#include "partition_spill.hpp"

#include <algorithm>

#include "rankflow/comm/exchange.hpp"
#include "rankflow/comm/phase.hpp"
#include "rankflow/core/error.hpp"

namespace rankflow::ops {

PartitionSpill::PartitionSpill(const comm::Communicator& comm, std::shared_ptr<Scratch> scratch,
                               std::string name, std::size_t block_bytes,
                               std::uint64_t round_bytes)
    : comm_(&comm),
      scratch_(std::move(scratch)),
      name_(std::move(name)),
      block_bytes_(block_bytes),
      round_bytes_(round_bytes),
      sections_(static_cast<std::size_t>(comm.size())),
      next_(static_cast<std::size_t>(comm.size()), 0),
      received_(static_cast<std::size_t>(comm.size())) {}

PartitionSpill::~PartitionSpill() = default;

void PartitionSpill::append(const std::vector<std::byte>& send,
                            const std::vector<std::uint64_t>& counts) {
  if (!out_) out_ = std::make_unique<SpillFile>(*scratch_, name_ + "-spilled", block_bytes_);
  std::uint64_t at = 0;
  for (std::size_t dest = 0; dest < counts.size(); ++dest) {
    if (counts[dest] > 0)
      sections_[dest].push_back(
          out_->append(send.data() + at, static_cast<std::size_t>(counts[dest])));
    at += counts[dest];
  }
  spilled_ += at;
  ++generations_;
}

void PartitionSpill::append(const std::vector<std::byte>& send,
                            const std::vector<std::uint64_t>& counts,
                            const RecordSize& record_size) {
  if (!out_) out_ = std::make_unique<SpillFile>(*scratch_, name_ + "-spilled", block_bytes_);
  const std::uint64_t most = std::max<std::uint64_t>(1, round_bytes_ / sections_.size());
  std::uint64_t at = 0;
  for (std::size_t dest = 0; dest < counts.size(); ++dest) {
    const std::uint64_t end = at + counts[dest];
    std::uint64_t begin = at;
    const std::byte* stop = send.data() + end;
    while (begin < end) {
      std::uint64_t cut = begin;
      std::uint64_t size = record_size(send.data() + cut, stop);
      for (;;) {
        if (size == 0 || size > end - cut)
          throw DataError("internal: a {} record runs past its owner's bytes", name_);
        cut += size;
        if (cut == end) break;
        size = record_size(send.data() + cut, stop);
        if (cut - begin + size > most) break;
      }
      sections_[dest].push_back(
          out_->append(send.data() + begin, static_cast<std::size_t>(cut - begin)));
      begin = cut;
    }
    at = end;
  }
  spilled_ += at;
  ++generations_;
}

std::vector<std::uint64_t> PartitionSpill::bytes_per_owner() const {
  std::vector<std::uint64_t> bytes(sections_.size(), 0);
  for (std::size_t dest = 0; dest < sections_.size(); ++dest)
    for (const Extent& at : sections_[dest]) bytes[dest] += at.size;
  return bytes;
}

void PartitionSpill::partition_received(std::size_t partitions, Split split) {
  if (in_ || partitions == 0)
    throw DataError("internal: PartitionSpill::partition_received after exchange or with 0");
  partitions_ = partitions;
  split_ = std::move(split);
  received_.assign(partitions_ * sections_.size(), {});
  pieces_.assign(partitions_ > 1 ? partitions_ : 0, {});
}

// One received section to the file: whole, or cut by partition (one extent per piece).
void PartitionSpill::file_section(std::size_t source, const std::byte* begin, std::size_t size) {
  const std::size_t ranks = sections_.size();
  received_bytes_ += size;
  spilled_ += size;
  if (partitions_ == 1) {
    received_[source].push_back(in_->append(begin, size));
    return;
  }
  split_(begin, begin + size, pieces_);
  for (std::size_t partition = 0; partition < partitions_; ++partition) {
    std::vector<std::byte>& piece = pieces_[partition];
    if (piece.empty()) continue;
    received_[partition * ranks + source].push_back(in_->append(piece.data(), piece.size()));
    piece.clear();
  }
}

// The next sections of every destination: at least one each, more while under its share.
bool PartitionSpill::fill_round(std::vector<std::byte>& send, std::vector<std::uint64_t>& counts) {
  const auto ranks = sections_.size();
  const std::uint64_t share = std::max<std::uint64_t>(1, round_bytes_ / ranks);
  send.clear();
  bool more = false;
  for (std::size_t dest = 0; dest < ranks; ++dest) {
    counts[dest] = 0;
    std::vector<Extent>& list = sections_[dest];
    while (next_[dest] < list.size() && (counts[dest] == 0 || counts[dest] < share)) {
      const Extent at = list[next_[dest]++];
      if (counts[dest] > 0 && counts[dest] + at.size > share) {
        --next_[dest];
        break;
      }
      out_->read(at, buffer_);
      read_back_ += at.size;
      send.insert(send.end(), buffer_.begin(), buffer_.end());
      counts[dest] += at.size;
    }
    more = more || next_[dest] < list.size();
  }
  return more;
}

void PartitionSpill::exchange(std::uint64_t exchange_round_bytes) {
  const auto ranks = sections_.size();
  std::vector<std::byte> send;
  std::vector<std::uint64_t> counts(ranks, 0);
  comm::ExchangeBuffer recv;
  for (;;) {
    int more = 0;
    comm::run_phase(*comm_, name_ + ": sending spilled partial states", [&] {
      more = out_ && fill_round(send, counts) ? 1 : 0;
      if (!out_) std::fill(counts.begin(), counts.end(), 0);
    });
    comm::exchange_bytes(*comm_, send.data(), counts, recv, exchange_round_bytes);
    comm::run_phase(*comm_, name_ + ": spilling received partial states", [&] {
      if (!in_) in_ = std::make_unique<SpillFile>(*scratch_, name_ + "-received", block_bytes_);
      for (std::size_t source = 0; source < ranks; ++source)
        if (recv.counts[source] > 0)
          file_section(source, recv.data.data() + recv.displs[source],
                       static_cast<std::size_t>(recv.counts[source]));
    });
    if (comm_->allreduce(more, comm::ReduceOp::kMax) == 0) break;
  }
  comm::run_phase(*comm_, name_ + ": removing spilled partial states", [&] {
    out_.reset();
    sections_.assign(ranks, {});
    std::vector<std::vector<std::byte>>().swap(pieces_);
    in_->flush();
  });
}

void PartitionSpill::for_each_received(
    const std::function<void(const std::byte*, const std::byte*)>& fn) {
  for (std::size_t partition = 0; partition < partitions_; ++partition)
    for_each_in_partition(partition, fn);
  release();
}

void PartitionSpill::for_each_in_partition(
    std::size_t partition, const std::function<void(const std::byte*, const std::byte*)>& fn) {
  if (!in_) throw DataError("internal: PartitionSpill read before exchange, or after release");
  const std::size_t ranks = sections_.size();
  for (std::size_t source = 0; source < ranks; ++source)
    for (const Extent& at : received_[partition * ranks + source]) {
      in_->read(at, buffer_);
      read_back_ += at.size;
      fn(buffer_.data(), buffer_.data() + buffer_.size());
    }
}

void PartitionSpill::release() {
  in_.reset();
  received_.assign(received_.size(), {});
  std::vector<std::byte>().swap(buffer_);
}

}  // namespace rankflow::ops
