#include "rankflow/core/buffer.hpp"

#include <sys/mman.h>

#include <cstdlib>
#include <new>
#include <utility>

namespace rankflow {
namespace {
constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kCacheLine = 64;
}  // namespace

ByteBuffer::~ByteBuffer() { release(); }

ByteBuffer::ByteBuffer(ByteBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), capacity_(std::exchange(other.capacity_, 0)) {}

ByteBuffer& ByteBuffer::operator=(ByteBuffer&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

void ByteBuffer::reserve(std::size_t bytes) {
  if (bytes <= capacity_) return;
  release();
  const bool huge = bytes >= kHugePage;
  const std::size_t alignment = huge ? kHugePage : kCacheLine;
  const std::size_t rounded = (bytes + alignment - 1) / alignment * alignment;
  void* memory = std::aligned_alloc(alignment, rounded);
  if (memory == nullptr) throw std::bad_alloc();
  // Advice only: without transparent huge pages the buffer works the same, just slower to touch.
  if (huge) madvise(memory, rounded, MADV_HUGEPAGE);
  data_ = static_cast<std::byte*>(memory);
  capacity_ = rounded;
}

void ByteBuffer::release() noexcept {
  std::free(data_);
  data_ = nullptr;
  capacity_ = 0;
}

}  // namespace rankflow
