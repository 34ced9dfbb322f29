#include "join_index.hpp"

#include <algorithm>
#include <numeric>

#include "group_table.hpp"
#include "key_encoder.hpp"
#include "rankflow/core/error.hpp"
#include "rankflow/table/row_codec.hpp"

namespace rankflow::ops {
namespace {

using table::Column;
using table::ColumnType;

constexpr std::uint64_t kMagic = 0x3330584449464a52ull;  // "RJFIDX03"
constexpr std::size_t kKeyBatchRows = 16384;
constexpr std::uint32_t kInlineString = 12;  // a string value: u32 length, then 12 bytes inline
                                             // or (4 bytes unused) a u64 heap offset

// Header words; the per-column value offsets follow.
enum : std::size_t {
  kWordMagic,
  kWordRows,
  kWordColumns,
  kWordGroups,
  kWordSlotCount,
  kWordKeyWidth,
  kWordStride,
  kWordValidity,
  kWordSlots,
  kWordRecords,
  kWordKeyHeap,
  kWordStringHeap,
  kWordTotal,
  kWordWordKeys,     // 1: word keys (slots hold words; records hold no key)
  kWordDirect,       // the direct array (word keys with a dense range), when kWordDirectCount > 0
  kWordDirectMin,    // its first key, as a word
  kWordDirectCount,  // its entries: the key range; 0: none (the slots serve)
  kHeaderWords
};

std::uint64_t round8(std::uint64_t bytes) { return (bytes + 7) / 8 * 8; }

// Load at most 2/3: a slot holds the full hash, so a probe compares hashes along a short run of
// 16-byte slots (four per cache line) and reads one record; 1/2 would double the slots' memory
// for a key per row (a primary key) for little gain.
std::uint64_t slot_count_for(std::uint64_t groups) {
  std::uint64_t count = 2;
  while (2 * count < 3 * groups) count *= 2;
  return count;
}

template <typename T>
T load(const std::byte* where) {
  T value;
  std::memcpy(&value, where, sizeof(T));
  return value;
}

// Reads one chunk column row after row, in order (strings need the running character offset).
class ColumnCursor {
 public:
  ColumnCursor(const table::ChunkColumn& column, ColumnType type) : column_(column), type_(type) {}
  bool valid(std::uint64_t row) const {
    return column_.validity == nullptr || column_.validity[row] != std::byte{0};
  }
  const std::byte* fixed(std::uint64_t row) const {
    return column_.values + row * (type_ == ColumnType::kBool ? 1 : 8);
  }
  // The string of `row`; rows must be visited in order.
  std::pair<const std::byte*, std::uint32_t> next_string(std::uint64_t row) {
    const auto length = load<std::uint32_t>(column_.values + row * 4);
    const std::byte* chars = column_.chars + chars_;
    chars_ += length;
    return {chars, length};
  }

