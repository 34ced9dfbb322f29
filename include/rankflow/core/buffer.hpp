// ByteBuffer: a block buffer that is allocated once and reused for a whole job.
//
// Why not std::vector<std::byte>: a vector zero-fills on resize, and first touch of fresh
// memory is slow on the machines rankflow targets (~0.3 GB/s, one page fault per 4 KiB).
// ByteBuffer leaves memory uninitialized, aligns it to 64 bytes (2 MiB for large buffers) and
// asks the kernel for transparent huge pages on large buffers, which makes the first touch
// one fault per 2 MiB instead of 512. Move-only. Not thread-safe, not collective.
#pragma once

#include <cstddef>

namespace rankflow {

class ByteBuffer {
 public:
  ByteBuffer() = default;
  explicit ByteBuffer(std::size_t bytes) { reserve(bytes); }
  ~ByteBuffer();
  ByteBuffer(ByteBuffer&& other) noexcept;
  ByteBuffer& operator=(ByteBuffer&& other) noexcept;
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;

  // Grows the capacity to at least `bytes` (contents are not kept); never shrinks.
  void reserve(std::size_t bytes);
  std::size_t capacity() const noexcept { return capacity_; }
  std::byte* data() noexcept { return data_; }
  const std::byte* data() const noexcept { return data_; }
  template <typename T>
  T* as() noexcept {
    return reinterpret_cast<T*>(data_);
  }
  template <typename T>
  const T* as() const noexcept {
    return reinterpret_cast<const T*>(data_);
  }

 private:
  void release() noexcept;
  std::byte* data_ = nullptr;
  std::size_t capacity_ = 0;
};

}  // namespace rankflow
