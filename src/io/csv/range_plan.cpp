#include "range_plan.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "block_decoder.hpp"
#include "rankflow/core/error.hpp"
#include "rankflow/core/text.hpp"
#include "record_stream.hpp"

namespace rankflow::io::csv {
namespace {

constexpr std::uint64_t kBomSize = 3;
constexpr std::size_t kFirstRecordRead = std::size_t{64} << 10;
constexpr std::size_t kTextSample = 4096;  // bytes of a file's start checked for text

bool is_blank(const char* begin, const char* newline) {
  return newline == begin || (newline == begin + 1 && *begin == '\r');
}

// A UTF-16 file reads as bytes with a NUL in every other one: its header would be cut at the
// first NUL. Its byte order mark says what it is.
void check_not_utf16(const std::string& path, const char* head, std::size_t got) {
  if (got < 2) return;
  const auto first = static_cast<unsigned char>(head[0]);
  const auto second = static_cast<unsigned char>(head[1]);
  const char* order = first == 0xFF && second == 0xFE   ? "FF FE: UTF-16 little-endian"
                      : first == 0xFE && second == 0xFF ? "FE FF: UTF-16 big-endian"
                                                        : nullptr;
  if (order == nullptr) return;
  throw DataError(
      "{}: the file is UTF-16 (it starts with the byte order mark {}); CSV inputs must be "
      "UTF-8 (or ASCII): convert it first, e.g. iconv -f UTF-16 -t UTF-8 '{}' > converted.csv",
      path, order, path);
}

// A control byte that text does not hold: below 0x20 except tab, newline, vertical tab, form
// feed and carriage return, and DEL; never the delimiter or the quote (Hive's files are
// delimited by 0x01). Bytes from 0x80 are left alone: UTF-8, Latin-1.
bool is_binary_control(unsigned char byte, const CsvOptions& options) {
  if (byte == static_cast<unsigned char>(options.delimiter) ||
      (options.quote != kNoQuote && byte == static_cast<unsigned char>(options.quote)))
    return false;
  return (byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\v' && byte != '\f' &&
          byte != '\r') ||
         byte == 0x7F;
}

// True when the first bytes (at most 64) of `sample` are NUL exactly at the positions of
// parity `parity`: ASCII text as UTF-16 without a byte order mark.
bool every_other_byte_nul(const std::string& sample, std::size_t parity) {
  const std::size_t window = std::min<std::size_t>(sample.size(), 64);
  if (window < 4) return false;
  for (std::size_t idx = 0; idx < window; ++idx)
    if ((sample[idx] == '\0') != (idx % 2 == parity)) return false;
  return true;
}

// Binary garbage (an executable, a compressed or HDF5 file named .csv) would read as a header
// of garbage, reported as a missing column. The file's first bytes (`sample`, from file byte
// `begin`) say what it is: a NUL byte, or more than one in ten control bytes, is not text.
// The error is placed at the byte it names (`offset`: the file's first byte in the input's
// global byte space), so that the agreement reports it as a serial reading would.
void check_text(const std::string& path, const std::string& sample, std::uint64_t begin,
                std::uint64_t offset, const CsvOptions& options) {
  std::size_t controls = 0;
  std::size_t first_control = std::string::npos;
  for (std::size_t idx = 0; idx < sample.size(); ++idx) {
    if (!is_binary_control(static_cast<unsigned char>(sample[idx]), options)) continue;
    if (first_control == std::string::npos) first_control = idx;
    ++controls;
  }
  const std::size_t nul = sample.find('\0');
  if (nul == std::string::npos && (sample.size() < 8 || controls * 10 <= sample.size())) return;
  std::string why;
  if (nul != std::string::npos) {
    why = fmt::format("byte {} is a NUL byte (0x00)", begin + nul);
    if (every_other_byte_nul(sample, nul % 2))
      why +=
          "; every other byte is NUL, as in UTF-16 without a byte order mark: convert it, "
          "e.g. iconv -f UTF-16LE -t UTF-8";
  } else {
    why = fmt::format("{} of its first {} bytes are control bytes, the first at byte {} (0x{:02X})",
                      controls, sample.size(), begin + first_control,
                      static_cast<unsigned char>(sample[first_control]));
  }
  Error error = DataError(
      "{}: the file is not a text file ({}); CSV inputs are UTF-8 (or ASCII) text", path, why);
  error.set_input_position(offset + begin + (nul != std::string::npos ? nul : first_control));
  throw error;
}

}  // namespace

RangePlanner::RangePlanner(const CsvOptions& options, const std::vector<InputFile>& files,
                           std::vector<Piece> pieces, const std::vector<std::uint64_t>& cuts)
    : options_(options), files_(files), pieces_(std::move(pieces)) {
  for (std::size_t piece_idx = 0; piece_idx < pieces_.size(); ++piece_idx) {
    const Piece& piece = pieces_[piece_idx];
    const std::uint64_t offset = files_[piece.file_idx].offset;
    std::uint64_t begin = piece.begin;
    for (const std::uint64_t cut : cuts) {
      if (cut <= offset + begin || cut >= offset + piece.end) continue;
      Segment segment;
      segment.piece_idx = piece_idx;
      segment.begin = begin;
      segment.end = cut - offset;
      segments_.push_back(segment);
      begin = cut - offset;
    }
    Segment segment;
    segment.piece_idx = piece_idx;
    segment.begin = begin;
    segment.end = piece.end;
    segments_.push_back(segment);
  }
}

void RangePlanner::scan() {
  buffer_.resize(static_cast<std::size_t>(options_.block_size) + kScanPadding);
  std::size_t open_file = SIZE_MAX;
  InputHandle handle;
  for (Segment& segment : segments_) {
    const Piece& piece = pieces_[segment.piece_idx];
    if (piece.file_idx != open_file) {
      handle = InputHandle(files_[piece.file_idx].path);
      open_file = piece.file_idx;
      if (piece.begin <= kBomSize) read_file_start(handle, piece.file_idx, piece.begin == 0);
    }
    scan_segment(handle, segment);
  }
}

void RangePlanner::read_file_start(const InputHandle& file, std::size_t file_idx,
                                   bool holds_start) {
  const InputFile& input = files_[file_idx];
  FileStart start;
  // The file's first bytes: its byte order mark, and whether it is text at all.
  std::string head(static_cast<std::size_t>(std::min<std::uint64_t>(input.size, kTextSample)),
                   '\0');
  head.resize(file.read_at(head.data(), head.size(), 0));
  const std::size_t got = head.size();
  if (got >= kBomSize && static_cast<unsigned char>(head[0]) == 0xEF &&
      static_cast<unsigned char>(head[1]) == 0xBB && static_cast<unsigned char>(head[2]) == 0xBF)
    start.data_begin = kBomSize;
  check_not_utf16(input.path, head.data(), got);
  check_text(input.path, head.substr(static_cast<std::size_t>(start.data_begin)), start.data_begin,
             input.offset, options_);
  if (options_.header && holds_start && start.data_begin < input.size) {
    // Blank lines before the header row are skipped, as pandas does.
    FirstRecord record = read_first_record(file, input.size, start.data_begin, options_, true);
    if (record.fields.empty())
      throw DataError(
          "{}: no header row: the file holds only blank lines (remove it, or fill "
          "it with a header row)",
          input.path);
    if (record.fields.size() == 1 && record.fields[0].empty())
      throw DataError(
          "{}: line {} is empty where the header row is expected (set [input] "
          "header = false for files without one)",
          input.path, record.line);
    start.header = std::move(record.fields);
    start.header_end = record.end;
    start.header_newlines = record.newlines;
  } else {
    start.header_end = start.data_begin;
  }
  file_starts_[file_idx] = std::move(start);
}

void RangePlanner::scan_segment(const InputHandle& file, Segment& segment) {
  if (segment.begin > 0) {
    char before = 0;
    if (file.read_at(&before, 1, segment.begin - 1) == 1) segment.after_newline = before == '\n';
  }
  std::uint64_t pos = segment.begin;
  while (pos < segment.end) {
    const std::size_t want = static_cast<std::size_t>(
        std::min<std::uint64_t>(options_.block_size, segment.end - pos));
    const std::size_t got = file.read_at(buffer_.data(), want, pos);
    if (got < want)
      throw DataError("CSV input '{}' shrank while being read (now {})", file.path(),
                      human_bytes(pos + got));
    count_segment(buffer_.data(), got, options_.quote, pos - segment.begin, &segment.counts);
    pos += got;
  }
}

RankCarry RangePlanner::carry() const {
  RankCarry carry;
  if (segments_.empty()) return carry;
  const std::size_t last_file = pieces_.back().file_idx;
  carry.file = static_cast<std::int64_t>(last_file);
  const auto start = file_starts_.find(last_file);
  if (start != file_starts_.end() && !start->second.header.empty()) {
    carry.header_end = start->second.header_end;
    carry.header_newlines = start->second.header_newlines;
  }
  for (const Segment& segment : segments_) {
    if (pieces_[segment.piece_idx].file_idx != last_file) continue;
    carry.quotes += segment.counts.quotes;
    carry.newlines += segment.counts.newlines;
  }
  return carry;
}

void RangePlanner::resolve(const std::vector<RankCarry>& carries, int rank) {
  if (segments_.empty()) return;
  std::size_t file = pieces_.front().file_idx;
  std::uint64_t quotes = 0;
  std::uint64_t newlines = 0;
  RankCarry header;  // where the header row of `file` ends, if this rank or an earlier read it
  // Earlier ranks whose last file is the one this rank starts in hold the bytes before it.
  for (int earlier = 0; earlier < rank; ++earlier) {
    const RankCarry& carry = carries[static_cast<std::size_t>(earlier)];
    if (carry.file != static_cast<std::int64_t>(file)) continue;
    quotes += carry.quotes;
    newlines += carry.newlines;
    if (carry.header_end > 0) {
      header.header_end = carry.header_end;
      header.header_newlines = carry.header_newlines;
    }
  }
  std::size_t header_file = SIZE_MAX;
  for (Segment& segment : segments_) {
    const std::size_t segment_file = pieces_[segment.piece_idx].file_idx;
    if (segment_file != file) {
      file = segment_file;
      quotes = 0;
      newlines = 0;
      header = RankCarry();
    }
    if (file != header_file) {  // this rank read the header row itself
      header_file = file;
      const auto start = file_starts_.find(file);
      if (start != file_starts_.end() && !start->second.header.empty()) {
        header.header_end = start->second.header_end;
        header.header_newlines = start->second.header_newlines;
      }
    }
    resolve_segment(segment, (quotes & 1) != 0, newlines, header);
    quotes += segment.counts.quotes;
    newlines += segment.counts.newlines;
  }
}

void RangePlanner::resolve_segment(Segment& segment, bool odd_quotes, std::uint64_t newlines_before,
                                   const RankCarry& header) {
  const std::size_t file_idx = pieces_[segment.piece_idx].file_idx;
  if (segment.begin < header.header_end) {
    // Before the end of the header row (and the blank lines before it): the first record
    // starts right after it.
    segment.start = header.header_end;
    segment.line = header.header_newlines + 1;
    return;
  }
  if (segment.begin <= kBomSize) {
    const FileStart& start = file_starts_.at(file_idx);
    if (segment.begin == 0) {
      segment.start = start.header_end;
      segment.line = start.header_newlines + 1;
      return;
    }
    if (!options_.header && segment.begin <= start.data_begin) {
      segment.start = start.data_begin;
      segment.line = 1;
      return;
    }
  }
  if (segment.after_newline && !odd_quotes) {
    segment.start = segment.begin;
    segment.line = newlines_before + 1;
    return;
  }
  const int parity = odd_quotes ? 1 : 0;
  if (segment.counts.candidate[parity] != kNotFound) {
    segment.start = segment.begin + segment.counts.candidate[parity] + 1;
    segment.line = newlines_before + segment.counts.candidate_lines[parity] + 2;
    return;
  }
  const bool odd_at_end = odd_quotes != ((segment.counts.quotes & 1) != 0);
  segment.start = search_record_start(segment, odd_at_end,
                                      newlines_before + segment.counts.newlines, &segment.line);
}

// The rare case: no newline outside quotes inside the segment (a quoted field longer than the
// segment, or a segment of a few bytes). Reads on from its end.
std::uint64_t RangePlanner::search_record_start(const Segment& segment, bool odd_quotes,
                                                std::uint64_t newlines_before,
                                                std::uint64_t* line) {
  const InputFile& input = files_[pieces_[segment.piece_idx].file_idx];
  const InputHandle file(input.path);
  const int parity = odd_quotes ? 1 : 0;
  SegmentCounts counts;
  std::uint64_t pos = segment.end;
  while (pos < input.size) {
    const std::size_t want = static_cast<std::size_t>(
        std::min<std::uint64_t>(options_.block_size, input.size - pos));
    const std::size_t got = file.read_at(buffer_.data(), want, pos);
    if (got == 0) break;
    count_segment(buffer_.data(), got, options_.quote, pos - segment.end, &counts);
    if (counts.candidate[parity] != kNotFound) {
      *line = newlines_before + counts.candidate_lines[parity] + 2;
      return segment.end + counts.candidate[parity] + 1;
    }
    pos += got;
  }
  *line = newlines_before + counts.newlines + 1;
  return input.size;
}

FirstRecord read_first_record(const InputHandle& file, std::uint64_t file_size,
                              std::uint64_t from, const CsvOptions& options, bool skip_blank) {
  FirstRecord record;
  std::uint64_t skipped_lines = 0;
  std::size_t capacity = kFirstRecordRead;
  std::vector<char> buffer;
  std::vector<std::uint32_t> index;
  std::vector<std::uint32_t> newlines;
  std::string scratch;
  while (from < file_size) {
    buffer.resize(capacity + 1 + kScanPadding);
    index.resize(capacity + 1 + kScanPadding);
    newlines.resize(capacity + 1 + kScanPadding);
    const std::size_t got = file.read_at(buffer.data(), capacity, from);
    const bool at_eof = from + got >= file_size;
    std::size_t size = got;
    if (at_eof && size > 0 && buffer[size - 1] != '\n') buffer[size++] = '\n';
    bool in_quotes = false;
    bool saw_quote = false;
    std::size_t newline_count = 0;
    index_structurals(buffer.data(), size, options.delimiter, options.quote, index.data(),
                      newlines.data(), &newline_count, &in_quotes, &saw_quote);
    if (newline_count == 0) {
      if (at_eof)
        throw DataError(
            "{}", unterminated_quote_message(file.path(), buffer.data(), got, skipped_lines + 1,
                                             options.quote, options.delimiter));
      if (capacity >= options.max_record_size)
        throw DataError("{}: line {}: the first record is larger than max_record_size ({})",
                        file.path(), skipped_lines + 1, human_bytes(options.max_record_size));
      capacity *= 2;
      continue;
    }
    const std::size_t newline_idx = newlines[0];
    const char* data = buffer.data();
    const std::uint32_t newline = index[newline_idx];
    if (skip_blank && is_blank(data, data + newline)) {
      from += newline + 1;
      ++skipped_lines;
      continue;
    }
    std::uint32_t field_begin = 0;
    for (std::size_t idx = 0; idx <= newline_idx; ++idx) {
      std::uint32_t field_end = index[idx];
      if (idx == newline_idx && field_end > field_begin && data[field_end - 1] == '\r') --field_end;
      std::string_view text;
      const Cell cell =
          field_text(data + field_begin, data + field_end, options.quote, false, scratch, &text);
      if (cell == Cell::kMalformed)
        throw DataError("{}: line {}: {}", file.path(), skipped_lines + 1, text);
      record.fields.emplace_back(cell == Cell::kValue ? text : std::string_view());
      field_begin = index[idx] + 1;
    }
    const std::size_t taken = std::min<std::size_t>(newline + 1, got);
    record.end = from + taken;
    record.newlines = skipped_lines + count_newlines(data, taken);
    record.line = skipped_lines + 1;
    return record;
  }
  record.end = file_size;
  record.newlines = skipped_lines;
  return record;
}

}  // namespace rankflow::io::csv
