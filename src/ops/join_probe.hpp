// Probing a join's build side and assembling output rows. Nothing here is collective.
//
// JoinProber looks up each probe row's key in the JoinIndexView (prefetching slots and records
// a few rows ahead: each lookup is two cache misses that would otherwise come one after the
// other; an index of word keys is read with the key column's values as they are, no encoding) and hands the pairs it finds, (probe row, build row), to JoinAssembler, which gathers
// the output columns of a block of pairs at once and gives the block to the sink. kNoRow and
// kNoRef stand for a missing side (an unmatched row of an outer join): its columns are null.
#pragma once

#include <cstdint>
#include <vector>

#include "join_index.hpp"
#include "join_plan.hpp"
#include "key_encoder.hpp"
#include "rankflow/ops/join.hpp"

namespace rankflow::ops {

class JoinAssembler {
 public:
  JoinAssembler(const JoinPlan& plan, bool build_is_left, const JoinIndexView& view,
                std::size_t block_rows, const BlockSink& sink);

  // The probe block that probe rows refer to (nullptr: none). Flush before it changes.
  void set_probe(const table::Table* probe) { probe_ = probe; }
  void add(std::uint32_t probe_row, std::uint64_t build_row) {
    probe_rows_.push_back(probe_row);
    build_refs_.push_back(build_row);
    if (probe_rows_.size() >= block_rows_) flush();
  }
  // Gathers the build side's columns of the pairs added since the last call, while their
  // records are still in cache (the prober calls it after each lookup batch).
  void gather_build();
  // Assembles the pending pairs into a block and gives it to the sink.
  void flush();
  std::uint64_t rows_out() const noexcept { return rows_out_; }

 private:
  void gather_probe_side(std::size_t column, table::Column& out);
  bool left_present(std::size_t pair) const {
    return build_is_left_ ? build_refs_[pair] != kNoRef : probe_rows_[pair] != kNoRow;
  }

  const JoinPlan& plan_;
  bool build_is_left_;
  bool coalesce_keys_;
  const JoinIndexView& view_;
  std::size_t block_rows_;
  const BlockSink& sink_;
  const table::Table* probe_ = nullptr;
  std::vector<std::uint32_t> probe_rows_;
  std::vector<std::uint64_t> build_refs_;
  std::size_t build_gathered_ = 0;  // pairs whose build columns are in out_ already
  std::vector<std::uint64_t> gather_scratch_;
  table::Table out_;
  // Output columns by source: the build side's (gathered row by row, all at once), the probe
  // side's, and the keys to coalesce (right and full joins).
  std::vector<std::size_t> build_columns_;
  std::vector<table::Column*> build_outs_;
  std::vector<std::pair<std::size_t, std::size_t>> probe_columns_;  // (output, probe column)
  std::vector<std::size_t> coalesced_;                              // output columns
  table::Column left_scratch_;
  table::Column right_scratch_;
  std::uint64_t rows_out_ = 0;
};

class JoinProber {
 public:
  // `matched`: one byte per build row, set when the row finds a partner (nullptr when the join
  // does not need to know).
  JoinProber(const JoinPlan& plan, bool build_is_left, const std::vector<std::size_t>& probe_keys,
             const JoinIndexView& view, std::uint8_t* matched, JoinAssembler& assembler);

  // Probes every row of `block` (the probe side's schema) and flushes the assembler.
  void probe(const table::Table& block);
  // A grace join's partition joined by blocks (join_grace.hpp): from now on, a probe row that
  // finds a partner sets flags[row] of the next blocks (flags[0] is the block's first row) and
  // gives its pairs, and no probe row is given alone (unmatched, or semi: the caller decides
  // after the last block of build rows). nullptr: back to the normal output.
  void set_probe_matched(std::uint8_t* flags) { probe_matched_ = flags; }

 private:
  void look_up(const table::Table& block, std::size_t begin, std::size_t end);
  // Word keys (view_.word_keys()): the words and presence of the block's key column.
  void look_up_words(const std::uint64_t* words, const std::uint8_t* present, std::size_t begin,
                     std::size_t end);
  void emit(std::size_t row, JoinIndexView::Range found);

  const JoinPlan& plan_;
  bool build_is_left_;
  std::vector<std::size_t> probe_keys_;
  const JoinIndexView& view_;
  std::uint8_t* matched_;
  std::uint8_t* probe_matched_ = nullptr;
  JoinAssembler& assembler_;
  KeyEncoder encoder_;
  bool emits_pairs_;
  bool keeps_unmatched_probe_;
  bool semi_from_probe_;
  std::vector<const std::uint8_t*> key_validity_;
  std::vector<std::uint64_t> slots_;  // per row of a batch: the candidate slot
  std::vector<JoinIndexView::Range> found_;  // word keys, per row of a batch: its build rows
};

}  // namespace rankflow::ops
