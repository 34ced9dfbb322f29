#include "group_table.hpp"

#include <algorithm>
#include <limits>

#include "rankflow/core/error.hpp"

namespace rankflow::ops {
namespace {
constexpr std::size_t kInitialSlots = 1024;
constexpr std::uint64_t kTagMask = 0xffffffff00000000ull;
}  // namespace

GroupTable::GroupTable(bool fixed, std::size_t fixed_width, bool word_key)
    : fixed_(fixed),
      width_(fixed ? fixed_width : 0),
      word_mode_(word_key && fixed && fixed_width == 9) {
  if (word_mode_)
    word_slots_.assign(kInitialSlots, WordSlot{0, 0});
  else
    slots_.assign(kInitialSlots, 0);
  mask_ = kInitialSlots - 1;
  grow_at_ = kInitialSlots / 2;
  if (!fixed_) offsets_.push_back(0);
}

void GroupTable::clear() noexcept {
  std::fill(slots_.begin(), slots_.end(), 0);
  std::fill(word_slots_.begin(), word_slots_.end(), WordSlot{0, 0});
  null_id_ = kNoId;
  keys_.clear();
  hashes_.clear();
  offsets_.clear();
  if (!fixed_) offsets_.push_back(0);
}

void GroupTable::reserve(std::size_t groups, std::size_t key_bytes) {
  keys_.reserve(fixed_ ? groups * width_ : (key_bytes != 0 ? key_bytes : groups * 8));
  if (!fixed_) offsets_.reserve(groups + 1);
  hashes_.reserve(groups);
  // Load up to 3/4 when the count is known up front: the slots are most of the table's memory,
  // and a table that never grows can afford the slightly longer probe runs.
  std::size_t capacity = word_mode_ ? word_slots_.size() : slots_.size();
  if (capacity / 4 * 3 >= groups) return;
  while (capacity / 4 * 3 < groups) capacity *= 2;
  rehash(capacity);
  grow_at_ = capacity / 4 * 3;
}

void GroupTable::drop_lookup() noexcept {
  std::vector<std::uint64_t>().swap(slots_);
  std::vector<WordSlot>().swap(word_slots_);
  mask_ = 0;
}

std::uint32_t GroupTable::append_group(const std::uint8_t* key, std::uint32_t size,
                                       std::uint64_t hash) {
  if (hashes_.size() >= kNoId - 1)
    throw DataError("more than 2^32 - 2 groups on one rank: use more ranks");
  const auto id = static_cast<std::uint32_t>(hashes_.size());
  keys_.insert(keys_.end(), key, key + size);
  if (!fixed_) offsets_.push_back(keys_.size());
  hashes_.push_back(hash);
  return id;
}

std::uint32_t GroupTable::insert(std::size_t pos, const std::uint8_t* key, std::uint32_t size,
                                 std::uint64_t hash) {
  const std::uint32_t id = append_group(key, size, hash);
  slots_[pos] = (hash & kTagMask) | (std::uint64_t{id} + 1);
  if (hashes_.size() > grow_at_) grow();
  return id;
}

std::uint32_t GroupTable::insert_word(std::size_t pos, std::uint64_t word, std::uint64_t hash) {
  std::uint8_t key[9];
  key[0] = 1;
  std::memcpy(key + 1, &word, 8);
  const std::uint32_t id = append_group(key, 9, hash);
  word_slots_[pos] = WordSlot{word, std::uint64_t{id} + 1};
  if (hashes_.size() > grow_at_) grow();
  return id;
}

std::uint32_t GroupTable::insert_null(std::uint64_t hash) {
  const std::uint8_t key[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
  null_id_ = append_group(key, 9, hash);
  return null_id_;
}

void GroupTable::grow() { rehash(2 * (word_mode_ ? word_slots_.size() : slots_.size())); }

void GroupTable::rehash(std::size_t capacity) {
  grow_at_ = capacity / 2;
  if (word_mode_) {
    word_slots_.assign(capacity, WordSlot{0, 0});
    mask_ = capacity - 1;
    for (std::uint32_t id = 0; id < hashes_.size(); ++id) {
      if (id == null_id_) continue;
      std::uint64_t word;
      std::memcpy(&word, keys_.data() + std::size_t{id} * 9 + 1, 8);
      std::size_t pos = static_cast<std::size_t>(hashes_[id]) & mask_;
      while (word_slots_[pos].id_plus_1 != 0) pos = (pos + 1) & mask_;
      word_slots_[pos] = WordSlot{word, std::uint64_t{id} + 1};
    }
    return;
  }
  slots_.assign(capacity, 0);
  mask_ = capacity - 1;
  for (std::size_t id = 0; id < hashes_.size(); ++id) {
    const std::uint64_t hash = hashes_[id];
    std::size_t pos = static_cast<std::size_t>(hash) & mask_;
    while (slots_[pos] != 0) pos = (pos + 1) & mask_;
    slots_[pos] = (hash & kTagMask) | (std::uint64_t{id} + 1);
  }
}

std::size_t GroupTable::memory_bytes() const noexcept {
  return slots_.capacity() * 8 + word_slots_.capacity() * sizeof(WordSlot) + keys_.capacity() +
         offsets_.capacity() * 8 + hashes_.capacity() * 8;
}

void DirectIndex::plan(const std::int64_t* values, const std::uint8_t* valid, std::size_t rows) {
  std::int64_t low = std::numeric_limits<std::int64_t>::max();
  std::int64_t high = std::numeric_limits<std::int64_t>::min();
  for (std::size_t row = 0; row < rows; ++row) {
    if (valid != nullptr && valid[row] == 0) continue;
    low = std::min(low, values[row]);
    high = std::max(high, values[row]);
  }
  if (low > high) return;  // no values yet: plan on a later block
  planned_ = true;
  const std::uint64_t span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low) + 1;
  if (span == 0 || span > kMaxSlots / 2) return;  // too wide: every row hashes
  // Room on both sides for the values later blocks bring.
  const std::uint64_t size = std::min(kMaxSlots, std::max<std::uint64_t>(span * 2, 1024));
  base_ = static_cast<std::uint64_t>(low) - (size - span) / 2;
  ids_.assign(static_cast<std::size_t>(size), 0);
}

}  // namespace rankflow::ops
