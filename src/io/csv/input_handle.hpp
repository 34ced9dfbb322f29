// InputHandle: an open input file, read with pread at explicit offsets (no shared file
// position, so planning and reading never disturb each other). Move-only; closes on
// destruction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace rankflow::io::csv {

class InputHandle {
 public:
  InputHandle() = default;
  explicit InputHandle(const std::string& path);  // throws DataError naming the file
  ~InputHandle();
  InputHandle(InputHandle&& other) noexcept;
  InputHandle& operator=(InputHandle&& other) noexcept;
  InputHandle(const InputHandle&) = delete;
  InputHandle& operator=(const InputHandle&) = delete;

  bool is_open() const noexcept { return fd_ >= 0; }
  const std::string& path() const noexcept { return path_; }
  // Reads up to `size` bytes at `offset`; fewer only at the end of the file.
  std::size_t read_at(char* buf, std::size_t size, std::uint64_t offset) const;

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace rankflow::io::csv
