// HashJoin: the build side is indexed where it lands (a rank's shuffled share, or one copy per
// node in shared memory), the probe side streams through it.
//
//   build():  the build side is read block by block, each block's rows encoded at once as one
//             chunk per key owner (never a whole second copy of the table); then the strategy
//             from the build side's total size (allreduce, the same on every rank)
//     shuffle:   rounds: one block's chunks -> their key owners (one exchange_bytes per block),
//                appended to one buffer sized exactly (the ranks announced their byte counts);
//                each rank indexes what it received
//     broadcast: every rank's rows -> one segment per node (gather_to_nodes); the node's leader
//                indexes it into a second node-shared segment
//   probe():
//     shuffle:   rounds: every rank reads one block, sends its rows to their keys' owners (one
//                exchange_bytes), probes what it received; until every rank is out of blocks
//     broadcast: every rank probes its own blocks; no exchange
//     then the build rows that the join keeps unmatched (or matched, for semi with the left
//     built); broadcast ORs the ranks' "matched" flags first (one MPI_Allreduce)
//
// Rows with a null key never match, so they are not sent to a key owner: a build row with a
// null key stays on its rank (or is dropped when the join cannot output it), a probe row with
// a null key is sent to its own rank.
//
// Past the memory budget, with a scratch folder (options.scratch): the blocks read of the build
// side go to scratch once they pass a quarter of the budget (and are read back round by round);
// a broadcast that does not fit shuffles instead; and a rank whose share does not fit spills
// the rows it receives of both sides, partitioned by key hash (join_grace.hpp), and joins them
// a partition at a time after the probe rounds. Each rank decides for itself from the exact
// bytes it receives: the others join in memory as usual.
#include "rankflow/ops/join.hpp"

#include <algorithm>
#include <climits>
#include <cstring>
#include <numeric>
#include <optional>

#include "join_grace.hpp"
#include "join_index.hpp"
#include "join_plan.hpp"
#include "join_probe.hpp"
#include "key_encoder.hpp"
#include "rankflow/comm/exchange.hpp"
#include "rankflow/comm/node_shared.hpp"
#include "rankflow/comm/phase.hpp"
#include "rankflow/core/buffer.hpp"
#include "rankflow/core/error.hpp"
#include "rankflow/core/log.hpp"
#include "rankflow/ops/spill.hpp"
#include "rankflow/table/row_codec.hpp"

namespace rankflow::ops {
namespace {

using table::Table;

// Rows of `table` whose key columns hold no null.
std::vector<std::uint8_t> non_null_keys(const Table& table, const std::vector<std::size_t>& keys) {
  std::vector<std::uint8_t> keep(table.num_rows(), 1);
  for (std::size_t column : keys) {
    const std::uint8_t* valid = table.column(column).validity();
    if (valid == nullptr) continue;
    for (std::size_t row = 0; row < keep.size(); ++row) keep[row] &= valid[row] != 0 ? 1 : 0;
  }
  return keep;
}

}  // namespace

// One block of the build side as read: its rows as one row-codec chunk per destination rank
// (the send buffer of one shuffle round).
struct EncodedBlock {
  std::vector<std::byte> bytes;
  std::vector<std::uint64_t> counts;  // bytes per destination
  bool on_disk = false;  // bytes freed: they are at `at` in the read file
  Extent at;
};

// This rank's build side, read and encoded; sizes for the strategy and the memory check.
struct BuildSide {
  std::vector<EncodedBlock> blocks;
  std::uint64_t bytes = 0;
  std::uint64_t rows = 0;
  std::vector<std::uint64_t> dest_bytes;  // per destination rank
  std::vector<std::uint64_t> dest_rows;
  std::uint64_t held = 0;     // bytes of the blocks in memory
  std::uint64_t largest = 0;  // the largest block
  bool spilled = false;       // some blocks are on disk
};

struct HashJoin::State {
  State(const comm::Communicator& communicator, JoinOptions join_options)
      : comm(&communicator), options(std::move(join_options)) {}

