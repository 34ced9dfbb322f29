#include "join_probe.hpp"

namespace rankflow::ops {
namespace {

using table::Column;
using table::ColumnType;

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
}

void JoinAssembler::gather_side(bool left, std::size_t column, Column& out) {
  if (left == build_is_left_) {
    view_.gather(column, build_refs_.data(), build_refs_.size(), out);
  } else if (probe_ == nullptr) {  // build rows without a partner
    for (std::size_t pair = 0; pair < probe_rows_.size(); ++pair) out.append_null();
  } else {
    gather_probe(probe_->column(column), probe_rows_.data(), probe_rows_.size(), out);
  }
}

void JoinAssembler::flush() {
  const std::size_t pairs = probe_rows_.size();
  if (pairs == 0) return;
  out_.clear();
  for (std::size_t column_idx = 0; column_idx < plan_.columns.size(); ++column_idx) {
    const JoinOutputColumn& column = plan_.columns[column_idx];
    Column& out = out_.column(column_idx);
    switch (column.from) {
      case JoinOutputColumn::From::kLeft:
        gather_side(true, column.left_column, out);
        break;
      case JoinOutputColumn::From::kRight:
        gather_side(false, column.right_column, out);
        break;
      case JoinOutputColumn::From::kKey:
        if (!coalesce_keys_) {
          gather_side(true, column.left_column, out);
          break;
        }
        // Right and full joins: the key of whichever side is present.
        left_scratch_ = Column(out.type());
        right_scratch_ = Column(out.type());
        gather_side(true, column.left_column, left_scratch_);
        gather_side(false, column.right_column, right_scratch_);
        for (std::size_t pair = 0; pair < pairs; ++pair)
          out.append_from(left_present(pair) ? left_scratch_ : right_scratch_, pair);
        break;
    }
  }
  rows_out_ += pairs;
  probe_rows_.clear();
  build_refs_.clear();
  sink_(out_);
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
}

void JoinProber::probe(const table::Table& block) {
  const std::size_t rows = block.num_rows();
  if (rows == 0) return;
  assembler_.set_probe(&block);
  encoder_.encode(block, probe_keys_);
  std::vector<const std::uint8_t*> validity;
  for (std::size_t column : probe_keys_)
    if (block.column(column).validity() != nullptr)
      validity.push_back(block.column(column).validity());
  const bool semi_from_probe = !build_is_left_ && plan_.how == JoinHow::kSemi;
  const std::uint64_t* hashes = encoder_.hashes();
  for (std::size_t row = 0; row < rows; ++row) {
    bool null_key = false;
    for (const std::uint8_t* valid : validity) null_key = null_key || valid[row] == 0;
    const auto found = null_key
                           ? std::pair<const std::uint64_t*, const std::uint64_t*>{}
                           : view_.find(encoder_.key(row), encoder_.key_size(row), hashes[row]);
    const auto probe_row = static_cast<std::uint32_t>(row);
    if (found.first == found.second) {
      if (keeps_unmatched_probe_) assembler_.add(probe_row, kNoRef);
      continue;
    }
    if (matched_ != nullptr)
      for (const std::uint64_t* ref = found.first; ref != found.second; ++ref)
        matched_[view_.flat(*ref)] = 1;
    if (emits_pairs_) {
      for (const std::uint64_t* ref = found.first; ref != found.second; ++ref)
        assembler_.add(probe_row, *ref);
    } else if (semi_from_probe) {
      assembler_.add(probe_row, kNoRef);
    }
  }
  assembler_.flush();
  assembler_.set_probe(nullptr);
}

}  // namespace rankflow::ops
