#include "rankflow/io/ordered_text.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "rankflow/comm/phase.hpp"
#include "rankflow/io/output_file.hpp"

namespace rankflow::io {
namespace {

void write_all_at(int fd, const char* data, std::size_t size, std::uint64_t offset,
                  const std::string& path) {
  while (size > 0) {
    const ssize_t done = pwrite(fd, data, size, static_cast<off_t>(offset));
    if (done < 0) {
      if (errno == EINTR) continue;
      throw DataError("cannot write '{}': {}", path, std::strerror(errno));
    }
    data += done;
    size -= static_cast<std::size_t>(done);
    offset += static_cast<std::uint64_t>(done);
  }
}

}  // namespace

OrderedTextOutput::OrderedTextOutput(const comm::Communicator& comm, std::string target_path,
                                     std::string header, std::size_t buffer_bytes)
    : comm_(&comm),
      target_(std::move(target_path)),
      header_(comm.rank() == 0 ? std::move(header) : std::string()),
      buffer_bytes_(buffer_bytes) {
  buffer_.reserve(buffer_bytes_ + 4096);
  part_path_ = part_path_beside(target_, ".part" + std::to_string(comm.rank()));
  part_registration_ = core::TempFile(part_path_);
}

OrderedTextOutput::~OrderedTextOutput() {
  if (part_ != nullptr) std::fclose(part_);
  if (part_bytes_ > 0 || part_ != nullptr) std::remove(part_path_.c_str());
}

void OrderedTextOutput::append(std::string_view text) {
  buffer_.append(text);
  spill_if_full();
}

void OrderedTextOutput::spill_if_full() {
  if (buffer_.size() >= buffer_bytes_) spill();
}

void OrderedTextOutput::spill() {
  if (buffer_.empty()) return;
  if (part_ == nullptr) {
    part_ = std::fopen(part_path_.c_str(), "w+b");
    if (part_ == nullptr)
      throw DataError("cannot write '{}': {}", part_path_, std::strerror(errno));
  }
  if (std::fwrite(buffer_.data(), 1, buffer_.size(), part_) != buffer_.size())
    throw DataError("cannot write '{}': {}", part_path_, std::strerror(errno));
  part_bytes_ += buffer_.size();
  buffer_.clear();
}

void OrderedTextOutput::finish() {
  const comm::Communicator& comm = *comm_;
  const std::uint64_t mine = part_bytes_ + buffer_.size();
  const std::uint64_t header = comm.allreduce<std::uint64_t>(header_.size(), comm::ReduceOp::kMax);
  const std::uint64_t offset = header + comm.exscan_sum(mine);
  comm::run_phase(comm, "creating the output", [&] {
    if (comm.rank() != 0) return;
    const int fd = open(target_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) throw DataError("cannot create '{}': {}", target_, std::strerror(errno));
    try {
      write_all_at(fd, header_.data(), header_.size(), 0, target_);
    } catch (...) {
      close(fd);
      throw;
    }
    close(fd);
  });
  comm::run_phase(comm, "writing the output", [&] {
    const int fd = open(target_.c_str(), O_WRONLY);
    if (fd < 0) throw DataError("cannot open '{}': {}", target_, std::strerror(errno));
    struct Closer {
      int fd;
      ~Closer() { close(fd); }
    } closer{fd};
    if (part_ == nullptr) {
      write_all_at(fd, buffer_.data(), buffer_.size(), offset, target_);
      return;
    }
    // Everything went to the part file: copy it through the buffer's memory (no new pages).
    spill();
    if (std::fflush(part_) != 0)
      throw DataError("cannot write '{}': {}", part_path_, std::strerror(errno));
    buffer_.resize(std::max<std::size_t>(buffer_bytes_, 4096));
    std::rewind(part_);
    std::uint64_t at = offset;
    std::size_t got = 0;
    while ((got = std::fread(buffer_.data(), 1, buffer_.size(), part_)) > 0) {
      write_all_at(fd, buffer_.data(), got, at, target_);
      at += got;
    }
    if (std::ferror(part_)) throw DataError("cannot read '{}'", part_path_);
  });
  buffer_.clear();
}

}  // namespace rankflow::io