  // Does the join output build rows that found no partner (or, semi with the left built, those
  // that did)? Then it keeps one "matched" byte per build row.
  bool emits_build_rows() const {
    if (build_is_left) return plan.keeps_unmatched_left() || plan.how == JoinHow::kSemi;
    return plan.keeps_unmatched_right();
  }
  // Can a build row with a null key appear in the output?
  bool keeps_null_build_rows() const {
    return build_is_left ? plan.keeps_unmatched_left() : plan.keeps_unmatched_right();
  }
  // The rank a row goes to: its key's owner; its own rank when the key has a null (it never
  // matches, so it need not meet anything).
  std::uint32_t destination(bool keyed, std::uint64_t hash) const {
    if (!keyed) return static_cast<std::uint32_t>(comm->rank());
    if (options.skew_to_one_rank) return 0;
    return static_cast<std::uint32_t>(owner_rank(hash, comm->size()));
  }
  const table::Schema& build_schema() const { return build_is_left ? plan.left : plan.right; }
  // Past the budget, spill rather than stop.
  bool can_spill() const { return options.scratch && options.memory.bytes_per_rank != 0; }
  std::size_t spill_chunk_bytes() const {
    return static_cast<std::size_t>(std::max<std::uint64_t>(
        256, std::min<std::uint64_t>(options.spill_block_bytes,
                                      options.memory.bytes_per_rank / 16)));
  }
  const table::Schema& probe_schema() const { return build_is_left ? plan.right : plan.left; }

  // A broadcast's node-shared copy: the encoded build side and its index, on the node's leader.
  std::uint64_t node_copy_bytes(std::uint64_t total_rows) const {
    return stats.build_bytes_total +
           JoinIndexBuilder::estimate_bytes(total_rows, stats.build_bytes_total, build_schema(),
                                            key_width);
  }

  // The part of an index's estimate that is there with no rows at all.
  std::uint64_t index_fixed_bytes() const {
    return JoinIndexBuilder::estimate_bytes(0, 0, build_schema(), key_width);
  }

  void read_build(const BlockSource& next, BuildSide& side);
  void spill_read_blocks(BuildSide& side);
  bool broadcast_fits(const BuildSide& side, std::uint64_t total_rows);
  void update_spill_stats();
  void log_spill();
  void build_shuffle(BuildSide& side, std::uint64_t incoming_bytes, std::uint64_t incoming_rows);
  void build_broadcast(BuildSide& side);
  void probe_rounds(const BlockSource& next, JoinProber& prober);
  void emit_build_rows(JoinAssembler& assembler);

  const comm::Communicator* comm;
  JoinOptions options;
  JoinPlan plan;
  bool build_is_left = false;
  std::vector<std::size_t> build_keys;
  std::vector<std::size_t> probe_keys;
  std::uint64_t key_width = 0;  // 0: variable-width keys

