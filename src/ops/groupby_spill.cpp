// The group-by past its budget (GroupBy::spill_to): the local table's partial states spilled
// to scratch generation by generation, sent to their owners in rounds and filed there in
// partitions by key hash (docs/memory.md, "Group-bys past the budget").
#include <algorithm>

#include "groupby_state.hpp"
#include "rankflow/comm/phase.hpp"
#include "rankflow/core/error.hpp"
#include "rankflow/core/log.hpp"
#include "rankflow/core/text.hpp"
#include "rankflow/ops/spill.hpp"
#include "state_bytes.hpp"

namespace rankflow::ops {
namespace {

// Under a budget every serialized record starts with its u64 size.
std::uint64_t spilled_record_size(const std::byte* record, const std::byte* end) {
  if (end - record < 8) return 0;            // PartitionSpill reports it
  return bytes::get<std::uint64_t>(record);  // advances its own copy of the pointer
}

}  // namespace

// The local table's states to scratch, cut by owner, and the table empty again.
void GroupBy::State::spill_generation() {
  serialize(spill_send, spill_counts);
  spill->append(spill_send, spill_counts, spilled_record_size);
  groups.clear();
  for (auto& aggregator : aggregators) aggregator->clear();
  direct.forget();
  ++stats.spills;
}

// How many partitions the owner's merge needs so that each fits its share (budget / 4) with
// room to spare: `owned_bytes` of states arrive, and the merge holds up to
// table_per_state_byte table bytes for each (fewer when keys repeat). Twice that over the share,
// rounded up to a power of two; one partition without keys (one group).
std::size_t GroupBy::State::merge_partitions(std::uint64_t owned_bytes) const {
  constexpr std::size_t kMost = std::size_t{1} << 16;
  if (key_types.empty()) return 1;
  const double need = 2.0 * static_cast<double>(owned_bytes) * table_per_state_byte;
  std::size_t partitions = 1;
  while (partitions < kMost && static_cast<double>(partitions) * static_cast<double>(spill_at) < need)
    partitions *= 2;
  return partitions;
}

// Collective. Through scratch when any rank spilled its table, or when any owner's merge
// would not fit its share: then every rank's states (its last table's too) go to their owners
// in rounds, each owner files them in partitions by key hash, and produce() merges partition by
// partition. Otherwise false, and nothing happened.
bool GroupBy::State::exchange_through_scratch(std::vector<std::byte>& send,
                                              std::vector<std::uint64_t>& counts) {
  const auto ranks = static_cast<std::size_t>(comm->size());
  std::vector<std::uint64_t> totals = spill->bytes_per_owner();
  for (std::size_t dest = 0; dest < ranks; ++dest) totals[dest] += counts[dest];
  totals.push_back(spill->any() ? 1 : 0);
  comm->allreduce_inplace(totals.data(), totals.size(), comm::ReduceOp::kSum);
  table_per_state_byte = static_cast<double>(comm->allreduce(
                             static_cast<std::uint64_t>(table_per_state_byte * 1024.0) + 1,
                             comm::ReduceOp::kMax)) /
                         1024.0;
  std::uint64_t most = 0;
  for (std::size_t dest = 0; dest < ranks; ++dest) most = std::max(most, totals[dest]);
  if (totals[ranks] == 0 &&
      static_cast<double>(most) * table_per_state_byte <= static_cast<double>(spill_at))
    return false;
  comm::run_phase(*comm, "group-by: spilling the last partial states", [&] {
    spill->append(send, counts, spilled_record_size);
    std::vector<std::byte>().swap(send);
    std::vector<std::byte>().swap(spill_send);
    const std::size_t partitions =
        merge_partitions(totals[static_cast<std::size_t>(comm->rank())]);
    if (partitions == 1) return;
    spill->partition_received(partitions, [ranks, partitions](
                                              const std::byte* begin, const std::byte* end,
                                              std::vector<std::vector<std::byte>>& pieces) {
      for (const std::byte* record = begin; record < end;) {
        const std::byte* in = record;
        const auto size = bytes::get<std::uint64_t>(in);
        const auto key_size = bytes::get<std::uint32_t>(in);
        if (size < 12 + std::uint64_t{key_size} || size > static_cast<std::uint64_t>(end - record))
          throw DataError("internal: a group-by partial state runs past its section");
        const std::uint64_t hash = hash_key(reinterpret_cast<const std::uint8_t*>(in), key_size);
        std::vector<std::byte>& piece = pieces[merge_partition(hash, ranks, partitions)];
        piece.insert(piece.end(), record, record + size);
        record += size;
      }
    });
  });
  spill->exchange(options.exchange_round_bytes);
  through_scratch = true;
  stats.partitions = spill->partitions();
  stats.bytes_spilled = spill->bytes_spilled();
  stats.bytes_read_back = spill->bytes_read_back();
  log_spill();
  return true;
}

void GroupBy::State::log_spill() {
  // What every owner will read back is known now (what it received, once): the log says it
  // before the partitions are merged.
  const std::uint64_t reads = spill->bytes_read_back() + spill->bytes_received();
  std::uint64_t totals[4] = {spill->bytes_spilled(), reads, stats.spills, spill->partitions()};
  comm->allreduce_inplace(totals, 3, comm::ReduceOp::kSum);
  const std::uint64_t most = comm->allreduce(spill->bytes_spilled(), comm::ReduceOp::kMax);
  const std::uint64_t partitions = comm->allreduce(totals[3], comm::ReduceOp::kMax);
  log::info("group-by: spilled {} to {} ({} table resets, at most {} on one rank; owners merge "
            "in up to {} partitions) and reads {} back",
            format_bytes(totals[0]), spill->folder(), totals[2], format_bytes(most), partitions,
            format_bytes(totals[1]));
}

void GroupBy::spill_to(GroupBySpill spill) {
  State& state = *state_;
  if (!spill.scratch || spill.memory.bytes_per_rank == 0) return;
  state.spill_at = std::max<std::uint64_t>(1, spill.memory.bytes_per_rank / 4);
  // Rounds of budget / 16, as distinct's: a round is held three times over while it is filed
  // (sent, received, the pieces), beside the table's capacity kept for the merge.
  state.spill = std::make_unique<PartitionSpill>(
      *state.comm, std::move(spill.scratch), "group-by", spill.block_bytes,
      std::max<std::uint64_t>(spill.block_bytes, spill.memory.bytes_per_rank / 16));
}

}  // namespace rankflow::ops
