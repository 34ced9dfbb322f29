// JoinIndex: a hash join's build side, indexed, read-only and position-independent, so that one
// copy in node-shared memory serves every rank of a node (a broadcast join), and the same code
// serves a rank's private share (a shuffle join).
//
// JoinIndexBuilder reads the build rows as they arrived (consecutive row-codec chunks, one per
// source rank) and writes one buffer:
//
//   header       sizes; where each part starts (bytes from the buffer's start); the layout of
//                a record
//   slots        open addressing over distinct keys, 16 bytes each: [ hash:64 | first:32 |
//                count:32 ] (count 0: empty); a power-of-two count, load <= 2/3
//   direct       word keys with a dense range only (instead of the slots): [ first:32 |
//                count:32 ] per key value in [min, min + range)
//   records      one fixed-size record per build row, rows of one key consecutive (build order
//                within a key), rows with a null key last:
//                  | key (normalized bytes, or offset + size in the key heap; none for word
//                  | keys) | a validity byte per column | 8 bytes per column; 16 for a string:
//                  | u32 length, then the characters when they fit in 12 bytes, else (after 4
//                  | unused) a u64 offset into the string heap |
//   key heap     variable-width keys: each distinct normalized key once
//   string heap  the characters of string values
//
// A probe costs two cache misses: the slot (its full hash says "this key" with near certainty,
// the record's key bytes confirm), then the record, which holds every column of the row.
//
// Word keys (one int64, date, timestamp or float64 column, floats canonical as the key encoder
// makes them) skip the normalized bytes: a slot holds the key's 64-bit word itself in place of
// the hash, at the position of a cheap mix of the word, so that equal words are the whole test
// and the record holds no key. When the build side's int64-storage keys span a range of at
// most kDirectSpread times their count, a direct array indexed by (key - min) replaces the
// slots: one load, no probing. Word keys are a layout choice of the builder (the view says
// which); JoinIndexBuilder can be told to keep the generic layout (tests compare both). Rows
// are named by their record number (0 .. rows - 1). Offsets, never pointers: each process maps
// shared memory at its own address. Nothing here is collective; a builder is local to one rank
// (the node's leader for a broadcast join).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "rankflow/table/table.hpp"

namespace rankflow::ops {

inline constexpr std::uint64_t kNoRef = ~std::uint64_t{0};
inline constexpr std::uint32_t kNoRow = ~std::uint32_t{0};

struct JoinSlot {
  std::uint64_t hash;  // word keys: the word
  std::uint32_t first;
  std::uint32_t count;  // 0: empty
};

// A direct array's entry: the rows of key min + its position.
struct JoinDirectEntry {
  std::uint32_t first;
  std::uint32_t count;  // 0: no row has this key
};

// Word keys whose range (max - min + 1) is at most this times the number of distinct keys get
// the direct array: at most 32 bytes per key, within the 24 to 48 that the slots take (16
// bytes each, load between 1/3 and 2/3).
inline constexpr std::uint64_t kDirectSpread = 4;

// The slot position of a word key: murmur3's finalizer, so that consecutive and strided keys
// spread over the low bits the table indexes with.
inline std::uint64_t mix_word(std::uint64_t word) noexcept {
  word ^= word >> 33;
  word *= 0xff51afd7ed558ccdull;
  word ^= word >> 33;
  word *= 0xc4ceb9fe1a85ec53ull;
  word ^= word >> 33;
  return word;
}

class JoinIndexView {
 public:
  JoinIndexView() = default;
  // `index` must be 8-byte aligned.
  JoinIndexView(const table::Schema& schema, const std::byte* index);

  std::uint64_t rows() const noexcept { return rows_; }
  std::uint64_t groups() const noexcept { return groups_; }
  // True when the index was laid out for word keys: look up with find_word(), not find().
  bool word_keys() const noexcept { return word_keys_; }
  bool direct() const noexcept { return direct_ != nullptr; }

  const JoinSlot* slot_for(std::uint64_t hash) const noexcept {
    return slots_ + (hash & slot_mask_);
  }
  // The rows [first, first + count) whose key is `key` (normalized, with its hash); count 0 when
  // none.
  struct Range {
    std::uint32_t first = 0;
    std::uint32_t count = 0;
  };
  Range find(const std::uint8_t* key, std::uint32_t size, std::uint64_t hash) const noexcept {
    std::uint64_t pos = hash & slot_mask_;
    for (;;) {
      const JoinSlot& slot = slots_[pos];
      if (slot.count == 0) return {};
      if (slot.hash == hash && key_equals(slot.first, key, size)) return {slot.first, slot.count};
      pos = (pos + 1) & slot_mask_;
    }
  }
  const std::byte* record(std::uint64_t row) const noexcept { return records_ + row * stride_; }

  // Word keys: the rows whose key is the (present) word `word`; count 0 when none.
  Range find_word(std::uint64_t word) const noexcept {
    if (direct_ != nullptr) {
      const std::uint64_t at = word - direct_min_;  // wraps for keys below min: out of range
      if (at >= direct_count_) return {};
      return {direct_[at].first, direct_[at].count};
    }
    std::uint64_t pos = mix_word(word) & slot_mask_;
    for (;;) {
      const JoinSlot& slot = slots_[pos];
      if (slot.count == 0) return {};
      if (slot.hash == word) return {slot.first, slot.count};
      pos = (pos + 1) & slot_mask_;
    }
  }
  // Where find_word(word) reads first, for prefetching.
  const void* word_address(std::uint64_t word) const noexcept {
    if (direct_ != nullptr) {
      const std::uint64_t at = word - direct_min_;
      return direct_ + (at < direct_count_ ? at : 0);
    }
    return slots_ + (mix_word(word) & slot_mask_);
  }