  // The build side: a private share (shuffle) or node-shared segments (broadcast). The node
  // communicator outlives the windows (members are destroyed in reverse order).
  ByteBuffer build_rows;     // shuffle: the rows that arrived, until they are indexed
  ByteBuffer private_index;  // shuffle: the index (records hold the rows)
  std::optional<comm::Communicator> node;
  comm::SharedWindow data_window;
  comm::SharedWindow index_window;
  JoinIndexView view;
  std::vector<std::uint8_t> matched;
  std::unique_ptr<SpillFile> read_file;     // the build side's blocks past a quarter budget
  std::unique_ptr<GracePartitions> grace;   // this rank's share did not fit: it spills
  std::uint64_t read_spilled = 0;  // the read file's bytes written
  std::uint64_t read_back = 0;     // and read back
  bool broadcast = false;
  bool built = false;
  bool probed = false;
  JoinStats stats;
};

void HashJoin::State::read_build(const BlockSource& next, BuildSide& side) {
  const auto ranks = static_cast<std::size_t>(comm->size());
  side.dest_bytes.assign(ranks, 0);
  side.dest_rows.assign(ranks, 0);
  Table block(build_schema());
  Table kept;
  KeyEncoder encoder(plan.key_types);
  std::vector<std::uint32_t> dest;
  table::PartitionedRows parts;
  while (next(block)) {
    if (!(block.schema() == build_schema()))
      throw DataError("internal: the join's build side has columns [{}], expected [{}]",
                      block.schema().describe(), build_schema().describe());
    const Table* rows = &block;
    std::vector<std::uint8_t> keyed = non_null_keys(block, build_keys);
    // A build row with a null key never matches: drop it unless the join outputs it.
    if (!keeps_null_build_rows() && std::find(keyed.begin(), keyed.end(), 0) != keyed.end()) {
      kept = block.filter(keyed);
      rows = &kept;
      keyed.assign(kept.num_rows(), 1);
    }
    if (rows->num_rows() == 0) continue;
    encoder.encode(*rows, build_keys);
    dest.resize(rows->num_rows());
    for (std::size_t row = 0; row < dest.size(); ++row) {
      dest[row] = destination(keyed[row] != 0, encoder.hashes()[row]);
      ++side.dest_rows[dest[row]];
    }
    table::encode_partitioned(*rows, dest.data(), ranks, parts);
    for (std::size_t rank = 0; rank < ranks; ++rank) side.dest_bytes[rank] += parts.counts[rank];
    side.rows += rows->num_rows();
    side.bytes += parts.bytes.size();
    side.held += parts.bytes.size();
    side.largest = std::max<std::uint64_t>(side.largest, parts.bytes.size());
    side.blocks.push_back({std::move(parts.bytes), parts.counts, false, {}});
    parts.bytes = std::vector<std::byte>();
    if (can_spill() && side.held > options.memory.bytes_per_rank / 4) spill_read_blocks(side);
  }
}

// The blocks held so far to the read file: the build side is never held whole beyond a
// quarter of the budget.
void HashJoin::State::spill_read_blocks(BuildSide& side) {
  if (!read_file)
    read_file = std::make_unique<SpillFile>(*options.scratch, "join-read", spill_chunk_bytes());
  for (EncodedBlock& block : side.blocks) {
    if (block.on_disk) continue;
    block.at = read_file->append(block.bytes.data(), block.bytes.size());
    block.on_disk = true;
    read_spilled += block.bytes.size();
    std::vector<std::byte>().swap(block.bytes);
  }
  side.held = 0;
  side.spilled = true;
}

void HashJoin::State::update_spill_stats() {
  stats.bytes_spilled = read_spilled + (grace ? grace->bytes_spilled() : 0);
  stats.bytes_read_back = read_back + (grace ? grace->bytes_read_back() : 0);
  if (!grace) return;
  stats.repartitioned = grace->partitions_repartitioned();
  stats.joined_by_blocks = grace->partitions_by_blocks();
}

// One line for the job's log, when any rank spilled. Collective.
void HashJoin::State::log_spill() {
  std::uint64_t totals[5] = {stats.bytes_spilled, stats.bytes_read_back, grace ? 1u : 0u,
                             stats.repartitioned, stats.joined_by_blocks};
  comm->allreduce_inplace(totals, 5, comm::ReduceOp::kSum);
  const std::uint64_t most = comm->allreduce(stats.bytes_spilled, comm::ReduceOp::kMax);
  if (totals[0] == 0) return;
  std::string how;
  if (totals[2] > 0)
    how = fmt::format("; {} of {} ranks joined their share from scratch by partition ({} "
                      "partitioned again, {} joined by blocks)",
                      totals[2], comm->size(), totals[3], totals[4]);
  log::info("join: spilled {} to {} (at most {} on one rank{}) and reads {} back",
            format_bytes(totals[0]), options.scratch->folder(), format_bytes(most), how,
            format_bytes(totals[1]));
}

// Would a broadcast fit every rank's budget (as build_broadcast checks it, with every rank
// taken for its node's leader)? Collective.
bool HashJoin::State::broadcast_fits(const BuildSide& side, std::uint64_t total_rows) {
  const std::uint64_t need = 2 * side.bytes + node_copy_bytes(total_rows);
  const int over = side.spilled || need > options.memory.bytes_per_rank ? 1 : 0;
  return comm->allreduce(over, comm::ReduceOp::kMax) == 0;
}

void HashJoin::State::build_shuffle(BuildSide& side, std::uint64_t incoming_bytes,
                                    std::uint64_t incoming_rows) {
  // Held at the peak: the blocks read and what arrives (the blocks are freed round by round),
  // then what arrived and the index with its builder. The index of no rows (the builder's
  // scratch) is what every rank needs however many ranks share the rows.
  const std::uint64_t indexing =
      JoinIndexBuilder::estimate_bytes(incoming_rows, incoming_bytes, build_schema(), key_width);
  const std::uint64_t fixed = index_fixed_bytes();
  const std::uint64_t held = side.spilled ? side.largest : side.bytes;
  const MemoryNeed need{incoming_bytes + std::max(held, indexing) - fixed, fixed};
  if (!can_spill()) {
    check_memory(*comm, options.memory, "join (build side, shuffle strategy)", need);
  } else if (need.share + need.fixed > options.memory.bytes_per_rank) {
    // This rank's share does not fit: what arrives of both sides goes to scratch by partition.
    comm::run_phase(*comm, "join: spilling the build side", [&] {
      GraceSides sides{&plan, build_is_left, build_keys, probe_keys, key_width,
                       !options.generic_keys};
      grace = std::make_unique<GracePartitions>(std::move(sides), *options.scratch,
                                                options.memory.bytes_per_rank,
                                                incoming_bytes + indexing - fixed,
                                                spill_chunk_bytes());
    });
  } else {
    comm::run_phase(*comm, "join: spilling the build side", [] {});
  }
  // One round per block read: the block's chunks go to their keys' owners, and what arrives is
  // appended where the index will read it (sized exactly: every rank knows what it receives).
  const auto rounds = comm->allreduce<std::uint64_t>(side.blocks.size(), comm::ReduceOp::kMax);
  const std::vector<std::uint64_t> nothing(static_cast<std::size_t>(comm->size()), 0);
  if (!grace) build_rows.reserve(static_cast<std::size_t>(incoming_bytes));
  std::uint64_t filled = 0;
  comm::ExchangeBuffer recv;
  Table received(build_schema());
  const bool any_spilled =
      can_spill() && comm->allreduce(side.spilled ? 1 : 0, comm::ReduceOp::kMax) == 1;
  for (std::uint64_t round = 0; round < rounds; ++round) {
    EncodedBlock* send = round < side.blocks.size() ? &side.blocks[round] : nullptr;
    if (any_spilled)  // the same on every rank: one more agreement per round
      comm::run_phase(*comm, "join: reading back the build side", [&] {
        if (send == nullptr || !send->on_disk) return;
        read_file->read(send->at, send->bytes);
        read_back += send->at.size;
      });
    comm::exchange_bytes(*comm, send != nullptr ? send->bytes.data() : nullptr,
                         send != nullptr ? send->counts : nothing, recv,
                         options.exchange_round_bytes);
    comm::run_phase(*comm, "join: receiving the build side", [&] {
      if (filled + recv.data.size() > incoming_bytes)
        throw DataError("internal: the join's build side brought more bytes than announced");
      if (grace) {
        received.clear();
        table::decode_all(recv.data.data(), recv.data.data() + recv.data.size(), received);
        grace->add_build(received);
      } else if (!recv.data.empty()) {
        std::memcpy(build_rows.data() + filled, recv.data.data(), recv.data.size());
      }
      filled += recv.data.size();
    });
    if (send != nullptr) {
      stats.bytes_sent += send->bytes.size();
      std::vector<std::byte>().swap(send->bytes);
    }
  }
  side = BuildSide();
  read_file.reset();
  recv = comm::ExchangeBuffer();
  if (grace) {  // no index yet: each partition is indexed in turn after the probe rounds
    comm::run_phase(*comm, "join: indexing the build side", [] {});
    stats.build_rows = grace->build_rows();
    stats.spilled = true;
    stats.partitions = grace->partitions();
    return;
  }
  comm::run_phase(*comm, "join: indexing the build side", [&] {
    JoinIndexBuilder builder(build_schema(), build_keys, build_rows.data(), filled,
                             !options.generic_keys);
    private_index.reserve(static_cast<std::size_t>(builder.bytes()));
    builder.write(private_index.data());
    view = JoinIndexView(build_schema(), private_index.data());
    stats.build_rows = builder.rows();
  });
  build_rows = ByteBuffer();  // the index holds the rows now
}

void HashJoin::State::build_broadcast(BuildSide& side) {
  node = options.test_ranks_per_node > 0
             ? comm->split(comm->rank() / options.test_ranks_per_node, comm->rank())
             : comm->split_shared();
  const bool leader = node->rank() == 0;
  const auto total_rows = comm->allreduce<std::uint64_t>(side.rows, comm::ReduceOp::kSum);
  // The leader's copy does not shrink with more ranks (the advice says so). The builder's
  // scratch in it is fixed with either strategy: over the budget alone, neither a shuffle nor
  // more ranks help.
  const std::uint64_t fixed = leader ? index_fixed_bytes() : 0;
  check_memory(*comm, options.memory, "join (build side, broadcast strategy)",
               {2 * side.bytes + (leader ? node_copy_bytes(total_rows) : 0) - fixed, fixed},
               "each node holds the whole build side once, however many ranks it has: use "
               "strategy = shuffle (each rank holds a share; more ranks then help), or raise "
               "the budget if the memory is there");
  // The blocks' chunks, concatenated, are every local row: the node copy needs one piece.
  std::vector<std::byte> encoded;
  encoded.reserve(static_cast<std::size_t>(side.bytes));
  for (EncodedBlock& block : side.blocks) {
    encoded.insert(encoded.end(), block.bytes.begin(), block.bytes.end());
    std::vector<std::byte>().swap(block.bytes);
  }
  side = BuildSide();
  data_window = comm::gather_to_nodes(*comm, *node, encoded.data(), encoded.size());
  stats.bytes_sent += encoded.size();
  std::vector<std::byte>().swap(encoded);

  std::unique_ptr<JoinIndexBuilder> builder;
  std::uint64_t index_bytes = 0;
  comm::run_phase(*comm, "join: indexing the build side", [&] {
    if (!leader) return;
    builder = std::make_unique<JoinIndexBuilder>(build_schema(), build_keys, data_window.data(),
                                                 data_window.size(), !options.generic_keys);
    index_bytes = builder->bytes();
  });
  index_window = comm::SharedWindow(*node, index_bytes);
  comm::run_phase(*comm, "join: indexing the build side", [&] {
    if (builder) builder->write(index_window.data());
    builder.reset();
  });
  index_window.publish();
  view = JoinIndexView(build_schema(), index_window.data());
  stats.build_rows = view.rows();
  stats.shared_bytes_here = data_window.local_bytes() + index_window.local_bytes();
  stats.shared_bytes_mapped = data_window.size() + index_window.size();
  data_window.release();  // the index holds the rows now (collective over the node)
}

void HashJoin::State::probe_rounds(const BlockSource& next, JoinProber& prober) {
  const auto ranks = static_cast<std::size_t>(comm->size());
  Table block(probe_schema());
  Table received(probe_schema());
  table::PartitionedRows parts;
  comm::ExchangeBuffer recv;
  KeyEncoder encoder(plan.key_types);
  std::vector<std::uint32_t> dest;
  bool exhausted = false;
  for (;;) {
    comm::run_phase(*comm, "join: reading the probe side", [&] {
      if (!exhausted && !next(block)) exhausted = true;
      if (exhausted) block.clear();
      stats.probe_rows += block.num_rows();
      encoder.encode(block, probe_keys);
      const std::vector<std::uint8_t> keyed = non_null_keys(block, probe_keys);
      dest.resize(block.num_rows());
      for (std::size_t row = 0; row < dest.size(); ++row)
        dest[row] = destination(keyed[row] != 0, encoder.hashes()[row]);
      table::encode_partitioned(block, dest.data(), ranks, parts);
    });
    if (comm->allreduce(exhausted ? 1 : 0, comm::ReduceOp::kMin) == 1) break;
    comm::exchange_bytes(*comm, parts.bytes.data(), parts.counts, recv,
                         options.exchange_round_bytes);
    stats.bytes_sent += parts.bytes.size();
    ++stats.rounds;
    comm::run_phase(*comm, "join: probing", [&] {
      received.clear();
      table::decode_all(recv.data.data(), recv.data.data() + recv.data.size(), received);
      if (grace)
        grace->add_probe(received);
      else
        prober.probe(received);
    });
  }
}

void HashJoin::State::emit_build_rows(JoinAssembler& assembler) {
  if (!emits_build_rows()) return;
  // Broadcast: every rank saw all build rows; a row matched on any rank is matched.
  if (broadcast) {
    for (std::size_t begin = 0; begin < matched.size(); begin += INT_MAX / 2)
      comm->allreduce_inplace(matched.data() + begin,
                              std::min<std::size_t>(INT_MAX / 2, matched.size() - begin),
                              comm::ReduceOp::kMax);
  }
  comm::run_phase(*comm, "join: build rows without a partner", [&] {
    const std::uint64_t rows = view.rows();
    std::uint64_t begin = 0;
    std::uint64_t end = rows;
    if (broadcast) {  // each rank outputs its share of the node's copy
      const auto rank = static_cast<std::uint64_t>(comm->rank());
      const auto ranks = static_cast<std::uint64_t>(comm->size());
      begin = rows * rank / ranks;
      end = rows * (rank + 1) / ranks;
    }
    const std::uint8_t wanted = build_is_left && plan.how == JoinHow::kSemi ? 1 : 0;
    assembler.set_probe(nullptr);
    for (std::uint64_t row = begin; row < end; ++row)
      if (matched[row] == wanted) assembler.add(kNoRow, row);
    assembler.flush();
  });
}

HashJoin::HashJoin(const comm::Communicator& comm, const table::Schema& left,
                   const table::Schema& right, JoinOptions options)
    : state_(std::make_unique<State>(comm, std::move(options))) {
  State& state = *state_;
  if (state.options.build_side == JoinSide::kAuto)
    throw ConfigError("internal: HashJoin needs the build side decided (left or right)");
  state.plan = plan_join(left, right, state.options);
  state.build_is_left = state.options.build_side == JoinSide::kLeft;
  state.build_keys = state.build_is_left ? state.plan.left_keys : state.plan.right_keys;
  state.probe_keys = state.build_is_left ? state.plan.right_keys : state.plan.left_keys;
  const KeyEncoder encoder(state.plan.key_types);
  if (encoder.is_fixed()) state.key_width = encoder.fixed_width();
}

HashJoin::~HashJoin() = default;
HashJoin::HashJoin(HashJoin&&) noexcept = default;

const table::Schema& HashJoin::output_schema() const { return state_->plan.output; }
JoinSide HashJoin::build_side() const {
  return state_->build_is_left ? JoinSide::kLeft : JoinSide::kRight;
}
const JoinStats& HashJoin::stats() const { return state_->stats; }
void HashJoin::spill_to(std::shared_ptr<Scratch> scratch) {
  state_->options.scratch = std::move(scratch);
}

void HashJoin::build(const Table& local) {
  // The table in blocks, as a pipeline reads it: the build never holds a second whole copy.
  const std::size_t block_rows = std::max<std::size_t>(state_->options.output_block_rows, 1);
  std::size_t cursor = 0;
  build([&](Table& block) {
    if (block.schema() == local.schema())
      block.clear();
    else
      block = Table(local.schema());
    if (cursor >= local.num_rows()) return false;
    const std::size_t count = std::min(block_rows, local.num_rows() - cursor);
    block.append_rows(local, cursor, count);
    cursor += count;
    return true;
  });
}

void HashJoin::build(const BlockSource& next) {
  State& state = *state_;
  const comm::Communicator& comm = *state.comm;
  BuildSide side;
  comm::run_phase(comm, "join: reading the build side", [&] {
    if (state.built) throw DataError("internal: HashJoin::build called twice");
    state.built = true;
    state.read_build(next, side);
  });
  // Totals (bytes, rows) and, per destination rank, the bytes and rows it will receive.
  const auto ranks = static_cast<std::size_t>(comm.size());
  std::vector<std::uint64_t> totals{side.bytes, side.rows};
  totals.insert(totals.end(), side.dest_bytes.begin(), side.dest_bytes.end());
  totals.insert(totals.end(), side.dest_rows.begin(), side.dest_rows.end());
  comm.allreduce_inplace(totals.data(), totals.size(), comm::ReduceOp::kSum);
  state.stats.build_bytes_total = totals[0];
  const JoinStrategy strategy = state.options.strategy;
  // auto broadcasts a small build side, unless its copy per node would not fit the memory
  // budget (a shuffle spreads it over the ranks). The same totals on every rank: the same
  // decision.
  const std::uint64_t budget = state.options.memory.bytes_per_rank;
  state.broadcast = strategy == JoinStrategy::kBroadcast ||
                    (strategy == JoinStrategy::kAuto &&
                     state.stats.build_bytes_total <= state.options.broadcast_threshold_bytes &&
                     (budget == 0 || state.node_copy_bytes(totals[1]) <= budget));
  if (state.broadcast && state.can_spill() && !state.broadcast_fits(side, totals[1])) {
    // The small side turned out not to be small: shuffle (and spill where a share does not fit).
    state.broadcast = false;
    state.stats.broadcast_fell_back = true;
    log::info("join: the build side ({}) and its index do not fit once per node in the budget "
              "of {} per rank ({}); shuffling it instead",
              format_bytes(state.stats.build_bytes_total),
              format_bytes(state.options.memory.bytes_per_rank), state.options.memory.origin);
  }
  state.stats.strategy = state.broadcast ? JoinStrategy::kBroadcast : JoinStrategy::kShuffle;
  const auto me = static_cast<std::size_t>(comm.rank());
  if (state.broadcast)
    state.build_broadcast(side);
  else
    state.build_shuffle(side, totals[2 + me], totals[2 + ranks + me]);
  if (state.emits_build_rows()) state.matched.assign(state.view.rows(), 0);
  state.update_spill_stats();
  state.stats.build_bytes_spilled = state.stats.bytes_spilled;
  state.stats.build_bytes_read_back = state.stats.bytes_read_back;
  state.stats.word_keys = state.view.word_keys();
  state.stats.direct_index = state.view.direct();
}

void HashJoin::probe(const BlockSource& next, const BlockSink& sink) {
  State& state = *state_;
  const comm::Communicator& comm = *state.comm;
  comm::run_phase(comm, "join: probing", [&] {
    if (!state.built || state.probed)
      throw DataError("internal: HashJoin::probe needs one build() first");
    state.probed = true;
  });
  JoinAssembler assembler(state.plan, state.build_is_left, state.view,
                          state.options.output_block_rows, sink);
  JoinProber prober(state.plan, state.build_is_left, state.probe_keys, state.view,
                    state.matched.empty() ? nullptr : state.matched.data(), assembler);
  if (state.broadcast) {
    comm::run_phase(comm, "join: probing", [&] {
      Table block(state.probe_schema());
      while (next(block)) {
        state.stats.probe_rows += block.num_rows();
        prober.probe(block);
      }
    });
  } else {
    state.probe_rounds(next, prober);
  }
  if (state.can_spill()) {
    comm::run_phase(comm, "join: joining spilled partitions", [&] {
      if (!state.grace) return;
      state.grace->join(assembler, state.view);
    });
    state.update_spill_stats();
    state.log_spill();
  }
  state.emit_build_rows(assembler);
  state.stats.output_rows = assembler.rows_out();
  // Free the build side now, at a point every rank reaches (the windows' release is collective).
  state.view = JoinIndexView();
  state.index_window.release();
  state.data_window.release();
  state.build_rows = ByteBuffer();
  state.private_index = ByteBuffer();
  state.grace.reset();
  std::vector<std::uint8_t>().swap(state.matched);
}

Table join(const comm::Communicator& comm, const Table& left, const Table& right,
           JoinOptions options, JoinStats* stats) {
  if (options.build_side == JoinSide::kAuto) {
    std::uint64_t sizes[2] = {left.memory_bytes(), right.memory_bytes()};
    comm.allreduce_inplace(sizes, 2, comm::ReduceOp::kSum);
    options.build_side = sizes[0] < sizes[1] ? JoinSide::kLeft : JoinSide::kRight;
  }
  const bool build_left = options.build_side == JoinSide::kLeft;
  const std::size_t block_rows = std::max<std::size_t>(options.output_block_rows, 1);
  HashJoin hash_join = comm::run_phase(comm, "join: planning", [&] {
    return HashJoin(comm, left.schema(), right.schema(), options);
  });
  hash_join.build(build_left ? left : right);
  const Table& probe = build_left ? right : left;
  Table out(hash_join.output_schema());
  std::size_t cursor = 0;
  hash_join.probe(
      [&](Table& block) {
        block.clear();
        if (cursor >= probe.num_rows()) return false;
        const std::size_t count = std::min(block_rows, probe.num_rows() - cursor);
        block.append_rows(probe, cursor, count);
        cursor += count;
        return true;
      },
      [&](Table& block) { out.append_rows(block, 0, block.num_rows()); });
  if (stats != nullptr) *stats = hash_join.stats();
  return out;
}

}  // namespace rankflow::ops
