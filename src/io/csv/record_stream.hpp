// RecordStream: the records of one piece of one file, a buffer at a time.
//
// A piece owns the records whose first byte lies in [start, end) of its file; `start` is
// known to be a record start (range_plan.hpp). Each call to next() reads up to a buffer's
// worth of bytes with pread into the same buffer, indexes the structural characters
// (scan.hpp) and cuts the bytes into records. The incomplete record at the end of the buffer
// is carried over to the front of the buffer for the next call, so every buffer starts at a
// record start, outside quotes:
//
//   buffer   | carry | new bytes ........................ |pad|
//            ^ record start                     ^ last complete record ends; rest is carried
//
// Records are checked for their field count here: a good record gives `ncols` separator
// offsets (the byte that ends each field: delimiter or '\n'), stored flat, row after row.
// Blank lines are skipped; records with another field count are listed as bad. The buffer
// grows only for a record larger than it (up to max_record_size).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "input_handle.hpp"
#include "rankflow/core/error.hpp"

namespace rankflow::io::csv {

struct BadRecord {
  std::uint32_t start;      // buffer offset of the record
  std::uint32_t fields;     // fields found
  std::size_t good_before;  // good rows of the batch before it
};

struct RecordBatch {
  const char* data = nullptr;     // the buffer; every offset below is relative to it
  std::uint64_t file_offset = 0;  // file offset of data[0]
  std::uint64_t first_line = 1;   // line number (1-based) of data[0]
  std::size_t rows = 0;           // good rows
  const std::uint32_t* row_starts = nullptr;
  const std::uint32_t* separators = nullptr;  // rows * ncols
  const std::vector<BadRecord>* bad = nullptr;
  std::size_t bytes = 0;          // input bytes these records span
  bool has_quotes = false;        // any quote byte in the buffer

  // Line number of the byte at `offset` (counts newlines: for messages, not hot paths).
  std::uint64_t line_of(std::uint32_t offset) const;
};

// The message for a file that ends inside quotes: `data` holds the bytes from a record start
// (outside quotes) to the end of the file, `line` is that start's line. It names the line of
// the quote that opened the quotes the file ends in, and says so when that quote stands inside
// an unquoted field (`1,a"b,2`), where it opens quotes all the same. For errors only: one pass.
std::string unterminated_quote_message(const std::string& path, const char* data, std::size_t size,
                                       std::uint64_t line, int quote, char delimiter);

class RecordStream {
 public:
  RecordStream(char delimiter, int quote, std::uint64_t block_size,
               std::uint64_t max_record_size);

  // Starts on a piece: `file` stays open while the piece is read; `line` is the line number
  // at `start`.
  void reset(const InputHandle* file, std::uint64_t file_size, std::uint64_t start,
             std::uint64_t end, std::uint64_t line, std::size_t ncols);
  // The next records of the piece; false when none is left. Throws DataError for a file that
  // ends inside a quoted field and for a record larger than max_record_size.
  bool next(RecordBatch* batch);
  std::uint64_t bytes_read() const { return bytes_read_; }

 private:
  void discard_consumed();
  bool fill();  // false when nothing could be read (end of file)
  void grow();
  void assemble(std::size_t newline_count, std::uint64_t limit);

  char delimiter_;
  int quote_;
  std::uint64_t max_record_size_;
  std::size_t capacity_;
  std::unique_ptr<char[]> buffer_;
  std::unique_ptr<std::uint32_t[]> index_;
  std::unique_ptr<std::uint32_t[]> newlines_;  // positions in index_ of the newlines
  std::vector<std::uint32_t> row_starts_;
  std::vector<BadRecord> bad_;

  const InputHandle* file_ = nullptr;
  std::uint64_t file_size_ = 0;
  std::uint64_t end_ = 0;
  std::size_t ncols_ = 0;
  std::uint64_t buffer_offset_ = 0;  // file offset of buffer_[0] (a record start)
  std::uint64_t buffer_line_ = 1;
  std::size_t filled_ = 0;           // bytes of buffer_ holding file data
  std::size_t consumed_ = 0;         // bytes of buffer_ cut into records by the last next()
  std::size_t rows_ = 0;
  std::size_t next_record_ = 0;      // after assemble: first byte not in a complete record
  std::size_t records_cut_ = 0;      // after assemble: newlines (outside quotes) before it
  bool consumed_lines_known_ = false;  // records_cut_ is also the line count of the consumed bytes
  bool reached_limit_ = false;       // after assemble: a record starting at or after end_ seen
  bool done_ = true;
  std::optional<Error> pending_;     // the file's unterminated quote, after its last records
  std::uint64_t bytes_read_ = 0;
};

}  // namespace rankflow::io::csv