  // The same lookup in two steps, so that a probe loop can prefetch between them: the first
  // slot whose hash is `hash` (kNoSlot when none), then the check of its key (which reads the
  // row's record) and, on the rare mismatch, the rest of the probe.
  static constexpr std::uint64_t kNoSlot = ~std::uint64_t{0};
  std::uint64_t slot_of_hash(std::uint64_t hash) const noexcept {
    std::uint64_t pos = hash & slot_mask_;
    for (;;) {
      const JoinSlot& slot = slots_[pos];
      if (slot.count == 0) return kNoSlot;
      if (slot.hash == hash) return pos;
      pos = (pos + 1) & slot_mask_;
    }
  }
  std::uint32_t slot_first(std::uint64_t pos) const noexcept { return slots_[pos].first; }
  Range confirm(std::uint64_t pos, const std::uint8_t* key, std::uint32_t size,
                std::uint64_t hash) const noexcept {
    for (;;) {
      const JoinSlot& slot = slots_[pos];
      if (slot.count == 0) return {};
      if (slot.hash == hash && key_equals(slot.first, key, size)) return {slot.first, slot.count};
      pos = (pos + 1) & slot_mask_;
    }
  }

  // Appends, for each ref (a row; kNoRef: null), the row's values of the given columns to
  // outs[i] (columns[i] of the build schema). Column by column, each a tight loop of one type
  // (the caller keeps a batch small enough that its records stay in cache between columns);
  // `scratch` is reused between calls.
  void gather(const std::vector<std::size_t>& columns, const std::uint64_t* refs, std::size_t count,
              const std::vector<table::Column*>& outs, std::vector<std::uint64_t>& scratch) const;

 private:
  bool key_equals(std::uint64_t row, const std::uint8_t* key, std::uint32_t size) const noexcept;
  template <typename T>
  void gather_fixed(std::size_t column, const std::uint64_t* refs, std::size_t count,
                    table::Column& out, T* values) const;
  void gather_strings(std::size_t column, const std::uint64_t* refs, std::size_t count,
                      table::Column& out, std::vector<std::uint64_t>& ends) const;
  std::string_view string_at(const std::byte* value) const noexcept {
    std::uint32_t length;
    std::memcpy(&length, value, 4);
    if (length <= 12) return {reinterpret_cast<const char*>(value + 4), length};
    std::uint64_t offset;
    std::memcpy(&offset, value + 8, 8);
    return {reinterpret_cast<const char*>(string_heap_ + offset), length};
  }

  std::vector<table::ColumnType> types_;
  std::vector<std::uint64_t> value_offsets_;  // per column, within a record
  const std::byte* base_ = nullptr;
  std::uint64_t rows_ = 0;
  std::uint64_t groups_ = 0;
  std::uint64_t slot_mask_ = 0;
  std::uint64_t key_width_ = 0;  // 0: variable (offset + size in the key heap)
  std::uint64_t stride_ = 0;
  std::uint64_t validity_offset_ = 0;
  const JoinSlot* slots_ = nullptr;
  const std::byte* records_ = nullptr;
  const std::byte* key_heap_ = nullptr;
  const std::byte* string_heap_ = nullptr;
  bool word_keys_ = false;
  const JoinDirectEntry* direct_ = nullptr;  // null: no direct array
  std::uint64_t direct_min_ = 0;             // the key of direct_[0], as a word
  std::uint64_t direct_count_ = 0;
};

// Indexes the build rows held as row-codec chunks in [data, data + size). Local; may throw
// (DataError for a malformed chunk, more than 2^32 - 2 rows or distinct keys).
class JoinIndexBuilder {
 public:
  // `word_keys`: lay out one 8-byte key column as word keys (false: the generic layout, for
  // every key; tests compare the two).
  JoinIndexBuilder(const table::Schema& schema, const std::vector<std::size_t>& key_columns,
                   const std::byte* data, std::uint64_t size, bool word_keys = true);
  ~JoinIndexBuilder();

  std::uint64_t bytes() const noexcept;
  // Writes the index (bytes() bytes) to `out`, 8-byte aligned. `data` must still hold the rows.
  void write(std::byte* out) const;
  std::uint64_t rows() const noexcept;

  // An upper bound of the memory the index and what the builder holds beside it take for
  // `rows` build rows of `schema`, `row_bytes` encoded bytes in all, keys of `key_width` bytes
  // (0: variable), for budgets (checked before the rows are fetched). The generic layout's
  // bound also holds for word keys: their records drop the key's 16 bytes per row, which
  // covers what a direct array may take beyond the slots it replaces (32 - 24 per key).
  static std::uint64_t estimate_bytes(std::uint64_t rows, std::uint64_t row_bytes,
                                      const table::Schema& schema, std::uint64_t key_width);

 private:
  struct Plan;
  std::unique_ptr<Plan> plan_;
};

}  // namespace rankflow::ops
