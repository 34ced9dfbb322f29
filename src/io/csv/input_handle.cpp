#include "input_handle.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "rankflow/core/error.hpp"

namespace rankflow::io::csv {

InputHandle::InputHandle(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw DataError("cannot open CSV input '{}': {}", path, std::strerror(errno));
}

InputHandle::~InputHandle() {
  if (fd_ >= 0) ::close(fd_);
}

InputHandle::InputHandle(InputHandle&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

InputHandle& InputHandle::operator=(InputHandle&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

std::size_t InputHandle::read_at(char* buf, std::size_t size, std::uint64_t offset) const {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t got = ::pread(fd_, buf + done, size - done, static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      throw DataError("cannot read CSV input '{}' at byte {}: {}", path_, offset + done,
                      std::strerror(errno));
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

}  // namespace rankflow::io::csv
