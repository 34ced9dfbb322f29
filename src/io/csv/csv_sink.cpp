#include "rankflow/io/csv/csv_sink.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "rankflow/comm/phase.hpp"
#include "rankflow/core/error.hpp"
#include "rankflow/core/temp_files.hpp"
#include "rankflow/core/text.hpp"
#include "rankflow/io/output_file.hpp"
#include "rankflow/table/datetime.hpp"

namespace rankflow::io {
namespace {

constexpr std::size_t kCopyChunk = std::size_t{1} << 20;

void write_all(int fd, const char* data, std::size_t size, const std::string& path) {
  while (size > 0) {
    const ssize_t done = ::write(fd, data, size);
    if (done < 0) {
      if (errno == EINTR) continue;
      throw DataError("cannot write '{}': {}", path, std::strerror(errno));
    }
    data += done;
    size -= static_cast<std::size_t>(done);
  }
}

// Copies `size` bytes of `in` from 0 to `out` at `offset`: in the kernel when the file system
// allows (copy_file_range), else through a buffer.
void copy_range(int in, int out, std::uint64_t size, std::uint64_t offset, const std::string& path) {
  auto in_pos = static_cast<off_t>(0);
  auto out_pos = static_cast<off_t>(offset);
  std::uint64_t left = size;
  while (left > 0) {
    const ssize_t done = ::copy_file_range(in, &in_pos, out, &out_pos, left, 0);
    if (done > 0) {
      left -= static_cast<std::uint64_t>(done);
      continue;
    }
    if (done < 0 && errno == EINTR) continue;
    if (done < 0 && errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
      throw DataError("cannot write '{}': {}", path, std::strerror(errno));
    break;  // not supported here (or no progress): copy through memory
  }
  std::vector<char> buffer(left > 0 ? kCopyChunk : 0);
  while (left > 0) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, kCopyChunk));
    const ssize_t got = ::pread(in, buffer.data(), want, in_pos);
    if (got <= 0) {
      if (got < 0 && errno == EINTR) continue;
      throw DataError("cannot read back the part of '{}': {}", path,
                      got < 0 ? std::strerror(errno) : "it is shorter than written");
    }
    std::size_t written = 0;
    while (written < static_cast<std::size_t>(got)) {
      const ssize_t put = ::pwrite(out, buffer.data() + written,
                                   static_cast<std::size_t>(got) - written, out_pos);
      if (put < 0) {
        if (errno == EINTR) continue;
        throw DataError("cannot write '{}': {}", path, std::strerror(errno));
      }
      written += static_cast<std::size_t>(put);
      out_pos += put;
    }
    in_pos += got;
    left -= static_cast<std::uint64_t>(got);
  }
}

