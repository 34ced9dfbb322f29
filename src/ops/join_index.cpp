#include "join_index.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "group_table.hpp"
#include "key_encoder.hpp"
#include "rankflow/core/error.hpp"
#include "rankflow/table/row_codec.hpp"

namespace rankflow::ops {
namespace {

using table::Column;
using table::ColumnType;

constexpr std::uint64_t kMagic = 0x3130584449464a52ull;  // "RJFIDX01"
constexpr std::uint64_t kAbsent = ~std::uint64_t{0};
constexpr std::size_t kKeyBatchRows = 16384;

// Header words.
enum : std::size_t {
  kWordMagic,
  kWordRows,
  kWordChunks,
  kWordColumns,
  kWordGroups,
  kWordSlotCount,
  kWordKeyWidth,
  kWordChunkTable,
  kWordSlots,
  kWordKeyOffsets,
  kWordKeys,
  kWordGroupStarts,
  kWordRefs,
  kHeaderWords
};
// Per chunk: first row, rows, then per column these four.
enum : std::size_t { kColValidity, kColValues, kColChars, kColStringOffsets, kColumnWords };
constexpr std::size_t kChunkFixedWords = 2;

std::uint64_t words_for(std::uint64_t bytes) { return (bytes + 7) / 8; }

std::uint64_t slot_count_for(std::uint64_t groups) {
  std::uint64_t count = 2;
  while (count < 2 * groups) count *= 2;
  return count;
}

}  // namespace

// ------------------------------------------------------------------------------- the view

JoinIndexView::JoinIndexView(const table::Schema& schema, const std::byte* index,
                             const std::byte* data)
    : data_(data), index_(reinterpret_cast<const std::uint64_t*>(index)) {
  for (const table::Field& field : schema.fields()) types_.push_back(field.type);
  if (index_[kWordMagic] != kMagic) throw DataError("internal: a join index is corrupt");
  rows_ = index_[kWordRows];
  chunks_ = index_[kWordChunks];
  groups_ = index_[kWordGroups];
  slot_mask_ = index_[kWordSlotCount] - 1;
  key_width_ = index_[kWordKeyWidth];
  chunk_words_ = kChunkFixedWords + kColumnWords * index_[kWordColumns];
  chunk_table_ = index_ + index_[kWordChunkTable];
  slots_ = index_ + index_[kWordSlots];
  key_offsets_ = index_ + index_[kWordKeyOffsets];
  keys_ = reinterpret_cast<const std::uint8_t*>(index_ + index_[kWordKeys]);
  group_starts_ = index_ + index_[kWordGroupStarts];
  refs_ = index_ + index_[kWordRefs];
}

bool JoinIndexView::key_equals(std::uint64_t group, const std::uint8_t* key,
                               std::uint32_t size) const noexcept {
  if (key_width_ != 0) return std::memcmp(keys_ + group * key_width_, key, key_width_) == 0;
  const std::uint64_t begin = key_offsets_[group];
  return key_offsets_[group + 1] - begin == size && std::memcmp(keys_ + begin, key, size) == 0;
}

void JoinIndexView::refs_of_range(std::uint64_t begin, std::uint64_t end,
                                  std::vector<std::uint64_t>& refs) const {
  for (std::uint64_t chunk = 0; chunk < chunks_ && begin < end; ++chunk) {
    const std::uint64_t first = chunk_word(chunk, 0);
    const std::uint64_t last = first + chunk_word(chunk, 1);
    for (std::uint64_t row = std::max(begin, first); row < std::min(end, last); ++row)
      refs.push_back(make_ref(chunk, row - first));
  }
}

template <typename Fixed>
void JoinIndexView::gather_fixed(std::size_t column, const std::uint64_t* refs, std::size_t count,
                                 Column& out, Fixed* values) const {
  const std::size_t base = kChunkFixedWords + column * kColumnWords;
  for (std::size_t idx = 0; idx < count; ++idx) {
    const std::uint64_t ref = refs[idx];
    if (ref == kNoRef) {
      out.set_null(out.size() - count + idx);
      continue;
    }
    const std::uint64_t chunk = ref >> 32;
    const std::uint64_t row = ref & 0xffffffffu;
    const std::uint64_t validity = chunk_word(chunk, base + kColValidity);
    if (validity != kAbsent && data_[validity + row] == std::byte{0}) {
      out.set_null(out.size() - count + idx);
      continue;
    }
    std::memcpy(values + idx, data_ + chunk_word(chunk, base + kColValues) + row * sizeof(Fixed),
                sizeof(Fixed));
  }
}

void JoinIndexView::gather(std::size_t column, const std::uint64_t* refs, std::size_t count,
                           Column& out) const {
  const ColumnType type = types_[column];
  if (type != ColumnType::kString) {
    const std::size_t old_rows = out.size();
    out.resize_fixed(old_rows + count);
    if (type == ColumnType::kFloat64)
      gather_fixed(column, refs, count, out, out.mutable_f64() + old_rows);
    else if (type == ColumnType::kBool)
      gather_fixed(column, refs, count, out, out.mutable_u8() + old_rows);
    else
      gather_fixed(column, refs, count, out, out.mutable_i64() + old_rows);
    return;
  }
  const std::size_t base = kChunkFixedWords + column * kColumnWords;
  for (std::size_t idx = 0; idx < count; ++idx) {
    const std::uint64_t ref = refs[idx];
    if (ref == kNoRef) {
      out.append_null();
      continue;
    }
    const std::uint64_t chunk = ref >> 32;
    const std::uint64_t row = ref & 0xffffffffu;
    const std::uint64_t validity = chunk_word(chunk, base + kColValidity);
    if (validity != kAbsent && data_[validity + row] == std::byte{0}) {
      out.append_null();
      continue;
    }
    const std::uint64_t* offsets = index_ + chunk_word(chunk, base + kColStringOffsets);
    out.append_string(std::string_view(reinterpret_cast<const char*>(data_ + offsets[row]),
                                       offsets[row + 1] - offsets[row]));
  }
}

// ---------------------------------------------------------------------------- the builder

struct JoinIndexBuilder::Grouping {
  Grouping(bool fixed, std::size_t width) : groups(fixed, width) {}
  GroupTable groups;
  std::uint64_t key_width = 0;          // 0: variable
  std::vector<std::uint32_t> group_of;  // per flat row; kNoRow for a null key
  std::vector<std::uint64_t> starts;    // groups + 1
  std::uint64_t key_bytes = 0;
};

JoinIndexBuilder::JoinIndexBuilder(const table::Schema& schema,
                                   const std::vector<std::size_t>& key_columns,
                                   const std::byte* data, std::uint64_t size) {
  scan(schema, data, size);
  group(schema, key_columns, data);
}

JoinIndexBuilder::~JoinIndexBuilder() = default;

void JoinIndexBuilder::scan(const table::Schema& schema, const std::byte* data,
                            std::uint64_t size) {
  std::vector<table::ChunkLayout> layouts;
  const std::byte* end = data + size;
  for (const std::byte* cursor = data; cursor < end;) {
    layouts.emplace_back();
    cursor = table::scan_chunk(schema, cursor, end, layouts.back());
  }
  const std::size_t columns = schema.size();
  const std::uint64_t chunk_words = kChunkFixedWords + kColumnWords * columns;
  std::uint64_t string_words = 0;
  for (const table::ChunkLayout& layout : layouts)
    for (std::size_t column = 0; column < columns; ++column)
      if (schema.field(column).type == ColumnType::kString) string_words += layout.rows + 1;

  head_.assign(kHeaderWords + layouts.size() * chunk_words + string_words, 0);
  head_[kWordMagic] = kMagic;
  head_[kWordChunks] = layouts.size();
  head_[kWordColumns] = columns;
  head_[kWordSlotCount] = 1;
  head_[kWordChunkTable] = kHeaderWords;
  std::uint64_t string_cursor = kHeaderWords + layouts.size() * chunk_words;
  auto offset_of = [data](const std::byte* where) {
    return where == nullptr ? kAbsent : static_cast<std::uint64_t>(where - data);
  };
  for (std::size_t chunk = 0; chunk < layouts.size(); ++chunk) {
    const table::ChunkLayout& layout = layouts[chunk];
    std::uint64_t* entry = head_.data() + kHeaderWords + chunk * chunk_words;
    entry[0] = rows_;
    entry[1] = layout.rows;
    if (rows_ + layout.rows < rows_ || layout.rows > 0xffffffffu)
      throw DataError("join: a build chunk of {} rows is too large", layout.rows);
    rows_ += layout.rows;
    for (std::size_t column = 0; column < columns; ++column) {
      const table::ChunkColumn& where = layout.columns[column];
      std::uint64_t* words = entry + kChunkFixedWords + column * kColumnWords;
      words[kColValidity] = offset_of(where.validity);
      words[kColValues] = offset_of(where.values);
      words[kColChars] = offset_of(where.chars);
      words[kColStringOffsets] = kAbsent;
      if (schema.field(column).type != ColumnType::kString) continue;
      words[kColStringOffsets] = string_cursor;
      std::uint64_t* offsets = head_.data() + string_cursor;
      offsets[0] = offset_of(where.chars);
      for (std::uint64_t row = 0; row < layout.rows; ++row) {
        std::uint32_t length;
        std::memcpy(&length, where.values + row * 4, 4);
        offsets[row + 1] = offsets[row] + length;
      }
      string_cursor += layout.rows + 1;
    }
  }
  head_[kWordRows] = rows_;
}

void JoinIndexBuilder::group(const table::Schema& schema,
                             const std::vector<std::size_t>& key_columns, const std::byte* data) {
  std::vector<ColumnType> key_types;
  table::Schema key_schema;
  for (std::size_t key_idx = 0; key_idx < key_columns.size(); ++key_idx) {
    key_types.push_back(schema.field(key_columns[key_idx]).type);
    key_schema.add({"k" + std::to_string(key_idx), key_types.back()});
  }
  KeyEncoder encoder(key_types);
  grouping_ = std::make_unique<Grouping>(encoder.is_fixed(), encoder.fixed_width());
  Grouping& grouping = *grouping_;
  grouping.key_width = encoder.is_fixed() ? encoder.fixed_width() : 0;
  grouping.group_of.assign(rows_, kNoRow);

  // Keys are encoded in batches gathered through a view of the chunk table built so far.
  const JoinIndexView view(schema, reinterpret_cast<const std::byte*>(head_.data()), data);
  table::Table keys(key_schema);
  std::vector<std::size_t> all_keys(key_columns.size());
  std::iota(all_keys.begin(), all_keys.end(), std::size_t{0});
  std::vector<std::uint64_t> refs;
  for (std::uint64_t begin = 0; begin < rows_; begin += kKeyBatchRows) {
    const std::uint64_t end = std::min(rows_, begin + kKeyBatchRows);
    refs.clear();
    view.refs_of_range(begin, end, refs);
    keys.clear();
    for (std::size_t key_idx = 0; key_idx < key_columns.size(); ++key_idx)
      view.gather(key_columns[key_idx], refs.data(), refs.size(), keys.column(key_idx));
    encoder.encode(keys, all_keys);
    for (std::size_t row = 0; row < refs.size(); ++row) {
      bool null_key = false;
      for (std::size_t key_idx = 0; key_idx < key_columns.size(); ++key_idx)
        null_key = null_key || !keys.column(key_idx).is_valid(row);
      if (null_key) continue;
      grouping.group_of[begin + row] = grouping.groups.find_or_insert(
          encoder.key(row), encoder.key_size(row), encoder.hashes()[row]);
    }
  }
  const std::size_t group_count = grouping.groups.size();
  grouping.starts.assign(group_count + 1, 0);
  for (std::uint32_t group : grouping.group_of)
    if (group != kNoRow) ++grouping.starts[group + 1];
  for (std::size_t group = 0; group < group_count; ++group)
    grouping.starts[group + 1] += grouping.starts[group];
  for (std::uint32_t group = 0; group < group_count; ++group)
    grouping.key_bytes += grouping.groups.key_size(group);

  total_words_ = head_.size() + slot_count_for(group_count) +
                 (grouping.key_width == 0 ? group_count + 1 : 0) + words_for(grouping.key_bytes) +
                 (group_count + 1) + grouping.starts.back();
}

void JoinIndexBuilder::write(std::byte* out_bytes) const {
  auto* out = reinterpret_cast<std::uint64_t*>(out_bytes);
  const Grouping& grouping = *grouping_;
  const GroupTable& groups = grouping.groups;
  const std::uint64_t group_count = groups.size();
  const std::uint64_t slot_count = slot_count_for(group_count);
  std::copy(head_.begin(), head_.end(), out);

  std::uint64_t cursor = head_.size();
  out[kWordGroups] = group_count;
  out[kWordSlotCount] = slot_count;
  out[kWordKeyWidth] = grouping.key_width;
  out[kWordSlots] = cursor;
  std::uint64_t* slots = out + cursor;
  std::fill(slots, slots + slot_count, 0);
  for (std::uint32_t group = 0; group < group_count; ++group) {
    const std::uint64_t hash = groups.hash(group);
    std::uint64_t pos = hash & (slot_count - 1);
    while (slots[pos] != 0) pos = (pos + 1) & (slot_count - 1);
    slots[pos] = (hash & 0xffffffff00000000ull) | (std::uint64_t{group} + 1);
  }
  cursor += slot_count;

  out[kWordKeyOffsets] = cursor;
  if (grouping.key_width == 0) {
    std::uint64_t offset = 0;
    for (std::uint32_t group = 0; group < group_count; ++group) {
      out[cursor + group] = offset;
      offset += groups.key_size(group);
    }
    out[cursor + group_count] = offset;
    cursor += group_count + 1;
  }
  out[kWordKeys] = cursor;
  auto* keys = reinterpret_cast<std::uint8_t*>(out + cursor);
  for (std::uint32_t group = 0; group < group_count; ++group) {
    std::memcpy(keys, groups.key(group), groups.key_size(group));
    keys += groups.key_size(group);
  }
  cursor += words_for(grouping.key_bytes);

  out[kWordGroupStarts] = cursor;
  std::copy(grouping.starts.begin(), grouping.starts.end(), out + cursor);
  cursor += group_count + 1;

  // Refs by group, in build order within a group: a counting sort straight into place.
  out[kWordRefs] = cursor;
  std::uint64_t* refs = out + cursor;
  std::vector<std::uint64_t> next(grouping.starts.begin(), grouping.starts.end() - 1);
  std::uint64_t flat = 0;
  for (std::uint64_t chunk = 0; chunk < head_[kWordChunks]; ++chunk) {
    const std::uint64_t rows =
        head_[kHeaderWords + chunk * (kChunkFixedWords + kColumnWords * head_[kWordColumns]) + 1];
    for (std::uint64_t row = 0; row < rows; ++row, ++flat) {
      const std::uint32_t group = grouping.group_of[flat];
      if (group != kNoRow) refs[next[group]++] = make_ref(chunk, row);
    }
  }
}

std::uint64_t JoinIndexBuilder::estimate_bytes(std::uint64_t rows, std::uint64_t key_width) {
  // Per row: group number (4), ref (8), slots and group starts (<= 24 per group), the key bytes
  // in the group table and the index (2 x width), the group table's hash and slots (~24).
  return rows * (60 + 2 * key_width) + 4096;
}

}  // namespace rankflow::ops
