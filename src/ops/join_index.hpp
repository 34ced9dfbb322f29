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
//                count:32 ] (count 0: empty); a power-of-two count, load <= 1/2
//   records      one fixed-size record per build row, rows of one key consecutive (build order
//                within a key), rows with a null key last:
//                  | key (normalized bytes, or offset + size in the key heap) | a validity byte
//                  | per column | 8 bytes per column; 16 for a string: u32 length, then the
//                  | characters when they fit in 12 bytes, else (after 4 unused) a u64 offset
//                  | into the string heap |
//   key heap     variable-width keys: each distinct normalized key once
//   string heap  the characters of string values
//
// A probe costs two cache misses: the slot (its full hash says "this key" with near certainty,
// the record's key bytes confirm), then the record, which holds every column of the row. Rows
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
  std::uint64_t hash;
  std::uint32_t first;
  std::uint32_t count;  // 0: empty
};

class JoinIndexView {
 public:
  JoinIndexView() = default;
  // `index` must be 8-byte aligned.
  JoinIndexView(const table::Schema& schema, const std::byte* index);

  std::uint64_t rows() const noexcept { return rows_; }
  std::uint64_t groups() const noexcept { return groups_; }

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
  // outs[i] (columns[i] of the build schema). Row by row: a record is read once for all.
  void gather(const std::vector<std::size_t>& columns, const std::uint64_t* refs, std::size_t count,
              const std::vector<table::Column*>& outs) const;

 private:
  bool key_equals(std::uint64_t row, const std::uint8_t* key, std::uint32_t size) const noexcept;
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
};

// Indexes the build rows held as row-codec chunks in [data, data + size). Local; may throw
// (DataError for a malformed chunk, more than 2^32 - 2 rows or distinct keys).
class JoinIndexBuilder {
 public:
  JoinIndexBuilder(const table::Schema& schema, const std::vector<std::size_t>& key_columns,
                   const std::byte* data, std::uint64_t size);
  ~JoinIndexBuilder();

  std::uint64_t bytes() const noexcept;
  // Writes the index (bytes() bytes) to `out`, 8-byte aligned. `data` must still hold the rows.
  void write(std::byte* out) const;
  std::uint64_t rows() const noexcept;

  // An upper bound of the memory the index and what the builder holds beside it take for
  // `rows` build rows of `schema`, `row_bytes` encoded bytes in all, keys of `key_width` bytes
  // (0: variable), for budgets (checked before the rows are fetched).
  static std::uint64_t estimate_bytes(std::uint64_t rows, std::uint64_t row_bytes,
                                      const table::Schema& schema, std::uint64_t key_width);

 private:
  struct Plan;
  std::unique_ptr<Plan> plan_;
};

}  // namespace rankflow::ops
