#include "record_stream.hpp"

#include <algorithm>
#include <cstring>

#include "rankflow/core/text.hpp"
#include "rankflow/core/error.hpp"
#include "scan.hpp"

namespace rankflow::io::csv {
namespace {

// Past the piece's end only the last record is finished: read in small steps there.
constexpr std::size_t kLookahead = std::size_t{64} << 10;

// Default-initialised (untouched) memory: pages are first touched when written.
template <typename T>
std::unique_ptr<T[]> raw_array(std::size_t count) {
  return std::unique_ptr<T[]>(new T[count]);
}

}  // namespace

namespace {

// Where the quotes the file ends in went wrong. Quotes pair by parity, so one stray quote
// flips every pair after it and the last opener can be thousands of lines past the mistake.
// A closing quote (by parity) that stands where a quoted field starts, after a delimiter or a
// line break and before text, is the sign: the quotes have paired the wrong way since the
// opener of that stretch, which is then the quote to name (pandas names the same line).
struct OpenQuote {
  std::size_t opened = 0;       // offset of the quote to name
  std::size_t misplaced = 0;    // the closer that starts a field instead (when `flipped`)
  bool flipped = false;
};

OpenQuote find_open_quote(const char* data, std::size_t size, char quote, char delimiter) {
  const auto starts_field = [&](std::size_t pos) {
    const bool after = pos == 0 || data[pos - 1] == delimiter || data[pos - 1] == '\n';
    const char next = pos + 1 < size ? data[pos + 1] : '\n';
    return after && next != delimiter && next != '\n' && next != '\r' && next != quote;
  };
  OpenQuote found;
  bool inside = false;
  std::size_t opened = 0;
  for (std::size_t pos = 0; pos < size; ++pos) {
    if (data[pos] != quote) continue;
    if (inside && pos + 1 < size && data[pos + 1] == quote) {
      ++pos;  // an escaped quote ("") inside quotes
      continue;
    }
    if (!inside) {
      opened = pos;
    } else if (!found.flipped && starts_field(pos)) {
      found = {opened, pos, true};
    }
    inside = !inside;
  }
  if (!found.flipped) found.opened = opened;
  return found;
}

}  // namespace

std::string unterminated_quote_message(const std::string& path, const char* data, std::size_t size,
                                       std::uint64_t line, int quote, char delimiter) {
  const char quote_char = static_cast<char>(quote);
  const OpenQuote open = find_open_quote(data, size, quote_char, delimiter);
  const std::size_t opened = open.opened;
  const std::uint64_t quote_line = line + count_newlines(data, opened);
  const bool in_unquoted_field = opened > 0 && data[opened - 1] != delimiter &&
                                 data[opened - 1] != '\n' && data[opened - 1] != quote_char;
  const std::string flipped =
      open.flipped ? fmt::format("; the quote that closes them by count starts a field on line "
                                 "{}, so every quote after this one pairs the wrong way",
                                 line + count_newlines(data, open.misplaced))
                   : "";
  return fmt::format(
      "{}: line {}: unterminated quoted field: the file ends inside quotes opened on this line{}{}",
      path, quote_line,
      in_unquoted_field ? " by a quote inside an unquoted field (such a quote opens quotes too: "
                          "quote the field and double its quotes)"
                        : "",
      flipped);
}

std::uint64_t RecordBatch::line_of(std::uint32_t offset) const {
  return first_line + count_newlines(data, offset);
}

RecordStream::RecordStream(char delimiter, int quote, std::uint64_t block_size,
                           std::uint64_t max_record_size)
    : delimiter_(delimiter),
      quote_(quote),
      max_record_size_(std::max(max_record_size, block_size)),
      capacity_(static_cast<std::size_t>(block_size)),
      buffer_(raw_array<char>(capacity_ + 1 + kScanPadding)),
      index_(raw_array<std::uint32_t>(capacity_ + 1 + kScanPadding)),
      newlines_(raw_array<std::uint32_t>(capacity_ + 1 + kScanPadding)) {}

void RecordStream::reset(const InputHandle* file, std::uint64_t file_size, std::uint64_t start,
                         std::uint64_t end, std::uint64_t line, std::size_t ncols) {
  file_ = file;
  file_size_ = file_size;
  end_ = end;
  ncols_ = ncols;
  buffer_offset_ = start;
  buffer_line_ = line;
  filled_ = 0;
  consumed_ = 0;
  rows_ = 0;
  done_ = start >= end || start >= file_size;
  pending_.reset();
}

void RecordStream::discard_consumed() {
  if (consumed_ == 0) return;
  buffer_line_ += consumed_lines_known_ ? records_cut_ : count_newlines(buffer_.get(), consumed_);
  buffer_offset_ += consumed_;
  std::memmove(buffer_.get(), buffer_.get() + consumed_, filled_ - consumed_);
  filled_ -= consumed_;
  consumed_ = 0;
}

void RecordStream::grow() {
  if (capacity_ >= max_record_size_) {
    Error error = DataError(
        "{}: line {}: a record is larger than max_record_size ({}); is a quote left open? "
        "(raise [input] max_record_size for records this large)",
        file_->path(), buffer_line_, human_bytes(max_record_size_));
    error.set_input_position(buffer_offset_);
    throw error;
  }
  const std::size_t capacity =
      static_cast<std::size_t>(std::min<std::uint64_t>(capacity_ * std::uint64_t{2}, max_record_size_));
  auto buffer = raw_array<char>(capacity + 1 + kScanPadding);
  std::memcpy(buffer.get(), buffer_.get(), filled_);
  buffer_ = std::move(buffer);
  index_ = raw_array<std::uint32_t>(capacity + 1 + kScanPadding);
  newlines_ = raw_array<std::uint32_t>(capacity + 1 + kScanPadding);
  capacity_ = capacity;
}

bool RecordStream::fill() {
  if (filled_ == capacity_) grow();
  const std::uint64_t pos = buffer_offset_ + filled_;
  if (pos >= file_size_) return false;
  std::size_t want = static_cast<std::size_t>(
      std::min<std::uint64_t>(capacity_ - filled_, file_size_ - pos));
  if (pos >= end_) want = std::min(want, kLookahead);
  const std::size_t got = file_->read_at(buffer_.get() + filled_, want, pos);
  if (got < want) file_size_ = pos + got;  // the file shrank while being read: end there
  filled_ += got;
  bytes_read_ += got;
  return got > 0;
}

// Cuts the index into records, a step per record: the newlines' positions in the index give
// each record's field count (its separators are the index entries since the previous newline).
void RecordStream::assemble(std::size_t newline_count, std::uint64_t limit) {
  const char* buf = buffer_.get();
  std::uint32_t* index = index_.get();
  const std::uint32_t* newlines = newlines_.get();
  row_starts_.resize(newline_count);
  std::uint32_t* starts = row_starts_.data();
  std::size_t rows = 0;
  bad_.clear();
  reached_limit_ = false;
  std::size_t write = 0;
  std::size_t first = 0;  // index of the current record's first separator
  std::uint32_t record = 0;
  std::size_t line = 0;
  for (; line < newline_count; ++line) {
    if (record >= limit) {
      reached_limit_ = true;
      break;
    }
    const std::size_t idx = newlines[line];
    const std::uint32_t pos = index[idx];
    const std::size_t fields = idx - first + 1;
    if (fields == ncols_ && ncols_ > 1) {  // the common case (a one-field record may be blank)
      if (write != first) std::memmove(index + write, index + first, fields * sizeof(std::uint32_t));
      write += fields;
      starts[rows++] = record;
    } else if (fields == 1 && (pos == record || (pos == record + 1 && buf[record] == '\r'))) {
      // a blank line: skipped, as pandas and DuckDB do
    } else if (fields == ncols_) {
      if (write != first) std::memmove(index + write, index + first, fields * sizeof(std::uint32_t));
      write += fields;
      starts[rows++] = record;
    } else {
      bad_.push_back(BadRecord{record, static_cast<std::uint32_t>(fields), rows});
    }
    record = pos + 1;
    first = idx + 1;
  }
  row_starts_.resize(rows);
  records_cut_ = line;
  next_record_ = record;
  if (record >= limit) reached_limit_ = true;
  rows_ = rows;
}

bool RecordStream::next(RecordBatch* batch) {
  if (pending_) {
    Error error = std::move(*pending_);
    pending_.reset();
    done_ = true;
    throw error;
  }
  while (!done_) {
    discard_consumed();
    if (buffer_offset_ >= end_ || buffer_offset_ >= file_size_) {
      done_ = true;
      break;
    }
    fill();
    const bool at_eof = buffer_offset_ + filled_ >= file_size_;
    std::size_t size = filled_;
    // The last record of a file may lack its newline: give it one (the padding has room).
    if (at_eof && size > 0 && buffer_[size - 1] != '\n') buffer_[size++] = '\n';
    bool in_quotes = false;
    bool saw_quote = false;
    std::size_t newline_count = 0;
    index_structurals(buffer_.get(), size, delimiter_, quote_, index_.get(), newlines_.get(),
                      &newline_count, &in_quotes, &saw_quote);
    assemble(newline_count, end_ - buffer_offset_);
    consumed_ = std::min(next_record_, filled_);
    // Without quotes every '\n' ends a record: the consumed bytes' lines are already counted
    // (not past the end of the file, where a '\n' may have been added above).
    consumed_lines_known_ = !saw_quote && next_record_ <= filled_;
    if (at_eof && !reached_limit_ && next_record_ < filled_) {
      // Only a quoted field that never closes leaves bytes after the last record of a file.
      // The complete records before it go out first: an error among them comes first in the
      // file, and is what a reading of the file reports (pending_ is thrown on the next call).
      const std::uint64_t line = buffer_line_ + count_newlines(buffer_.get(), next_record_);
      Error error = DataError(
          "{}", unterminated_quote_message(file_->path(), buffer_.get() + next_record_,
                                           filled_ - next_record_, line, quote_, delimiter_));
      error.set_input_position(buffer_offset_ + next_record_);
      if (rows_ == 0 && bad_.empty()) throw error;
      pending_ = std::move(error);
    }
    if (reached_limit_ || (at_eof && consumed_ >= filled_)) done_ = true;
    if (rows_ == 0 && bad_.empty()) continue;  // blank lines only, or no complete record yet
    batch->data = buffer_.get();
    batch->file_offset = buffer_offset_;
    batch->first_line = buffer_line_;
    batch->rows = rows_;
    batch->row_starts = row_starts_.data();
    batch->separators = index_.get();
    batch->bad = &bad_;
    batch->bytes = consumed_;
    batch->has_quotes = saw_quote;
    return true;
  }
  return false;
}

}  // namespace rankflow::io::csv