 private:
  const table::ChunkColumn& column_;
  ColumnType type_;
  std::uint64_t chars_ = 0;
};

}  // namespace

// ------------------------------------------------------------------------------- the view

JoinIndexView::JoinIndexView(const table::Schema& schema, const std::byte* index) : base_(index) {
  const auto* words = reinterpret_cast<const std::uint64_t*>(index);
  if (words[kWordMagic] != kMagic) throw DataError("internal: a join index is corrupt");
  for (const table::Field& field : schema.fields()) types_.push_back(field.type);
  rows_ = words[kWordRows];
  groups_ = words[kWordGroups];
  slot_mask_ = words[kWordSlotCount] - 1;
  key_width_ = words[kWordKeyWidth];
  stride_ = words[kWordStride];
  validity_offset_ = words[kWordValidity];
  slots_ = reinterpret_cast<const JoinSlot*>(index + words[kWordSlots]);
  records_ = index + words[kWordRecords];
  key_heap_ = index + words[kWordKeyHeap];
  string_heap_ = index + words[kWordStringHeap];
  word_keys_ = words[kWordWordKeys] != 0;
  if (words[kWordDirectCount] > 0) {
    direct_ = reinterpret_cast<const JoinDirectEntry*>(index + words[kWordDirect]);
    direct_min_ = words[kWordDirectMin];
    direct_count_ = words[kWordDirectCount];
  }
  value_offsets_.assign(words + kHeaderWords, words + kHeaderWords + words[kWordColumns]);
}

bool JoinIndexView::key_equals(std::uint64_t row, const std::uint8_t* key,
                               std::uint32_t size) const noexcept {
  const std::byte* stored = record(row);
  if (key_width_ != 0) {
    if (key_width_ >= 8 && key_width_ <= 16) {  // two overlapping words, inline
      const std::uint64_t a = load<std::uint64_t>(stored) ^
                              load<std::uint64_t>(reinterpret_cast<const std::byte*>(key));
      const std::uint64_t b =
          load<std::uint64_t>(stored + key_width_ - 8) ^
          load<std::uint64_t>(reinterpret_cast<const std::byte*>(key) + key_width_ - 8);
      return (a | b) == 0;
    }
    return std::memcmp(stored, key, key_width_) == 0;
  }
  const auto offset = load<std::uint64_t>(stored);
  const auto stored_size = load<std::uint64_t>(stored + 8);
  return stored_size == size && std::memcmp(key_heap_ + offset, key, size) == 0;
}

template <typename T>
void JoinIndexView::gather_fixed(std::size_t column, const std::uint64_t* refs, std::size_t count,
                                 Column& out, T* values) const {
  const std::uint64_t value_offset = value_offsets_[column];
  const std::uint64_t validity = validity_offset_ + column;
  const std::size_t first = out.size() - count;
  for (std::size_t pair = 0; pair < count; ++pair) {
    const std::uint64_t ref = refs[pair];
    const std::byte* rec = ref == kNoRef ? nullptr : record(ref);
    if (rec == nullptr || rec[validity] == std::byte{0}) {
      out.set_null(first + pair);  // rare: out's validity is made on the first one
      continue;
    }
    values[pair] = load<T>(rec + value_offset);
  }
}

// Two passes: the lengths (so that the characters are one resize), then the copies.
void JoinIndexView::gather_strings(std::size_t column, const std::uint64_t* refs,
                                   std::size_t count, Column& out,
                                   std::vector<std::uint64_t>& ends) const {
  const std::uint64_t value_offset = value_offsets_[column];
  const std::uint64_t validity = validity_offset_ + column;
  ends.resize(count);
  std::uint64_t total = 0;
  bool nulls = false;
  for (std::size_t pair = 0; pair < count; ++pair) {
    const std::uint64_t ref = refs[pair];
    const std::byte* rec = ref == kNoRef ? nullptr : record(ref);
    const bool present = rec != nullptr && rec[validity] != std::byte{0};
    nulls = nulls || !present;
    total += present ? load<std::uint32_t>(rec + value_offset) : 0;
    ends[pair] = total;
  }
  const std::size_t first = out.size();
  char* chars = out.append_string_space(ends.data(), count);
  std::uint64_t at = 0;
  for (std::size_t pair = 0; pair < count; ++pair) {
    const std::uint64_t length = ends[pair] - at;
    if (length > 0) {
      const std::byte* value = record(refs[pair]) + value_offset;
      if (length > kInlineString)
        std::memcpy(chars + at, string_heap_ + load<std::uint64_t>(value + 8), length);
      else if (at + kInlineString <= total)  // a fixed-size copy; the next string overwrites
        std::memcpy(chars + at, value + 4, kInlineString);
      else
        std::memcpy(chars + at, value + 4, length);
    }
    at = ends[pair];
  }
  if (!nulls) return;
  for (std::size_t pair = 0; pair < count; ++pair) {
    const std::uint64_t ref = refs[pair];
    if (ref == kNoRef || record(ref)[validity] == std::byte{0}) out.set_null(first + pair);
  }
}

void JoinIndexView::gather(const std::vector<std::size_t>& columns, const std::uint64_t* refs,
                           std::size_t count, const std::vector<Column*>& outs,
                           std::vector<std::uint64_t>& scratch) const {
  for (std::size_t idx = 0; idx < columns.size(); ++idx) {
    Column& out = *outs[idx];
    const std::size_t column = columns[idx];
    if (types_[column] == ColumnType::kString) {
      gather_strings(column, refs, count, out, scratch);
      continue;
    }
    out.resize_fixed(out.size() + count);
    const std::size_t first = out.size() - count;
    switch (types_[column]) {
      case ColumnType::kFloat64:
        gather_fixed(column, refs, count, out, out.mutable_f64() + first);
        break;
      case ColumnType::kBool:
        gather_fixed(column, refs, count, out, out.mutable_u8() + first);
        break;
      default:
        gather_fixed(column, refs, count, out, out.mutable_i64() + first);
        break;
    }
  }
}

// ---------------------------------------------------------------------------- the builder

struct JoinIndexBuilder::Plan {
  Plan(bool fixed, std::size_t width) : groups(fixed, width) {}

