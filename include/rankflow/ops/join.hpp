// Distributed hash join: inner, left, right, full outer, semi and anti.
//
// One side is the build side: each rank holds a share of it, indexed by key. The other side,
// the probe side, streams through block by block and never has to be held whole:
//
//   shuffle:    build rows go to the rank that owns their key's hash (one exchange); then
//               each round, every rank sends the rows of one probe block to their keys' owners
//               (one exchange per round) and probes what it receives
//   broadcast:  the whole build side is gathered once per node into MPI-3 shared memory
//               (comm/node_shared.hpp) and indexed there by the node's leader; every rank
//               probes its own blocks locally, with no exchange of the probe side
//
// Past the memory budget, with options.scratch: a rank whose share of the build side does not
// fit spills what it receives of both sides to scratch, partitioned by key hash, and joins the
// partitions one at a time after the probe rounds (a grace hash join, src/ops/join_grace.hpp:
// re-partitioned when a partition does not fit, joined by blocks when one key dominates it);
// a broadcast that does not fit shuffles instead. Without scratch, over budget is an error.
//
// Keys hash exactly as group-by's (the normalized key bytes of ops' key encoder, XXH3, the same
// owner rank), so the two agree on where a key lives. Semantics (docs/joins.md):
//   - null keys never match (SQL), also with each other; a row with a null key still appears
//     where its side's unmatched rows appear (left, right, full, anti)
//   - keys must have the same type on both sides: a mismatch is a config error (ConfigError,
//     raised by the constructor, before any data is read)
//   - a key named the same on both sides (`on = key`, or left_on/right_on naming the same
//     column) gives one output column, as pandas and SQL USING do; for right and full joins it
//     holds the key of whichever side is present (coalesced)
//   - other columns whose names clash get suffixes (default _left and _right, both sides)
//   - output columns: the left's (keys in place), then the right's without the shared keys;
//     semi and anti give the left's columns only
//   - many-to-many keys give every pair; the order of output rows is unspecified
//
// Collective contract: the constructor is local. build() and probe() are collective over the
// communicator: every rank calls each once, in that order, also ranks without rows; they agree
// on errors themselves (comm::run_phase), so a failure on one rank (also inside the probe
// side's block source or the sink) is every rank's error, never a hang. The block source and
// the sink are called locally, never inside a collective.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/ops/memory_budget.hpp"
#include "rankflow/table/table.hpp"

