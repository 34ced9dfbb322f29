// PartitionSpill: bytes bound for other ranks, spilled to scratch before the exchange, sent in
// rounds and spilled again on arrival: the spill path that group-by and distinct share.
//
//   PartitionSpill spill(comm, scratch, "group-by", block_bytes, round_bytes);
//   spill.append(send, counts);          // local: one generation, a section per owner rank
//   ...                                  // (the caller then resets its table)
//   spill.partition_received(n, split);  // optional, local: what arrives is cut into n
//                                        // partitions, each record filed under split()'s one
//   spill.exchange(exchange_round_bytes);  // collective: every section to its owner
//   spill.for_each_received(fn);         // local: what arrived, source rank by source rank,
//                                        // each source's sections in the order it wrote them
//   spill.for_each_in_partition(p, fn);  // or: partition p only, in that same order
//
// A section holds whole records of the caller's format; a round sends whole sections (at least
// one per destination, more while under round_bytes / P), so fn always sees whole records.
// Callers whose records can be told apart (append with record_size) give sections of at most
// round_bytes / P, so that one round holds no more than that per destination. The
// order of for_each_received is the order of the in-memory exchange (source 0's records, then
// source 1's, ...; within a source, its generations in order), so an owner that merges in that
// order gives the result of the in-memory run, byte for byte, in the same order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/ops/spill.hpp"

namespace rankflow::ops {

class PartitionSpill {
 public:
  PartitionSpill(const comm::Communicator& comm, std::shared_ptr<Scratch> scratch,
                 std::string name, std::size_t block_bytes, std::uint64_t round_bytes);
  ~PartitionSpill();
  PartitionSpill(const PartitionSpill&) = delete;
  PartitionSpill& operator=(const PartitionSpill&) = delete;

  // Local: `send` holds counts[0] bytes for rank 0, then counts[1] for rank 1, ...
  void append(const std::vector<std::byte>& send, const std::vector<std::uint64_t>& counts);
  // The same, each owner's bytes cut at record boundaries into sections of at most a round's
  // share per destination (round_bytes / P; a record larger than that is a section alone), so
  // that a round holds that share and not a whole generation. record_size(p, end): the bytes
  // of the record that starts at p (end: the end of its owner's bytes; 0 if it runs past).
  using RecordSize = std::function<std::uint64_t(const std::byte* record, const std::byte* end)>;
  void append(const std::vector<std::byte>& send, const std::vector<std::uint64_t>& counts,
              const RecordSize& record_size);
  bool any() const noexcept { return generations_ > 0; }
  std::uint64_t generations() const noexcept { return generations_; }
  // Bytes appended so far for each owner rank.
  std::vector<std::uint64_t> bytes_per_owner() const;

  // Local, before exchange(): the received sections are cut into `partitions` partitions
  // (a different count on each rank is fine). split(begin, end, pieces) appends the bytes of
  // every record of the section [begin, end) to pieces[its partition], keeping their order
  // (pieces has `partitions` vectors, empty). The pieces of a section are written as it
  // arrives: the memory this needs is one round.
  using Split = std::function<void(const std::byte* begin, const std::byte* end,
                                   std::vector<std::vector<std::byte>>& pieces)>;
  void partition_received(std::size_t partitions, Split split);
  std::size_t partitions() const noexcept { return partitions_; }

  // Collective; agrees on its errors. The spilled sections go, the received ones stay.
  void exchange(std::uint64_t exchange_round_bytes);
  // Local, after exchange(): fn(begin, end) over whole records, in source order (partition by
  // partition when partitioned), then the received file is removed.
  void for_each_received(const std::function<void(const std::byte*, const std::byte*)>& fn);
  // Local, after exchange(): partition p's records, in source order (each source's in the order
  // they arrived). Call once per partition, in any order; release() removes the file.
  void for_each_in_partition(std::size_t partition,
                             const std::function<void(const std::byte*, const std::byte*)>& fn);
  void release();
  // The bytes for_each_received would read (what arrived, all partitions).
  std::uint64_t bytes_received() const noexcept { return received_bytes_; }

  std::uint64_t bytes_spilled() const noexcept { return spilled_; }
  std::uint64_t bytes_read_back() const noexcept { return read_back_; }
  const std::string& folder() const { return scratch_->folder(); }

 private:
  bool fill_round(std::vector<std::byte>& send, std::vector<std::uint64_t>& counts);
  void file_section(std::size_t source, const std::byte* begin, std::size_t size);

  const comm::Communicator* comm_;
  std::shared_ptr<Scratch> scratch_;
  std::string name_;
  std::size_t block_bytes_;
  std::uint64_t round_bytes_;
  std::unique_ptr<SpillFile> out_;                 // sections written here
  std::vector<std::vector<Extent>> sections_;      // per owner rank, in order
  std::vector<std::size_t> next_;                  // per owner rank: the next section to send
  std::unique_ptr<SpillFile> in_;                  // what arrived
  std::vector<std::vector<Extent>> received_;      // [partition * ranks + source], in order
  std::size_t partitions_ = 1;
  Split split_;
  std::vector<std::vector<std::byte>> pieces_;     // per partition, reused for every section
  std::uint64_t received_bytes_ = 0;
  std::vector<std::byte> buffer_;                  // reused for every read
  std::uint64_t generations_ = 0;
  std::uint64_t spilled_ = 0;
  std::uint64_t read_back_ = 0;
};

}  // namespace rankflow::ops
