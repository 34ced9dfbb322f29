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
// The load factor stays at most 1/2. clear() keeps every buffer's capacity, so a table reused
// for the merge after the exchange allocates nothing new. Not collective, not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace rankflow::ops {

class GroupTable {
 public:
  // `fixed_width`: every key has this many bytes (pass `fixed` = false for variable keys).
  GroupTable(bool fixed, std::size_t fixed_width);

  void clear() noexcept;
  std::size_t size() const noexcept { return hashes_.size(); }

  // The id of the group with this key, inserted if new.
  std::uint32_t find_or_insert(const std::uint8_t* key, std::uint32_t size, std::uint64_t hash) {
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

  const std::uint8_t* key(std::uint32_t id) const noexcept {
    return keys_.data() + (fixed_ ? id * width_ : offsets_[id]);
  }
  std::uint32_t key_size(std::uint32_t id) const noexcept {
    return static_cast<std::uint32_t>(fixed_ ? width_ : offsets_[id + 1] - offsets_[id]);
  }
  std::uint64_t hash(std::uint32_t id) const noexcept { return hashes_[id]; }
  std::size_t memory_bytes() const noexcept;

 private:
  bool equal(std::uint32_t id, const std::uint8_t* key, std::uint32_t size) const noexcept {
    if (fixed_) return std::memcmp(keys_.data() + id * width_, key, width_) == 0;
    return offsets_[id + 1] - offsets_[id] == size &&
           std::memcmp(keys_.data() + offsets_[id], key, size) == 0;
  }
  std::uint32_t insert(std::size_t pos, const std::uint8_t* key, std::uint32_t size,
                       std::uint64_t hash);
  void grow();

  bool fixed_;
  std::size_t width_;
  std::size_t mask_ = 0;
  std::vector<std::uint64_t> slots_;
  std::vector<std::uint8_t> keys_;
  std::vector<std::uint64_t> offsets_;  // variable width: size() + 1 entries
  std::vector<std::uint64_t> hashes_;
};

}  // namespace rankflow::ops