class CsvSink final : public TableSink {
 public:
  CsvSink(const comm::Communicator& comm, const std::string& path, table::Schema schema,
          const CsvWriteOptions& options)
      : comm_(comm), schema_(std::move(schema)), options_(options), output_(comm, path) {
    part_path_ = part_path_beside(output_.temp_path(), ".part-" + std::to_string(comm.rank()));
    part_registration_ = core::TempFile(part_path_);
    comm::run_phase(comm, "creating the CSV output", [&] {
      part_fd_ = ::open(part_path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (part_fd_ < 0)
        throw DataError("cannot create '{}': {}", part_path_, std::strerror(errno));
      if (comm.rank() == 0 && options_.header) write_header();
    });
  }

  ~CsvSink() override {
    if (part_fd_ >= 0) ::close(part_fd_);
    if (!part_path_.empty()) ::unlink(part_path_.c_str());
  }

  CsvSink(const CsvSink&) = delete;
  CsvSink& operator=(const CsvSink&) = delete;

  void write(const table::Table& block) override {
    if (finished_) throw DataError("internal: CSV sink written after finish()");
    if (block.num_columns() != schema_.size())
      throw DataError("internal: a block of {} columns written to a CSV output of {}",
                      block.num_columns(), schema_.size());
    const std::size_t rows = block.num_rows();
    for (std::size_t row = 0; row < rows; ++row) {
      for (std::size_t col = 0; col < schema_.size(); ++col) {
        if (col > 0) buffer_ += options_.delimiter;
        append_value(block.column(col), row);
      }
      buffer_ += '\n';
      if (buffer_.size() >= options_.buffer_size) flush();
    }
  }

  void finish() override {
    comm::run_phase(comm_, "writing the CSV output", [&] { flush(); });
    const std::uint64_t offset = comm_.exscan_sum(part_size_);
    const std::uint64_t total = comm_.allreduce(part_size_, comm::ReduceOp::kSum);
    comm::run_phase(comm_, "creating the CSV output", [&] {
      if (comm_.rank() != 0) return;
      const int fd = ::open(output_.temp_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                            0666);
      if (fd < 0) throw DataError("cannot create '{}': {}", output_.temp_path(), std::strerror(errno));
      const int status = output_.direct() ? 0 : ::ftruncate(fd, static_cast<off_t>(total));
      const int error = errno;
      ::close(fd);
      if (status != 0)
        throw DataError("cannot size '{}' to {}: {}", output_.temp_path(), human_bytes(total),
                        std::strerror(error));
    });
    comm::run_phase(comm_, "assembling the CSV output", [&] {
      if (part_size_ == 0) return;
      const int fd = ::open(output_.temp_path().c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0) throw DataError("cannot open '{}': {}", output_.temp_path(), std::strerror(errno));
      try {
        copy_range(part_fd_, fd, part_size_, offset, output_.final_path());
      } catch (...) {
        ::close(fd);
        throw;
      }
      if (::close(fd) != 0)
        throw DataError("cannot write '{}': {}", output_.final_path(), std::strerror(errno));
    });
    output_.commit();
    finished_ = true;
  }

 private:
  void write_header() {
    for (std::size_t col = 0; col < schema_.size(); ++col) {
      if (col > 0) buffer_ += options_.delimiter;
      append_text(schema_.field(col).name);
    }
    buffer_ += '\n';
  }

  void append_value(const table::Column& column, std::size_t row) {
    if (!column.is_valid(row)) return;  // null: an empty field
    switch (column.type()) {
      // A sorted table's output formats every value of its share: no format string parsed
      // per value (format_int; append_float formats with FMT_COMPILE into a local array).
      case table::ColumnType::kInt64: {
        const fmt::format_int text(column.i64()[row]);
        buffer_.append(text.data(), text.size());
        break;
      }
      case table::ColumnType::kFloat64:
        append_float(buffer_, column.f64()[row]);
        break;
      case table::ColumnType::kBool: buffer_ += column.u8()[row] != 0 ? "true" : "false"; break;
      case table::ColumnType::kString: append_text(column.str(row)); break;
      case table::ColumnType::kDate: buffer_ += table::format_date(column.i64()[row]); break;
      case table::ColumnType::kTimestamp:
        buffer_ += table::format_timestamp(column.i64()[row]);
        break;
    }
  }

  // RFC 4180: quoted when it holds the delimiter, the quote, CR or LF; quotes doubled. The
  // empty string is quoted too, so that it reads back as "" and not as null.
  void append_text(std::string_view text) {
    const char special[] = {options_.delimiter, options_.quote, '\n', '\r'};
    const bool needs_quotes =
        text.empty() || text.find_first_of(std::string_view(special, 4)) != std::string_view::npos;
    if (!needs_quotes) {
      buffer_.append(text.data(), text.size());
      return;
    }
    buffer_ += options_.quote;
    for (const char ch : text) {
      if (ch == options_.quote) buffer_ += options_.quote;
      buffer_ += ch;
    }
    buffer_ += options_.quote;
  }

  void flush() {
    if (buffer_.empty()) return;
    write_all(part_fd_, buffer_.data(), buffer_.size(), part_path_);
    part_size_ += buffer_.size();
    buffer_.clear();
  }

  const comm::Communicator& comm_;
  table::Schema schema_;
  CsvWriteOptions options_;
  AtomicOutput output_;
  std::string part_path_;
  core::TempFile part_registration_;  // for the stop watchdog (core/stop.hpp)
  int part_fd_ = -1;
  std::string buffer_;
  std::uint64_t part_size_ = 0;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<TableSink> open_csv_sink(const comm::Communicator& comm, const std::string& path,
                                         const table::Schema& schema,
                                         const CsvWriteOptions& options) {
  return std::make_unique<CsvSink>(comm, path, schema, options);
}

}  // namespace rankflow::io
