// Distinct: a GroupTable of the keys seen so far decides, row by row, whether a row is the
// first of its key; kept rows are appended in order, so kept row i is group i. finish() sends
// kept row i to the owner of group i's hash and does the same again on what arrives.
//
// Under a budget with a scratch folder (spill_to): when the kept rows and their table reach a
// quarter of the budget, the kept rows go to scratch cut by owner (one generation) and both
// start again empty. A later generation may keep a key again; its owner keeps the first it
// sees, and it sees every source's generations in order, source by source: the global first.
// The owner files what arrives in partitions by key hash and keeps the first rows of one
// partition at a time.
#include "rankflow/ops/distinct.hpp"

#include <limits>
#include <numeric>

#include "column_lookup.hpp"
#include "gather_parts.hpp"
#include "group_table.hpp"
#include "key_encoder.hpp"
#include "partition_spill.hpp"
#include "rankflow/comm/exchange.hpp"
#include "rankflow/comm/phase.hpp"
#include "rankflow/core/log.hpp"
#include "rankflow/ops/spill.hpp"
#include "rankflow/table/row_codec.hpp"

namespace rankflow::ops {

struct Distinct::State {
  State(const comm::Communicator& communicator, const table::Schema& input_schema,
        DistinctOptions distinct_options)
      : comm(&communicator),
        options(std::move(distinct_options)),
        input(input_schema),
        kept(input_schema),
        groups(true, 0) {}

  // Appends the rows of `block` whose key is new to `out`.
  void keep_first(const table::Table& block, table::Table& out);
  std::uint32_t owner(std::uint32_t group) const;
  void encode_kept(table::PartitionedRows& parts, bool spilled = false);
  std::uint64_t chunk_size(const std::byte* chunk, const std::byte* end);
  std::size_t used_bytes() const { return kept.memory_bytes() + groups.used_bytes(); }
  void spill_generation();
  void spill_kept();  // the kept rows to scratch, the keys forgotten
  bool exchange_through_scratch(table::PartitionedRows& parts);
  void split(const std::byte* begin, const std::byte* end,
             std::vector<std::vector<std::byte>>& pieces, std::size_t partitions);
  void log_spill();

