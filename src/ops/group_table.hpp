// GroupTable: an open-addressing hash table from normalized key bytes to dense group ids.
//
// Groups are numbered 0, 1, 2... in order of first appearance, so aggregate states live in
// plain arrays indexed by group id. Layout:
//
//   slots_  [ tag:32 | id+1:32 ] ...   power-of-two capacity, linear probing, 0 = empty;
//                                      tag = high 32 bits of the hash (cheap mismatch test)
//   keys_   key bytes of group 0, 1, ... (fixed width: id * width; else offsets_[id])
//   hashes_ hash of each group (rehashing never touches the keys)
//
// Keys of exactly one 8-byte column (int64, date, timestamp, float64: 9 bytes with the validity
// byte) use word slots instead: [ word:64 | id+1:64 ], so that a lookup compares the value in
// the slot and touches no other memory; the null key has an id of its own outside the slots.
//
// The load factor stays at most 1/2 (3/4 when sized once with reserve()). clear() keeps every
// buffer's capacity, so a table reused for the merge after the exchange allocates nothing new.
// Not collective, not thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace rankflow::ops {

class GroupTable {
 public:
  // `fixed_width`: every key has this many bytes (pass `fixed` = false for variable keys).
  // `word_key`: the key is one 8-byte column (fixed_width 9), for word mode.
  GroupTable(bool fixed, std::size_t fixed_width, bool word_key = false);

  void clear() noexcept;
  std::size_t size() const noexcept { return hashes_.size(); }
  // Sizes the table for `groups` groups at once (no rehash on the way there); for a caller that
  // knows an upper bound (a join's build rows). Variable-width keys: `key_bytes` bounds their
  // bytes in all (0: unknown), so that neither the keys nor their offsets grow by reallocation,
  // which holds the old and the new copy at once.
  void reserve(std::size_t groups, std::size_t key_bytes = 0);
  // Frees the lookup slots of a table done inserting: key(), key_size(), hash() and size()
  // still work; find_or_insert and clear() no longer do.
  void drop_lookup() noexcept;

  // True for keys of one 8-byte column: find_or_insert_word is the fast path.
  bool word_mode() const noexcept { return word_mode_; }

  // The id of the group with this key, inserted if new.
  std::uint32_t find_or_insert(const std::uint8_t* key, std::uint32_t size, std::uint64_t hash) {
    if (word_mode_) {
      std::uint64_t word;
      std::memcpy(&word, key + 1, 8);
      return find_or_insert_word(key[0] != 0, word, hash);
    }
    const auto tag = static_cast<std::uint32_t>(hash >> 32);
    std::size_t pos = static_cast<std::size_t>(hash) & mask_;
    for (;;) {
      const std::uint64_t slot = slots_[pos];
      if (slot == 0) return insert(pos, key, size, hash);
      if (static_cast<std::uint32_t>(slot >> 32) == tag) {
        const auto id = static_cast<std::uint32_t>(slot) - 1;
        if (equal(id, key, size)) return id;
      }
      pos = (pos + 1) & mask_;
    }
  }

  // Word mode: the key (present, word), whose normalized bytes hash to `hash`.
  std::uint32_t find_or_insert_word(bool present, std::uint64_t word, std::uint64_t hash) {
    if (!present) return null_id_ != kNoId ? null_id_ : insert_null(hash);
    std::size_t pos = static_cast<std::size_t>(hash) & mask_;
    for (;;) {
      const WordSlot& slot = word_slots_[pos];
      if (slot.id_plus_1 == 0) return insert_word(pos, word, hash);
      if (slot.word == word) return static_cast<std::uint32_t>(slot.id_plus_1 - 1);
      pos = (pos + 1) & mask_;
    }
  }
  // Where the lookup of `hash` starts: prefetch it a few rows ahead.
  const void* slot_address(std::uint64_t hash) const noexcept {
    const std::size_t pos = static_cast<std::size_t>(hash) & mask_;
    return word_mode_ ? static_cast<const void*>(&word_slots_[pos])
                      : static_cast<const void*>(&slots_[pos]);
  }