  void scan(const std::byte* data, std::uint64_t size);
  void group_keys(const std::vector<std::size_t>& key_columns);
  void plan_direct();
  void lay_out();
  void write_slots(std::byte* out, const std::vector<std::uint64_t>& first) const;
  void write_records(std::byte* out, std::vector<std::uint64_t> next) const;
  std::uint64_t word_of(std::uint32_t group) const {  // word keys: the key's word
    return load<std::uint64_t>(reinterpret_cast<const std::byte*>(groups.key(group)) + 1);
  }

  table::Schema schema;
  std::vector<ColumnType> types;
  std::vector<table::ChunkLayout> layouts;
  std::uint64_t rows = 0;
  std::uint64_t string_bytes = 0;
  std::vector<std::uint64_t> column_string_bytes;  // per column: the characters of its strings
  std::uint64_t key_width = 0;  // 0: variable
  GroupTable groups;
  std::vector<std::uint32_t> group_of;         // per row in arrival order; kNoRow: a null key
  std::vector<std::uint64_t> key_heap_offset;  // per group (variable keys)
  std::uint64_t key_heap_bytes = 0;
  bool word_keys = false;         // one 8-byte key column, laid out as words
  bool direct_allowed = false;    // ... of int64 storage (a range means something)
  std::uint64_t direct_min = 0;   // the direct array's first key, as a word
  std::uint64_t direct_count = 0; // its entries; 0: none
  // Layout.
  std::uint64_t validity_offset = 0;
  std::vector<std::uint64_t> value_offsets;
  std::uint64_t stride = 0;
  std::uint64_t slot_count = 0;
  std::uint64_t slots_at = 0, records_at = 0, key_heap_at = 0, string_heap_at = 0, total = 0;
  std::uint64_t direct_at = 0;
};

void JoinIndexBuilder::Plan::scan(const std::byte* data, std::uint64_t size) {
  const std::byte* end = data + size;
  column_string_bytes.assign(types.size(), 0);
  for (const std::byte* cursor = data; cursor < end;) {
    layouts.emplace_back();
    cursor = table::scan_chunk(schema, cursor, end, layouts.back());
    rows += layouts.back().rows;
    for (std::size_t column = 0; column < types.size(); ++column) {
      if (types[column] != ColumnType::kString) continue;
      const table::ChunkColumn& where = layouts.back().columns[column];
      for (std::uint64_t row = 0; row < layouts.back().rows; ++row) {
        const auto length = load<std::uint32_t>(where.values + row * 4);
        column_string_bytes[column] += length;
        if (length > kInlineString) string_bytes += length;
      }
    }
  }
  if (rows >= kNoRow)
    throw DataError("join: {} build rows in one index is more than 2^32 - 2: use more ranks", rows);
}

void JoinIndexBuilder::Plan::group_keys(const std::vector<std::size_t>& key_columns) {
  std::vector<ColumnType> key_types;
  table::Schema key_schema;
  for (std::size_t key_idx = 0; key_idx < key_columns.size(); ++key_idx) {
    key_types.push_back(types[key_columns[key_idx]]);
    key_schema.add({"k" + std::to_string(key_idx), key_types.back()});
  }
  KeyEncoder encoder(key_types);
  key_width = encoder.is_fixed() ? encoder.fixed_width() : 0;
  word_keys = word_keys && encoder.is_word();
  direct_allowed = word_keys && table::stores_i64(key_types[0]);
  groups = GroupTable(encoder.is_fixed(), encoder.fixed_width());
  // At most a group per row: no rehash on the way. Variable keys: the normalized keys of all
  // rows bound their bytes.
  std::uint64_t key_chars = 0;
  for (std::size_t column : key_columns)
    if (types[column] == ColumnType::kString) key_chars += column_string_bytes[column];
  groups.reserve(rows, encoder.is_fixed() ? 0 : encoder.encoded_bytes(rows, key_chars));
  group_of.assign(rows, kNoRow);
  table::Table keys(key_schema);
  std::vector<std::size_t> all_keys(key_columns.size());
  std::iota(all_keys.begin(), all_keys.end(), std::size_t{0});
  std::uint64_t flat = 0;
  for (const table::ChunkLayout& layout : layouts) {
    std::vector<ColumnCursor> cursors;
    for (std::size_t column : key_columns)
      cursors.emplace_back(layout.columns[column], types[column]);
    for (std::uint64_t begin = 0; begin < layout.rows; begin += kKeyBatchRows) {
      const std::uint64_t end = std::min(layout.rows, begin + kKeyBatchRows);
      keys.clear();
      for (std::size_t key_idx = 0; key_idx < key_columns.size(); ++key_idx) {
        Column& out = keys.column(key_idx);
        ColumnCursor& cursor = cursors[key_idx];
        for (std::uint64_t row = begin; row < end; ++row) {
          const bool valid = cursor.valid(row);
          switch (key_types[key_idx]) {
            case ColumnType::kString: {
              const auto text = cursor.next_string(row);
              if (valid)
                out.append_string({reinterpret_cast<const char*>(text.first), text.second});
              else
                out.append_null();
              break;
            }
            case ColumnType::kFloat64:
              if (valid)
                out.append_f64(load<double>(cursor.fixed(row)));
              else
                out.append_null();
              break;
            case ColumnType::kBool:
              if (valid)
                out.append_bool(load<std::uint8_t>(cursor.fixed(row)) != 0);
              else
                out.append_null();
              break;
            default:
              if (valid)
                out.append_i64(load<std::int64_t>(cursor.fixed(row)));
              else
                out.append_null();
              break;
          }
        }
      }
      encoder.encode(keys, all_keys);
      for (std::uint64_t row = 0; row < end - begin; ++row, ++flat) {
        bool null_key = false;
        for (std::size_t key_idx = 0; key_idx < key_columns.size(); ++key_idx)
          null_key = null_key || !keys.column(key_idx).is_valid(row);
        if (!null_key)
          group_of[flat] =
              groups.find_or_insert(encoder.key(row), encoder.key_size(row), encoder.hashes()[row]);
      }
    }
  }
  groups.drop_lookup();  // its slots are not needed for the index: free them before it is made
}

// A direct array when the distinct keys' range is dense enough (kDirectSpread).
void JoinIndexBuilder::Plan::plan_direct() {
  const std::uint64_t group_count = groups.size();
  if (!direct_allowed || group_count == 0) return;
  auto min = static_cast<std::int64_t>(word_of(0));
  std::int64_t max = min;
  for (std::uint32_t group = 1; group < group_count; ++group) {
    const auto key = static_cast<std::int64_t>(word_of(group));
    min = std::min(min, key);
    max = std::max(max, key);
  }
  // max - min in unsigned arithmetic: exact for any two int64s.
  const std::uint64_t span = static_cast<std::uint64_t>(max) - static_cast<std::uint64_t>(min);
  if (span >= kDirectSpread * group_count) return;
  direct_min = static_cast<std::uint64_t>(min);
  direct_count = span + 1;
}

void JoinIndexBuilder::Plan::lay_out() {
  const std::size_t columns = types.size();
  const std::uint64_t group_count = groups.size();
  if (key_width == 0) {
    key_heap_offset.resize(group_count);
    for (std::uint32_t group = 0; group < group_count; ++group) {
      key_heap_offset[group] = key_heap_bytes;
      key_heap_bytes += groups.key_size(group);
    }
  }
  validity_offset = word_keys ? 0 : key_width == 0 ? 16 : round8(key_width);
  std::uint64_t at = validity_offset + round8(columns);
  for (ColumnType type : types) {
    value_offsets.push_back(at);
    at += type == ColumnType::kString ? 16 : 8;
  }
  stride = std::max<std::uint64_t>(at, 8);
  slot_count = direct_count > 0 ? 0 : slot_count_for(group_count);
  slots_at = 8 * (kHeaderWords + columns);
  direct_at = slots_at + slot_count * sizeof(JoinSlot);
  records_at = direct_at + direct_count * sizeof(JoinDirectEntry);
  key_heap_at = records_at + rows * stride;
  string_heap_at = round8(key_heap_at + key_heap_bytes);
  total = round8(string_heap_at + string_bytes);
}

JoinIndexBuilder::JoinIndexBuilder(const table::Schema& schema,
                                   const std::vector<std::size_t>& key_columns,
                                   const std::byte* data, std::uint64_t size, bool word_keys)
    : plan_(std::make_unique<Plan>(true, 0)) {
  Plan& plan = *plan_;
  plan.schema = schema;
  plan.word_keys = word_keys;
  for (const table::Field& field : schema.fields()) plan.types.push_back(field.type);
  plan.scan(data, size);
  plan.group_keys(key_columns);
  plan.plan_direct();
  plan.lay_out();
}

JoinIndexBuilder::~JoinIndexBuilder() = default;
std::uint64_t JoinIndexBuilder::bytes() const noexcept { return plan_->total; }
std::uint64_t JoinIndexBuilder::rows() const noexcept { return plan_->rows; }

// `next`: where each group's next record goes (the null-key rows' at the back), taken from
// write(): one cursor per group, not a copy of them.
void JoinIndexBuilder::Plan::write_records(std::byte* out, std::vector<std::uint64_t> next) const {
  std::byte* records = out + records_at;
  std::byte* string_heap = out + string_heap_at;
  std::uint64_t string_cursor = 0;
  std::uint64_t flat = 0;
  const std::size_t columns = types.size();
  for (const table::ChunkLayout& layout : layouts) {
    std::vector<ColumnCursor> cursors;
    for (std::size_t column = 0; column < columns; ++column)
      cursors.emplace_back(layout.columns[column], types[column]);
    for (std::uint64_t row = 0; row < layout.rows; ++row, ++flat) {
      const std::uint32_t group = group_of[flat];
      std::byte* rec = records + (group == kNoRow ? next.back()++ : next[group]++) * stride;
      std::memset(rec, 0, stride);
      if (group == kNoRow || word_keys) {
        // no key bytes: null keys never match; word keys are in the slots or the direct array
      } else if (key_width != 0) {
        std::memcpy(rec, groups.key(group), key_width);
      } else {
        const std::uint64_t size = groups.key_size(group);
        std::memcpy(rec, &key_heap_offset[group], 8);
        std::memcpy(rec + 8, &size, 8);
      }
      for (std::size_t column = 0; column < columns; ++column) {
        ColumnCursor& cursor = cursors[column];
        const bool valid = cursor.valid(row);
        rec[validity_offset + column] = valid ? std::byte{1} : std::byte{0};
        std::byte* value = rec + value_offsets[column];
        if (types[column] == ColumnType::kString) {
          const auto text = cursor.next_string(row);
          const std::uint32_t length = valid ? text.second : 0;
          std::memcpy(value, &length, 4);
          if (length <= kInlineString) {  // short strings live in the record: no second miss
            std::memcpy(value + 4, text.first, length);
          } else {
            std::memcpy(string_heap + string_cursor, text.first, length);
            std::memcpy(value + 8, &string_cursor, 8);
            string_cursor += length;
          }
        } else if (valid) {
          std::memcpy(value, cursor.fixed(row), types[column] == ColumnType::kBool ? 1 : 8);
        }
      }
    }
  }
}

// The slots (by hash, or for word keys by word) or the direct array: per key, its rows.
void JoinIndexBuilder::Plan::write_slots(std::byte* out,
                                         const std::vector<std::uint64_t>& first) const {
  const std::uint64_t group_count = groups.size();
  if (direct_count > 0) {
    auto* direct = reinterpret_cast<JoinDirectEntry*>(out + direct_at);
    std::fill(direct, direct + direct_count, JoinDirectEntry{0, 0});
    for (std::uint32_t group = 0; group < group_count; ++group)
      direct[word_of(group) - direct_min] = {
          static_cast<std::uint32_t>(first[group]),
          static_cast<std::uint32_t>(first[group + 1] - first[group])};
    return;
  }
  auto* slots = reinterpret_cast<JoinSlot*>(out + slots_at);
  std::fill(slots, slots + slot_count, JoinSlot{0, 0, 0});
  for (std::uint32_t group = 0; group < group_count; ++group) {
    const std::uint64_t tag = word_keys ? word_of(group) : groups.hash(group);
    std::uint64_t pos = (word_keys ? mix_word(tag) : tag) & (slot_count - 1);
    while (slots[pos].count != 0) pos = (pos + 1) & (slot_count - 1);
    slots[pos] = {tag, static_cast<std::uint32_t>(first[group]),
                  static_cast<std::uint32_t>(first[group + 1] - first[group])};
  }
}

void JoinIndexBuilder::write(std::byte* out) const {
  const Plan& plan = *plan_;
  const std::uint64_t group_count = plan.groups.size();
  auto* words = reinterpret_cast<std::uint64_t*>(out);
  words[kWordMagic] = kMagic;
  words[kWordRows] = plan.rows;
  words[kWordColumns] = plan.types.size();
  words[kWordGroups] = group_count;
  words[kWordSlotCount] = plan.slot_count;
  words[kWordKeyWidth] = plan.key_width;
  words[kWordStride] = plan.stride;
  words[kWordValidity] = plan.validity_offset;
  words[kWordSlots] = plan.slots_at;
  words[kWordRecords] = plan.records_at;
  words[kWordKeyHeap] = plan.key_heap_at;
  words[kWordStringHeap] = plan.string_heap_at;
  words[kWordTotal] = plan.total;
  words[kWordWordKeys] = plan.word_keys ? 1 : 0;
  words[kWordDirect] = plan.direct_at;
  words[kWordDirectMin] = plan.direct_min;
  words[kWordDirectCount] = plan.direct_count;
  std::copy(plan.value_offsets.begin(), plan.value_offsets.end(), words + kHeaderWords);

  // Each group's rows start where the previous group's end; null-key rows come last.
  std::vector<std::uint64_t> first(group_count + 1, 0);
  for (std::uint32_t group : plan.group_of)
    if (group != kNoRow) ++first[group + 1];
  for (std::uint64_t group = 0; group < group_count; ++group) first[group + 1] += first[group];

  plan.write_slots(out, first);
  std::byte* key_heap = out + plan.key_heap_at;
  for (std::uint32_t group = 0; group < group_count && plan.key_width == 0; ++group)
    std::memcpy(key_heap + plan.key_heap_offset[group], plan.groups.key(group),
                plan.groups.key_size(group));
  plan.write_records(out, std::move(first));
}

std::uint64_t JoinIndexBuilder::estimate_bytes(std::uint64_t rows, std::uint64_t row_bytes,
                                               const table::Schema& schema,
                                               std::uint64_t key_width) {
  // The index as lay_out() makes it: a record per row (the stride is known from the schema),
  // slots for at most a group per row, the string heap (at most the encoded bytes) and the key
  // heap. Beside it while it is written, per group: its number for each row, a hash, the key,
  // and a cursor for the records (the group table's own slots are freed before the index is
  // made; they are smaller); variable keys add the key's offset in the table and in the heap.
  // A normalized key is at most 8 bytes per column longer than the row's encoding (a string
  // adds a flag byte to its u32 size; a bool widens most), hence the bound on all keys' bytes.
  std::uint64_t stride = (key_width == 0 ? 16 : round8(key_width)) + round8(schema.size());
  bool strings = false;
  for (const table::Field& field : schema.fields()) {
    strings = strings || field.type == ColumnType::kString;
    stride += field.type == ColumnType::kString ? 16 : 8;
  }
  const std::uint64_t variable_keys = key_width == 0 ? row_bytes + 8 * rows * schema.size() : 0;
  const std::uint64_t heaps = (strings ? row_bytes : 0) + variable_keys;
  const std::uint64_t index = rows * stride + slot_count_for(rows) * sizeof(JoinSlot) + heaps +
                              8 * (kHeaderWords + schema.size());
  const std::uint64_t builder =
      rows * (4 + 8 + 8) + (key_width == 0 ? rows * (8 + 8) + variable_keys : rows * key_width);
  // The keys of one batch (kKeyBatchRows rows) normalized, the chunks' layouts: about a MiB.
  constexpr std::uint64_t kBuilderScratch = std::uint64_t{2} << 20;
  return index + builder + kBuilderScratch;
}

}  // namespace rankflow::ops
