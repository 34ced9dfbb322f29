#include "group_table.hpp"

#include <algorithm>
#include <limits>

#include "rankflow/core/error.hpp"

namespace rankflow::ops {
namespace {
constexpr std::size_t kInitialSlots = 1024;
}  // namespace

GroupTable::GroupTable(bool fixed, std::size_t fixed_width)
    : fixed_(fixed), width_(fixed ? fixed_width : 0) {
  slots_.assign(kInitialSlots, 0);
  mask_ = kInitialSlots - 1;
  if (!fixed_) offsets_.push_back(0);
}

void GroupTable::clear() noexcept {
  std::fill(slots_.begin(), slots_.end(), 0);
  keys_.clear();
  hashes_.clear();
  offsets_.clear();
  if (!fixed_) offsets_.push_back(0);
}

std::uint32_t GroupTable::insert(std::size_t pos, const std::uint8_t* key, std::uint32_t size,
                                 std::uint64_t hash) {
  if (hashes_.size() >= std::numeric_limits<std::uint32_t>::max() - 1)
    throw DataError("more than 2^32 - 2 groups on one rank: use more ranks");
  const auto id = static_cast<std::uint32_t>(hashes_.size());
  slots_[pos] = (hash & 0xffffffff00000000ull) | (std::uint64_t{id} + 1);
  keys_.insert(keys_.end(), key, key + size);
  if (!fixed_) offsets_.push_back(keys_.size());
  hashes_.push_back(hash);
  if (hashes_.size() * 2 > slots_.size()) grow();
  return id;
}

void GroupTable::grow() {
  const std::size_t capacity = slots_.size() * 2;
  slots_.assign(capacity, 0);
  mask_ = capacity - 1;
  for (std::size_t id = 0; id < hashes_.size(); ++id) {
    const std::uint64_t hash = hashes_[id];
    std::size_t pos = static_cast<std::size_t>(hash) & mask_;
    while (slots_[pos] != 0) pos = (pos + 1) & mask_;
    slots_[pos] = (hash & 0xffffffff00000000ull) | (std::uint64_t{id} + 1);
  }
}

std::size_t GroupTable::memory_bytes() const noexcept {
  return slots_.capacity() * 8 + keys_.capacity() + offsets_.capacity() * 8 +
         hashes_.capacity() * 8;
}

}  // namespace rankflow::ops