  const std::uint8_t* key(std::uint32_t id) const noexcept {
    return keys_.data() + (fixed_ ? id * width_ : offsets_[id]);
  }
  std::uint32_t key_size(std::uint32_t id) const noexcept {
    return static_cast<std::uint32_t>(fixed_ ? width_ : offsets_[id + 1] - offsets_[id]);
  }
  std::uint64_t hash(std::uint32_t id) const noexcept { return hashes_[id]; }
  std::size_t memory_bytes() const noexcept;
  // Bytes the groups so far use: their keys and hashes, and the slots at the load factor
  // (memory_bytes() counts capacity, which clear() keeps).
  std::size_t used_bytes() const noexcept {
    const std::size_t slot = word_mode_ ? sizeof(WordSlot) : 8;
    return keys_.size() + offsets_.size() * 8 + hashes_.size() * 8 + 2 * size() * slot;
  }

 private:
  static constexpr std::uint32_t kNoId = 0xffffffffu;
  struct WordSlot {
    std::uint64_t word;
    std::uint64_t id_plus_1;  // 0: empty
  };

  // Fixed widths up to 16 bytes compare as two overlapping 8-byte words, inline.
  static bool equal_fixed(const std::uint8_t* left, const std::uint8_t* right,
                          std::size_t width) noexcept {
    if (width >= 8 && width <= 16) {
      std::uint64_t a, b, c, d;
      std::memcpy(&a, left, 8);
      std::memcpy(&b, right, 8);
      std::memcpy(&c, left + width - 8, 8);
      std::memcpy(&d, right + width - 8, 8);
      return ((a ^ b) | (c ^ d)) == 0;
    }
    if (width < 8) {
      for (std::size_t idx = 0; idx < width; ++idx)
        if (left[idx] != right[idx]) return false;
      return true;
    }
    return std::memcmp(left, right, width) == 0;
  }
  bool equal(std::uint32_t id, const std::uint8_t* key, std::uint32_t size) const noexcept {
    if (fixed_) return equal_fixed(keys_.data() + id * width_, key, width_);
    return offsets_[id + 1] - offsets_[id] == size &&
           std::memcmp(keys_.data() + offsets_[id], key, size) == 0;
  }
  std::uint32_t insert(std::size_t pos, const std::uint8_t* key, std::uint32_t size,
                       std::uint64_t hash);
  std::uint32_t insert_word(std::size_t pos, std::uint64_t word, std::uint64_t hash);
  std::uint32_t insert_null(std::uint64_t hash);
  std::uint32_t append_group(const std::uint8_t* key, std::uint32_t size, std::uint64_t hash);
  void grow();
  void rehash(std::size_t capacity);  // a power of two

  bool fixed_;
  std::size_t width_;
  bool word_mode_;
  std::size_t mask_ = 0;
  std::size_t grow_at_ = 0;  // more groups than this: grow (half the slots; 3/4 after reserve)
  std::vector<std::uint64_t> slots_;  // generic mode
  std::vector<WordSlot> word_slots_;  // word mode
  std::uint32_t null_id_ = kNoId;     // word mode: the group of the null key
  std::vector<std::uint8_t> keys_;
  std::vector<std::uint64_t> offsets_;  // variable width: size() + 1 entries
  std::vector<std::uint64_t> hashes_;
};

// StringGroupCache: for a key of one string column, the group ids of recently seen strings in a
// small direct-mapped cache, so that a column of few distinct values (regions, categories,
// codes) finds a row's group with a cheap hash of its bytes and one comparison with the group's
// key, instead of normalizing the key and hashing it with XXH3. The GroupTable stays the one
// place groups are created: a miss goes through it and refills the entry. A column that misses
// often (more distinct values than the cache holds) turns the cache off for good; the caller then
// takes the generic path, which batches and prefetches.
class StringGroupCache {
 public:
  static constexpr std::uint32_t kMiss = 0xffffffffu;
  static constexpr std::size_t kEntryBits = 10;
  // Rows judged at a time: more than an eighth of them missing turns the cache off.
  static constexpr std::size_t kJudgeRows = 16384;

