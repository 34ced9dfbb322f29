#include "rankflow/core/temp_files.hpp"

#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <utility>

namespace rankflow::core {
namespace {

constexpr int kSlots = 64;
constexpr std::size_t kPathBytes = 4096;

enum SlotState : int { kFree = 0, kWriting = 1, kHeld = 2 };

struct Slot {
  std::atomic<int> state{kFree};
  std::uint64_t order = 0;
  char path[kPathBytes] = {};
};

std::array<Slot, kSlots> g_slots;
std::atomic<std::uint64_t> g_next_order{1};

int take_slot(const std::string& path) {
  if (path.empty() || path.size() >= kPathBytes) return -1;
  for (int idx = 0; idx < kSlots; ++idx) {
    Slot& slot = g_slots[static_cast<std::size_t>(idx)];
    int expected = kFree;
    if (!slot.state.compare_exchange_strong(expected, kWriting)) continue;
    std::memcpy(slot.path, path.c_str(), path.size() + 1);
    slot.order = g_next_order.fetch_add(1);
    slot.state.store(kHeld, std::memory_order_release);
    return idx;
  }
  return -1;
}

}  // namespace

TempFile::TempFile(const std::string& path) : slot_(take_slot(path)) {}

TempFile::~TempFile() {
  if (slot_ >= 0) g_slots[static_cast<std::size_t>(slot_)].state.store(kFree);
}

TempFile::TempFile(TempFile&& other) noexcept : slot_(std::exchange(other.slot_, -1)) {}

TempFile& TempFile::operator=(TempFile&& other) noexcept {
  if (this != &other) {
    if (slot_ >= 0) g_slots[static_cast<std::size_t>(slot_)].state.store(kFree);
    slot_ = std::exchange(other.slot_, -1);
  }
  return *this;
}

void remove_temp_files() noexcept {
  // Newest first: an output's lock file, registered before its temporary files, goes last
  // (output_file.hpp: a temporary file without its lock is stale).
  std::uint64_t below = UINT64_MAX;
  while (true) {
    int newest = -1;
    std::uint64_t newest_order = 0;
    for (int idx = 0; idx < kSlots; ++idx) {
      const Slot& slot = g_slots[static_cast<std::size_t>(idx)];
      if (slot.state.load(std::memory_order_acquire) != kHeld) continue;
      if (slot.order < below && slot.order > newest_order) {
        newest = idx;
        newest_order = slot.order;
      }
    }
    if (newest < 0) return;
    ::unlink(g_slots[static_cast<std::size_t>(newest)].path);
    below = newest_order;
  }
}

}  // namespace rankflow::core
