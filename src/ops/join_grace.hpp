// A grace hash join: the rows of a rank's share of a join, both sides, spilled to scratch
// partitioned by a hash of the key, then joined one partition at a time with the in-memory
// index (join_index.hpp) and prober (join_probe.hpp). HashJoin (join.cpp) uses it on a rank
// whose build share does not fit the memory budget, for the rows that arrive after the shuffle.
//
//   GracePartitions grace(sides, scratch, budget, ...);   // local
//   grace.add_build(rows) ...      // the build rows that arrive, partitioned into a spill file
//   grace.add_probe(rows) ...      // the same for the probe rows
//   grace.join(assembler, view);   // every partition, output through the assembler
//
// A partition's number is a mix of the key's hash with the level (so its bits are independent
// of the owner rank's, the high 32 bits, and of the index's slots, the low bits). A partition:
//   - whose build rows and their index fit half the budget: indexed, its probe rows streamed
//     through, then its build rows that the join keeps unmatched (or matched: semi, left built)
//   - that does not: partitioned again at the next level (at most kMaxGraceLevels deep)
//   - where that does not help (one sub-partition keeps over 3/4 of the rows: a key holding most
//     rows), or at the last level: joined by blocks: each chunk of its build rows that fits is
//     indexed in turn and the partition's probe rows streamed through it; a byte per probe row
//     says whether it found a partner in any chunk, and the probe rows the join keeps by it
//     (left, full and anti: none; semi: one) are given after the last chunk
// Rows are written in chunks of at most about `chunk_bytes` (row-codec chunks, through the
// spill files' buffers) and read back chunk by chunk. Nothing here is collective; errors are
// local (DataError: a full disk, max_scratch_per_rank), for the caller's phase to agree on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "join_index.hpp"
#include "join_plan.hpp"
#include "join_probe.hpp"
#include "rankflow/ops/spill.hpp"

namespace rankflow::ops {

inline constexpr int kMaxGraceLevels = 3;

// What a grace join needs to know of the join.
struct GraceSides {
  const JoinPlan* plan = nullptr;
  bool build_is_left = false;
  std::vector<std::size_t> build_keys;
  std::vector<std::size_t> probe_keys;
  std::uint64_t key_width = 0;  // 0: variable-width keys
  bool word_keys = true;        // JoinIndexBuilder's word-key layout allowed
};

class GracePartitions {
 public:
  // `budget`: this rank's memory budget (bytes); a partition is joined in memory when its build
  // rows and index take at most half of it. `share_bytes`: the rank's estimated need (rows and
  // index), which sets the number of partitions.
  GracePartitions(GraceSides sides, Scratch& scratch, std::uint64_t budget,
                  std::uint64_t share_bytes, std::size_t chunk_bytes);
  ~GracePartitions();
  GracePartitions(const GracePartitions&) = delete;
  GracePartitions& operator=(const GracePartitions&) = delete;

  void add_build(const table::Table& rows);  // the build schema
  void add_probe(const table::Table& rows);  // the probe schema
  // Joins every partition; `view` is the one `assembler` reads the build side through (it is
  // pointed at each partition's index in turn, and left empty).
  void join(JoinAssembler& assembler, JoinIndexView& view);

  std::size_t partitions() const noexcept;  // at the first level
  std::uint64_t build_rows() const noexcept { return build_rows_; }
  std::uint64_t bytes_spilled() const noexcept { return spilled_; }
  std::uint64_t bytes_read_back() const noexcept { return read_back_; }
  std::uint64_t partitions_repartitioned() const noexcept { return repartitioned_; }
  std::uint64_t partitions_by_blocks() const noexcept { return by_blocks_; }

 private:
  struct Chunk;
  struct Part;
  struct Level;
  void spill(Level& level, const table::Table& rows, bool build);
  void join_part(Level& level, Part& part, JoinAssembler& assembler, JoinIndexView& view);
  void repartition(Level& level, Part& part, JoinAssembler& assembler, JoinIndexView& view);
  void join_blocks(Level& level, Part& part, std::size_t groups_of_bytes,
                   JoinAssembler& assembler, JoinIndexView& view);
  void read_chunk(SpillFile& file, const Chunk& chunk, const table::Schema& schema,
                  table::Table& out);
  std::uint64_t need_of(std::uint64_t rows, std::uint64_t bytes) const;
  std::unique_ptr<Level> make_level(int depth, std::uint64_t need);

  GraceSides sides_;
  Scratch* scratch_;
  std::uint64_t limit_;  // half the budget: what a partition's build rows and index may take
  std::size_t chunk_bytes_;
  std::unique_ptr<Level> top_;
  // Reused between chunks.
  KeyEncoder encoder_;
  std::vector<std::uint32_t> dest_;
  std::vector<std::uint32_t> order_;
  std::vector<std::uint64_t> starts_;
  std::vector<std::byte> bytes_;
  table::Table probe_block_;
  table::Table build_block_;
  std::uint64_t files_ = 0;
  std::uint64_t build_rows_ = 0;
  std::uint64_t spilled_ = 0;
  std::uint64_t read_back_ = 0;
  std::uint64_t repartitioned_ = 0;
  std::uint64_t by_blocks_ = 0;
};

}  // namespace rankflow::ops