  bool active() const noexcept { return active_; }
  // The group whose key is the present string [text, text + size), if the cache holds it.
  // `groups` holds normalized keys of one string column: [ 1 | u32 size | bytes ].
  std::uint32_t find(const char* text, std::size_t size, const GroupTable& groups) const noexcept {
    const std::uint32_t id_plus_1 = entries_[slot(text, size)];
    if (id_plus_1 == 0 || id_plus_1 > groups.size()) return kMiss;  // empty, or groups cleared
    const std::uint32_t id = id_plus_1 - 1;
    const std::uint8_t* key = groups.key(id);
    if (groups.key_size(id) != 5 + size || key[0] == 0) return kMiss;
    return std::memcmp(key + 5, text, size) == 0 ? id : kMiss;
  }
  void remember(const char* text, std::size_t size, std::uint32_t id) noexcept {
    entries_[slot(text, size)] = id + 1;
  }
  // After `rows` rows of which `misses` missed.
  void observe(std::size_t rows, std::size_t misses) noexcept {
    rows_ += rows;
    misses_ += misses;
    if (rows_ < kJudgeRows) return;
    if (misses_ * 8 > rows_) active_ = false;
    rows_ = 0;
    misses_ = 0;
  }

 private:
  // The size and the first and last (up to) 8 bytes, multiplied and folded: strings that differ
  // only in the middle share an entry, which costs misses, never a wrong group.
  static std::size_t slot(const char* text, std::size_t size) noexcept {
    std::uint64_t head = 0;
    std::uint64_t tail = 0;
    if (size >= 8) {
      std::memcpy(&head, text, 8);
      std::memcpy(&tail, text + size - 8, 8);
    } else if (size > 0) {
      std::memcpy(&head, text, size);
    }
    const std::uint64_t mixed =
        ((head + size) * 0x9e3779b97f4a7c15ull) ^ (tail * 0xc2b2ae3d27d4eb4full);
    return static_cast<std::size_t>((mixed * 0x165667b19e3779f9ull) >> (64 - kEntryBits));
  }

  bool active_ = true;
  std::size_t rows_ = 0;
  std::size_t misses_ = 0;
  std::vector<std::uint32_t> entries_ = std::vector<std::uint32_t>(std::size_t{1} << kEntryBits, 0);
};

// DirectIndex: for a key of one int64/date/timestamp column whose values lie in a small range,
// the group id of each value in a plain array, so that most rows find their group with one
// array read and no hashing (as DuckDB's perfect hash aggregate). The range is planned from the
// first block with values; values outside it, and new groups, go through the GroupTable, which
// stays the one place groups are created (the direct index only remembers their ids).
class DirectIndex {
 public:
  static constexpr std::uint64_t kMaxSlots = std::uint64_t{1} << 21;  // 8 MiB of ids

  bool planned() const noexcept { return planned_; }
  // Every id forgotten (the table was cleared); the range stays.
  void forget() noexcept { std::fill(ids_.begin(), ids_.end(), 0u); }
  // Plans the range from the present values of a block (at most once).
  void plan(const std::int64_t* values, const std::uint8_t* valid, std::size_t rows);
  // The id slot of `value` (id + 1; 0 = not known yet), or nullptr outside the range.
  std::uint32_t* slot(std::int64_t value) noexcept {
    const std::uint64_t offset = static_cast<std::uint64_t>(value) - base_;
    return offset < ids_.size() ? &ids_[offset] : nullptr;
  }
  const std::uint32_t* data() const noexcept { return ids_.data(); }
  std::uint64_t base() const noexcept { return base_; }
  std::size_t size() const noexcept { return ids_.size(); }

 private:
  bool planned_ = false;
  std::uint64_t base_ = 0;  // the smallest value, as unsigned (offsets wrap correctly)
  std::vector<std::uint32_t> ids_;
};

}  // namespace rankflow::ops