  const comm::Communicator* comm;
  DistinctOptions options;
  table::Schema input;
  std::vector<std::size_t> key_columns;
  KeyEncoder encoder;
  table::Table kept;
  GroupTable groups;
  std::vector<std::uint32_t> new_rows;
  bool finished = false;
  // spill_to: the kept rows' share of the budget, and the spilled generations.
  std::uint64_t spill_at = 0;
  std::uint64_t spill_round = 0;  // PartitionSpill's round_bytes
  std::unique_ptr<PartitionSpill> spill;
  table::ChunkLayout layout;  // reused by chunk_size
  std::uint64_t spills = 0;
  double table_per_row_byte = 0;       // the most kept-table bytes per encoded byte seen
  table::PartitionedRows spill_parts;  // reused by every generation
  table::Table received;               // a partition's piece, decoded
  std::vector<std::uint32_t> dest;     // reused
  // After exchange(): the result, or (through_scratch) the partitions still to go through.
  bool through_scratch = false;
  table::Table result;
};

std::uint32_t Distinct::State::owner(std::uint32_t group) const {
  return options.skew_to_one_rank
             ? 0u
             : static_cast<std::uint32_t>(owner_rank(groups.hash(group), comm->size()));
}

// Spilled (`spilled`), each owner's rows are chunks of about a round's share per destination,
// so that PartitionSpill cuts them into sections of that size (a round then holds no more).
void Distinct::State::encode_kept(table::PartitionedRows& parts, bool spilled) {
  const auto ranks = static_cast<std::size_t>(comm->size());
  dest.resize(kept.num_rows());
  for (std::uint32_t group = 0; group < dest.size(); ++group) dest[group] = owner(group);
  std::size_t chunk_rows = std::numeric_limits<std::size_t>::max();
  if (spilled && kept.num_rows() > 0) {
    // Table bytes per row: at least the encoded bytes per row.
    const std::size_t row_bytes = std::max<std::size_t>(1, kept.memory_bytes() / kept.num_rows());
    chunk_rows =
        std::max<std::size_t>(1, static_cast<std::size_t>(spill_round / ranks) / row_bytes);
  }
  table::encode_partitioned(kept, dest.data(), ranks, parts, chunk_rows);
  if (kept.num_rows() > 0)
    table_per_row_byte = std::max(table_per_row_byte, static_cast<double>(used_bytes()) /
                                                          static_cast<double>(parts.bytes.size()));
}

// The bytes of the row-codec chunk at `chunk` (0 if it runs past `end`).
std::uint64_t Distinct::State::chunk_size(const std::byte* chunk, const std::byte* end) {
  try {
    return static_cast<std::uint64_t>(table::scan_chunk(input, chunk, end, layout) - chunk);
  } catch (const Error&) {
    return 0;  // PartitionSpill reports it
  }
}

// A reset of the kept rows: to scratch, cut by owner, and the keys forgotten.
void Distinct::State::spill_generation() {
  spill_kept();
  ++spills;
}

void Distinct::State::spill_kept() {
  encode_kept(spill_parts, true);
  spill->append(
      spill_parts.bytes, spill_parts.counts,
      [this](const std::byte* chunk, const std::byte* end) { return chunk_size(chunk, end); });
  kept = table::Table(input);
  groups.clear();
}

// What arrived from one source in one round, cut by key hash: decoded, hashed, encoded again
// per partition (rows keep their order within each).
void Distinct::State::split(const std::byte* begin, const std::byte* end,
                            std::vector<std::vector<std::byte>>& pieces, std::size_t partitions) {
  received = table::Table(input);
  table::decode_all(begin, end, received);
  encoder.encode(received, key_columns);
  dest.resize(received.num_rows());
  std::vector<std::uint64_t> rows(partitions, 0);
  const auto ranks = static_cast<std::size_t>(comm->size());
  for (std::size_t row = 0; row < dest.size(); ++row) {
    dest[row] =
        static_cast<std::uint32_t>(merge_partition(encoder.hashes()[row], ranks, partitions));
    ++rows[dest[row]];
  }
  table::encode_partitioned(received, dest.data(), partitions, spill_parts);
  std::uint64_t at = 0;
  for (std::size_t partition = 0; partition < partitions; ++partition) {
    const std::uint64_t size = spill_parts.counts[partition];
    if (rows[partition] > 0)
      pieces[partition].insert(pieces[partition].end(), spill_parts.bytes.data() + at,
                               spill_parts.bytes.data() + at + size);
    at += size;
  }
  received = table::Table(input);
}

void Distinct::State::log_spill() {
  const std::uint64_t reads = spill->bytes_read_back() + spill->bytes_received();
  std::uint64_t totals[3] = {spill->bytes_spilled(), reads, spills};
  comm->allreduce_inplace(totals, 3, comm::ReduceOp::kSum);
  const std::uint64_t most = comm->allreduce(spill->bytes_spilled(), comm::ReduceOp::kMax);
  const std::uint64_t partitions =
      comm->allreduce(static_cast<std::uint64_t>(spill->partitions()), comm::ReduceOp::kMax);
  log::info(
      "distinct: spilled {} to {} ({} resets, at most {} on one rank; owners keep first "
      "rows in up to {} partitions) and reads {} back",
      format_bytes(totals[0]), spill->folder(), totals[2], format_bytes(most), partitions,
      format_bytes(totals[1]));
}

// Collective (the group-by's rule): through scratch when any rank spilled, or when any owner's
// rows would not fit the share; as many partitions as the owner needs for one to fit with room.
bool Distinct::State::exchange_through_scratch(table::PartitionedRows& parts) {
  const auto ranks = static_cast<std::size_t>(comm->size());
  std::vector<std::uint64_t> totals = spill->bytes_per_owner();
  for (std::size_t dest_rank = 0; dest_rank < ranks; ++dest_rank)
    totals[dest_rank] += parts.counts[dest_rank];
  totals.push_back(spill->any() ? 1 : 0);
  comm->allreduce_inplace(totals.data(), totals.size(), comm::ReduceOp::kSum);
  const double ratio =
      static_cast<double>(comm->allreduce(
          static_cast<std::uint64_t>(table_per_row_byte * 1024.0) + 1, comm::ReduceOp::kMax)) /
      1024.0;
  std::uint64_t most = 0;
  for (std::size_t dest_rank = 0; dest_rank < ranks; ++dest_rank)
    most = std::max(most, totals[dest_rank]);
  if (totals[ranks] == 0 && static_cast<double>(most) * ratio <= static_cast<double>(spill_at))
    return false;
  comm::run_phase(*comm, "distinct: spilling the last kept rows", [&] {
    parts = table::PartitionedRows();
    spill_kept();
    const double need =
        2.0 * static_cast<double>(totals[static_cast<std::size_t>(comm->rank())]) * ratio;
    std::size_t partitions = 1;
    while (partitions < (std::size_t{1} << 16) &&
           static_cast<double>(partitions) * static_cast<double>(spill_at) < need)
      partitions *= 2;
    if (partitions > 1)
      spill->partition_received(partitions,
                                [this, partitions](const std::byte* begin, const std::byte* end,
                                                   std::vector<std::vector<std::byte>>& pieces) {
                                  split(begin, end, pieces, partitions);
                                });
  });
  spill->exchange(options.exchange_round_bytes);
  through_scratch = true;
  log_spill();
  return true;
}

void Distinct::State::keep_first(const table::Table& block, table::Table& out) {
  encoder.encode(block, key_columns);
  new_rows.clear();
  for (std::size_t row = 0; row < block.num_rows(); ++row) {
    const std::size_t before = groups.size();
    groups.find_or_insert(encoder.key(row), encoder.key_size(row), encoder.hashes()[row]);
    if (groups.size() != before) new_rows.push_back(static_cast<std::uint32_t>(row));
  }
  if (new_rows.size() == block.num_rows()) {
    out.append_rows(block, 0, block.num_rows());
  } else if (!new_rows.empty()) {
    const table::Table taken = table::take(block, new_rows.data(), new_rows.size());
    out.append_rows(taken, 0, taken.num_rows());
  }
}

Distinct::Distinct(const comm::Communicator& comm, const table::Schema& input,
                   DistinctOptions options)
    : state_(std::make_unique<State>(comm, input, std::move(options))) {
  State& state = *state_;
  if (state.options.columns.empty()) {
    state.key_columns.resize(input.size());
    std::iota(state.key_columns.begin(), state.key_columns.end(), std::size_t{0});
  } else {
    state.key_columns = find_columns(input, state.options.columns, "distinct");
  }
  if (state.key_columns.empty()) throw ConfigError("distinct: the table has no columns");
  std::vector<table::ColumnType> types;
  for (std::size_t column : state.key_columns) types.push_back(input.field(column).type);
  state.encoder = KeyEncoder(types);
  state.groups = GroupTable(state.encoder.is_fixed(), state.encoder.fixed_width());
}

Distinct::~Distinct() = default;
Distinct::Distinct(Distinct&&) noexcept = default;

void Distinct::consume(const table::Table& block) {
  State& state = *state_;
  if (state.finished) throw DataError("internal: Distinct::consume after finish");
  if (block.num_rows() == 0) return;
  if (!(block.schema() == state.input))
    throw DataError("internal: a distinct block has columns [{}], expected [{}]",
                    block.schema().describe(), state.input.describe());
  state.keep_first(block, state.kept);
  if (state.spill && state.used_bytes() >= state.spill_at) state.spill_generation();
}

void Distinct::spill_to(std::shared_ptr<Scratch> scratch, std::size_t block_bytes) {
  State& state = *state_;
  const std::uint64_t budget = state.options.memory.bytes_per_rank;
  if (!scratch || budget == 0) return;
  state.spill_at = std::max<std::uint64_t>(1, budget / 4);
  // Rounds of budget / 16: an owner holds a round about five times over while it files it (what
  // it sent, what arrived, those rows decoded, encoded again by partition, and the pieces);
  // at budget / 4 that alone was over the budget (tests/mpi/memory_bound_test.cpp).
  state.spill_round = std::max<std::uint64_t>(block_bytes, budget / 16);
  state.spill = std::make_unique<PartitionSpill>(*state.comm, std::move(scratch), "distinct",
                                                 block_bytes, state.spill_round);
}

std::uint64_t Distinct::bytes_spilled() const {
  return state_->spill ? state_->spill->bytes_spilled() : 0;
}
std::uint64_t Distinct::bytes_read_back() const {
  return state_->spill ? state_->spill->bytes_read_back() : 0;
}
std::size_t Distinct::partitions() const {
  return state_->through_scratch ? state_->spill->partitions() : 1;
}

void Distinct::exchange() {
  State& state = *state_;
  const comm::Communicator& comm = *state.comm;
  const auto ranks = static_cast<std::size_t>(comm.size());
  table::PartitionedRows parts;
  std::vector<std::uint64_t> incoming(ranks, 0);
  comm::run_phase(comm, "distinct: partitioning", [&] {
    if (state.finished) throw DataError("internal: Distinct::finish called twice");
    state.finished = true;
    state.encode_kept(parts);
    incoming = parts.counts;
  });
  if (state.spill && state.exchange_through_scratch(parts)) return;
  comm.allreduce_inplace(incoming.data(), incoming.size(), comm::ReduceOp::kSum);
  const auto me = static_cast<std::size_t>(comm.rank());
  // Held at the peak: the kept rows, their encoding, what arrives, and the result (<= that).
  // With a scratch folder this fits (exchange_through_scratch said so).
  if (!state.spill)
    check_memory(comm, state.options.memory, "distinct",
                 {state.kept.memory_bytes() + parts.bytes.size() + 2 * incoming[me], 0});
  comm::ExchangeBuffer recv;
  comm::exchange_bytes(comm, parts.bytes.data(), parts.counts, recv,
                       state.options.exchange_round_bytes);
  parts = table::PartitionedRows();
  state.result = comm::run_phase(comm, "distinct: keeping each key's first row", [&] {
    state.kept = table::Table(state.input);
    state.groups.clear();
    table::Table received(state.input);
    table::Table out(state.input);
    table::decode_all(recv.data.data(), recv.data.data() + recv.data.size(), received);
    state.keep_first(received, out);
    return out;
  });
}

void Distinct::produce(const std::function<bool(table::Table&)>& emit) {
  State& state = *state_;
  if (!state.finished) throw DataError("internal: Distinct::produce before exchange");
  if (!state.through_scratch) {
    table::Table out = std::move(state.result);
    state.result = table::Table(state.input);
    emit(out);
    return;
  }
  PartitionSpill& spill = *state.spill;
  bool emitted = false;
  for (std::size_t partition = 0; partition < spill.partitions(); ++partition) {
    state.groups.clear();
    table::Table out(state.input);
    spill.for_each_in_partition(partition, [&](const std::byte* in, const std::byte* end) {
      state.received = table::Table(state.input);
      table::decode_all(in, end, state.received);
      state.keep_first(state.received, out);
    });
    state.received = table::Table(state.input);
    if (out.num_rows() == 0) continue;
    emitted = true;
    if (!emit(out)) break;
  }
  if (!emitted) {
    table::Table out(state.input);
    emit(out);
  }
  spill.release();
  state.groups.clear();
}

table::Table Distinct::finish() {
  exchange();
  table::Table all;
  comm::run_phase(*state_->comm, "distinct: keeping each key's first row", [&] {
    all = gather_parts(table::Table(state_->input), [this](const auto& emit) { produce(emit); });
  });
  return all;
}

table::Table distinct(const comm::Communicator& comm, const table::Table& local,
                      const DistinctOptions& options) {
  Distinct op = comm::run_phase(comm, "distinct: planning",
                                [&] { return Distinct(comm, local.schema(), options); });
  comm::run_phase(comm, "distinct: reading", [&] { op.consume(local); });
  return op.finish();
}

}  // namespace rankflow::ops
