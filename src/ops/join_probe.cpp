#include "join_probe.hpp"

#include <algorithm>

namespace rankflow::ops {
namespace {

using table::Column;
using table::ColumnType;

// Rows looked up per batch: the slots and records prefetched for a batch stay in cache until
// the batch is confirmed.
constexpr std::size_t kLookupBatch = 256;

template <typename T>
void gather_probe_fixed(const T* values, const std::uint8_t* validity, const std::uint32_t* rows,
                        std::size_t count, Column& out, T* target) {
  const std::size_t first = out.size() - count;
  for (std::size_t idx = 0; idx < count; ++idx) {
    const std::uint32_t row = rows[idx];
    if (row == kNoRow || (validity != nullptr && validity[row] == 0)) {
      out.set_null(first + idx);
      continue;
    }
    target[idx] = values[row];
  }
}

// Appends source[rows[i]] (null for kNoRow) to `out`.
void gather_probe(const Column& source, const std::uint32_t* rows, std::size_t count, Column& out) {
  if (source.type() == ColumnType::kString) {
    for (std::size_t idx = 0; idx < count; ++idx) {
      if (rows[idx] == kNoRow)
        out.append_null();
      else
        out.append_from(source, rows[idx]);
    }
    return;
  }
  const std::size_t old_rows = out.size();
  out.resize_fixed(old_rows + count);
  const std::uint8_t* validity = source.validity();
  switch (source.type()) {
    case ColumnType::kFloat64:
      gather_probe_fixed(source.f64(), validity, rows, count, out, out.mutable_f64() + old_rows);
      break;
    case ColumnType::kBool:
      gather_probe_fixed(source.u8(), validity, rows, count, out, out.mutable_u8() + old_rows);
      break;
    default:
      gather_probe_fixed(source.i64(), validity, rows, count, out, out.mutable_i64() + old_rows);
      break;
  }
}

}  // namespace

JoinAssembler::JoinAssembler(const JoinPlan& plan, bool build_is_left, const JoinIndexView& view,
                             std::size_t block_rows, const BlockSink& sink)
    : plan_(plan),
      build_is_left_(build_is_left),
      coalesce_keys_(plan.how == JoinHow::kRight || plan.how == JoinHow::kFull),
      view_(view),
      block_rows_(std::max<std::size_t>(block_rows, 1)),
      sink_(sink),
      out_(plan.output) {
  probe_rows_.reserve(block_rows_);
  build_refs_.reserve(block_rows_);
  for (std::size_t idx = 0; idx < plan.columns.size(); ++idx) {
    const JoinOutputColumn& column = plan.columns[idx];
    if (column.from == JoinOutputColumn::From::kKey && coalesce_keys_) {
      coalesced_.push_back(idx);
      continue;
    }
    const bool left = column.from != JoinOutputColumn::From::kRight;
    const std::size_t source = left ? column.left_column : column.right_column;
    if (left == build_is_left) {
      build_columns_.push_back(source);
      build_outs_.push_back(&out_.column(idx));
    } else {
      probe_columns_.emplace_back(idx, source);
    }
  }
}

void JoinAssembler::gather_probe_side(std::size_t column, Column& out) {
  if (probe_ == nullptr) {  // build rows without a partner
    for (std::size_t pair = 0; pair < probe_rows_.size(); ++pair) out.append_null();
    return;
  }
  gather_probe(probe_->column(column), probe_rows_.data(), probe_rows_.size(), out);
}

void JoinAssembler::gather_build() {
  const std::size_t pairs = build_refs_.size();
  if (pairs == build_gathered_) return;
  view_.gather(build_columns_, build_refs_.data() + build_gathered_, pairs - build_gathered_,
               build_outs_, gather_scratch_);
  build_gathered_ = pairs;
}

void JoinAssembler::flush() {
  const std::size_t pairs = probe_rows_.size();
  if (pairs == 0) return;
  gather_build();
  for (const auto& [out_idx, column] : probe_columns_)
    gather_probe_side(column, out_.column(out_idx));
  for (std::size_t out_idx : coalesced_) {
    // Right and full joins: the key of whichever side is present.
    const JoinOutputColumn& column = plan_.columns[out_idx];
    Column& out = out_.column(out_idx);
    left_scratch_ = Column(out.type());
    right_scratch_ = Column(out.type());
    Column& build_scratch = build_is_left_ ? left_scratch_ : right_scratch_;
    Column& probe_scratch = build_is_left_ ? right_scratch_ : left_scratch_;
    view_.gather({build_is_left_ ? column.left_column : column.right_column}, build_refs_.data(),
                 pairs, {&build_scratch}, gather_scratch_);
    gather_probe_side(build_is_left_ ? column.right_column : column.left_column, probe_scratch);
    for (std::size_t pair = 0; pair < pairs; ++pair)
      out.append_from(left_present(pair) ? left_scratch_ : right_scratch_, pair);
  }
  rows_out_ += pairs;
  probe_rows_.clear();
  build_refs_.clear();
  build_gathered_ = 0;
  sink_(out_);
  out_.clear();
}

JoinProber::JoinProber(const JoinPlan& plan, bool build_is_left,
                       const std::vector<std::size_t>& probe_keys, const JoinIndexView& view,
                       std::uint8_t* matched, JoinAssembler& assembler)
    : plan_(plan),
      build_is_left_(build_is_left),
      probe_keys_(probe_keys),
      view_(view),
      matched_(matched),
      assembler_(assembler),
      encoder_(plan.key_types) {
  const JoinHow how = plan.how;
  emits_pairs_ = how == JoinHow::kInner || how == JoinHow::kLeft || how == JoinHow::kRight ||
                 how == JoinHow::kFull;
  keeps_unmatched_probe_ =
      build_is_left_ ? plan.keeps_unmatched_right() : plan.keeps_unmatched_left();
  semi_from_probe_ = !build_is_left_ && how == JoinHow::kSemi;
  slots_.resize(kLookupBatch);
  found_.resize(kLookupBatch);
}

void JoinProber::emit(std::size_t row, JoinIndexView::Range found) {
  const auto probe_row = static_cast<std::uint32_t>(row);
  if (found.count == 0) {
    if (keeps_unmatched_probe_ && probe_matched_ == nullptr) assembler_.add(probe_row, kNoRef);
    return;
  }
  if (matched_ != nullptr) std::fill_n(matched_ + found.first, found.count, std::uint8_t{1});
  if (probe_matched_ != nullptr) probe_matched_[row] = 1;
  if (emits_pairs_) {
    for (std::uint64_t build_row = found.first; build_row < found.first + found.count; ++build_row)
      assembler_.add(probe_row, build_row);
  } else if (semi_from_probe_ && probe_matched_ == nullptr) {
    assembler_.add(probe_row, kNoRef);
  }
}

void JoinProber::look_up(const table::Table& block, std::size_t begin, std::size_t end) {
  (void)block;
  const std::uint64_t* hashes = encoder_.hashes();
  // Step 1: the slot of each row's hash (prefetched a few rows ahead), and its record.
  constexpr std::size_t kAhead = 16;
  for (std::size_t row = begin; row < end; ++row) {
    if (row + kAhead < end) __builtin_prefetch(view_.slot_for(hashes[row + kAhead]));
    std::uint64_t& slot = slots_[row - begin];
    bool null_key = false;
    for (const std::uint8_t* valid : key_validity_) null_key = null_key || valid[row] == 0;
    slot = null_key ? JoinIndexView::kNoSlot : view_.slot_of_hash(hashes[row]);
    if (slot != JoinIndexView::kNoSlot) __builtin_prefetch(view_.record(view_.slot_first(slot)));
  }
  // Step 2: confirm the key against the record, and emit.
  for (std::size_t row = begin; row < end; ++row) {
    const std::uint64_t slot = slots_[row - begin];
    const JoinIndexView::Range found =
        slot == JoinIndexView::kNoSlot
            ? JoinIndexView::Range{}
            : view_.confirm(slot, encoder_.key(row), encoder_.key_size(row), hashes[row]);
    emit(row, found);
  }
  assembler_.gather_build();
}

void JoinProber::look_up_words(const std::uint64_t* words, const std::uint8_t* present,
                               std::size_t begin, std::size_t end) {
  // One read per row (a direct entry, or a slot holding the word itself), prefetched a few
  // rows ahead; then the record of each row found, for the gather after the batch.
  constexpr std::size_t kAhead = 16;
  for (std::size_t row = begin; row < end; ++row) {
    if (row + kAhead < end) __builtin_prefetch(view_.word_address(words[row + kAhead]));
    const bool keyed = present == nullptr || present[row] != 0;
    const JoinIndexView::Range found = keyed ? view_.find_word(words[row]) : JoinIndexView::Range{};
    found_[row - begin] = found;
    if (found.count != 0) __builtin_prefetch(view_.record(found.first));
  }
  for (std::size_t row = begin; row < end; ++row) emit(row, found_[row - begin]);
  assembler_.gather_build();
}

void JoinProber::probe(const table::Table& block) {
  const std::size_t rows = block.num_rows();
  if (rows == 0) return;
  assembler_.set_probe(&block);
  if (view_.word_keys()) {
    const table::Column& key = block.column(probe_keys_[0]);
    const std::uint64_t* words = nullptr;
    const std::uint8_t* present = nullptr;
    if (table::stores_i64(key.type())) {  // the values are the words
      words = reinterpret_cast<const std::uint64_t*>(key.i64());
      present = key.validity();
    } else {  // float64: canonical bits (-0.0 is 0.0, one NaN), as the index holds them
      encoder_.encode_words(block, probe_keys_[0]);
      words = encoder_.words();
      present = encoder_.present();
    }
    for (std::size_t begin = 0; begin < rows; begin += kLookupBatch)
      look_up_words(words, present, begin, std::min(rows, begin + kLookupBatch));
    assembler_.flush();
    assembler_.set_probe(nullptr);
    return;
  }
  encoder_.encode(block, probe_keys_);
  key_validity_.clear();
  for (std::size_t column : probe_keys_)
    if (block.column(column).validity() != nullptr)
      key_validity_.push_back(block.column(column).validity());
  for (std::size_t begin = 0; begin < rows; begin += kLookupBatch)
    look_up(block, begin, std::min(rows, begin + kLookupBatch));
  assembler_.flush();
  assembler_.set_probe(nullptr);
}

}  // namespace rankflow::ops