namespace rankflow::ops {

class Scratch;  // ops/spill.hpp

enum class JoinHow { kInner, kLeft, kRight, kFull, kSemi, kAnti };
enum class JoinStrategy { kAuto, kShuffle, kBroadcast };
enum class JoinSide { kAuto, kLeft, kRight };

// "inner", "left", "right", "full" (also "outer", "full_outer"), "semi", "anti"; ConfigError
// listing the choices otherwise. And back.
JoinHow parse_join_how(const std::string& text);
std::string join_how_name(JoinHow how);
JoinStrategy parse_join_strategy(const std::string& text);  // auto, shuffle, broadcast
std::string join_strategy_name(JoinStrategy strategy);

struct JoinOptions {
  JoinHow how = JoinHow::kInner;
  std::vector<std::string> on;        // key columns named the same on both sides
  std::vector<std::string> left_on;   // or: the left's key columns ...
  std::vector<std::string> right_on;  // ... and the right's, pairwise
  std::string left_suffix = "_left";
  std::string right_suffix = "_right";
  JoinStrategy strategy = JoinStrategy::kAuto;
  // auto: broadcast when the build side's total size (row-codec bytes, summed over ranks) is
  // at most this; the same decision on every rank.
  std::uint64_t broadcast_threshold_bytes = std::uint64_t{64} << 20;
  // Which side is built (held and indexed). HashJoin needs kLeft or kRight; join() also takes
  // kAuto: the smaller side.
  JoinSide build_side = JoinSide::kRight;
  MemoryBudget memory;
  // Where the join spills when a rank's share of the build side does not fit `memory` (a grace
  // hash join: both sides partitioned by key hash to scratch, joined a partition at a time;
  // docs/joins.md); also what lets a broadcast that does not fit fall back to the shuffle.
  // null: it never spills, and stops over the budget with an error before moving rows.
  std::shared_ptr<Scratch> scratch;
  std::size_t spill_block_bytes = std::size_t{1} << 20;  // bytes per spilled chunk, at most
  std::uint64_t exchange_round_bytes = std::uint64_t{1} << 30;  // comm::exchange_bytes rounds
  std::size_t output_block_rows = 65536;  // probe output is handed to the sink in such blocks
  // The output columns to produce, by output name (after suffixes), in output order; empty:
  // all. A pipeline passes only what later steps read, so the rest is never gathered.
  std::vector<std::string> output_columns;
  bool skew_to_one_rank = false;  // debug: every key is owned by rank 0 (shuffle)
  // Tests: index and probe one 8-byte key column (int64, date, timestamp, float64) as any other
  // key (normalized bytes, hashed) instead of the word-key fast path, to compare the two.
  bool generic_keys = false;
  // Tests: pretend that nodes are groups of this many consecutive ranks (0: the real nodes,
  // MPI_COMM_TYPE_SHARED), to check that broadcast keeps one copy per node.
  int test_ranks_per_node = 0;
};

// What one rank did, for logs, tests and benchmarks.
struct JoinStats {
  JoinStrategy strategy = JoinStrategy::kShuffle;  // the one used
  std::uint64_t build_rows = 0;           // build rows this rank indexed (broadcast: the node's)
  std::uint64_t build_bytes_total = 0;    // the build side, all ranks (row-codec bytes)
  std::uint64_t shared_bytes_here = 0;    // node-shared memory this rank allocated itself
  std::uint64_t shared_bytes_mapped = 0;  // node-shared memory this rank reads
  std::uint64_t probe_rows = 0;           // probe rows this rank read
  std::uint64_t output_rows = 0;          // rows this rank gave to the sink
  std::uint64_t rounds = 0;               // probe exchanges (shuffle)
  std::uint64_t bytes_sent = 0;           // build and probe rows sent, all rounds
  bool word_keys = false;     // one 8-byte key column, indexed and probed as words
  bool direct_index = false;  // ... through a direct array over the build keys' dense range
  // Spilling (options.scratch): the broadcast did not fit and the join shuffled instead; this
  // rank's share did not fit and went through scratch (a grace hash join) in `partitions`
  // partitions, of which some were partitioned again and some joined by blocks (skew).
  bool broadcast_fell_back = false;
  bool spilled = false;
  std::uint64_t partitions = 0;
  std::uint64_t repartitioned = 0;
  std::uint64_t joined_by_blocks = 0;
  std::uint64_t bytes_spilled = 0;    // this rank's writes to scratch (build and probe side)
  std::uint64_t bytes_read_back = 0;  // and its reads of them
  std::uint64_t build_bytes_spilled = 0;    // of bytes_spilled: written by build()
  std::uint64_t build_bytes_read_back = 0;  // of bytes_read_back: read by build()
};

// Fills `block` with this rank's next rows of the probe side; false when there are no more.
// Local, never collective; may throw (the join agrees on the error).
using BlockSource = std::function<bool(table::Table& block)>;
// Receives output blocks; local. The sink may modify the block or swap its columns with
// others of the same types (a pipeline swaps them into its own buffers instead of copying);
// the join clears it after the call and reuses its columns' capacity.
using BlockSink = std::function<void(table::Table& block)>;

class HashJoin {
 public:
  // Validates keys, types and names against both schemas and plans the output; throws
  // ConfigError. Local.
  HashJoin(const comm::Communicator& comm, const table::Schema& left, const table::Schema& right,
           JoinOptions options);
  ~HashJoin();  // collective over the node when broadcast shared memory is still held
  HashJoin(HashJoin&&) noexcept;
  HashJoin& operator=(HashJoin&&) = delete;

  const table::Schema& output_schema() const;
  // The side built (kLeft or kRight) and the schema each side's tables must have.
  JoinSide build_side() const;

  // Collective. `next` gives this rank's share of the build side block by block (any rows, any
  // rank), called locally like the probe side's source. Each block is encoded as it comes,
  // so the build side is never held twice.
  void build(const BlockSource& next);
  // The same from a table in memory (fed in blocks of options.output_block_rows).
  void build(const table::Table& local);
  // Collective. Streams this rank's share of the probe side from `next` and gives every output
  // row to `sink`, then the build side's unmatched rows where the join keeps them (right, full,
  // and semi/anti when the left is built). Frees the build side.
  void probe(const BlockSource& next, const BlockSink& sink);
  const JoinStats& stats() const;
  // Local, before build(): options.scratch, for whoever constructs the join before the
  // (collective) Scratch::open.
  void spill_to(std::shared_ptr<Scratch> scratch);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Both sides in memory: this rank's shares of left and right; returns this rank's share of the
// result. Collective. options.build_side = kAuto builds the smaller side (by total bytes).
table::Table join(const comm::Communicator& comm, const table::Table& left,
                  const table::Table& right, JoinOptions options, JoinStats* stats = nullptr);

}  // namespace rankflow::ops
