// RangePlanner: where each of this rank's pieces really starts, and at which line.
//
// A record starts at the first data byte of a file (after the header row, if any) and right
// after every newline that lies outside quotes. A piece [begin, end) owns the records that
// start inside it. Whether a byte is inside quotes depends only on the parity of the quote
// bytes before it in its file (RFC 4180: "" toggles twice), so the parity at `begin` is the
// sum of the quote bytes of the earlier ranks' ranges in the same file:
//
//   1. scan (local, one pass over the rank's bytes): quote bytes and newlines per segment,
//      and the first newline after an even / after an odd number of local quotes;
//   2. exchange (collective, by the caller): each rank's counts in its last file, allgathered;
//      a rank sums those of the earlier ranks that end in the file it starts in (an exclusive
//      scan that restarts at every file);
//   3. resolve (local): knowing the parity and the newline count at `begin`, the first record
//      starts after the first newline whose parity is even overall, and its line is known.
//      With a header row, no record starts before the row's end (blank lines before the row
//      are skipped, so the first newline may not end it): the rank that read the row passes
//      that end on in its carry, and a later rank starting before it starts there.
//
// Segments are pieces cut further at the starts of the type-inference sample windows, so the
// same scan places the samples exactly too.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "input_files.hpp"
#include "input_handle.hpp"
#include "rankflow/io/csv/csv_options.hpp"
#include "scan.hpp"

namespace rankflow::io::csv {

// What the rank holding the start of a file learned there.
struct FileStart {
  std::uint64_t data_begin = 0;         // 3 after a UTF-8 byte order mark, else 0
  // header = true and the rank owns the file's first byte: the header row's fields (blank
  // lines before it are skipped); empty otherwise.
  std::vector<std::string> header;
  std::uint64_t header_end = 0;         // first byte after the header row's newline
  std::uint64_t header_newlines = 0;    // newlines in [0, header_end)
};

struct Segment {
  std::size_t piece_idx = 0;
  std::uint64_t begin = 0;  // file-local
  std::uint64_t end = 0;
  SegmentCounts counts;     // of [begin, end)
  bool after_newline = false;  // the byte before `begin` is '\n'
  // Resolved: the first record starting at or after `begin` (>= end: none in this segment)
  // and its line number.
  std::uint64_t start = 0;
  std::uint64_t line = 1;
};

// The counts a rank passes on: those of its last file (file -1: the rank has no bytes). When
// it read that file's header row, also where the row ends: blank lines may come before it, so
// a later rank starting before that end cannot find the first record by parity alone.
struct RankCarry {
  std::int64_t file = -1;
  std::uint64_t quotes = 0;
  std::uint64_t newlines = 0;
  std::uint64_t header_end = 0;  // 0: this rank did not read the file's header row
  std::uint64_t header_newlines = 0;
};

class RangePlanner {
 public:
  // `cuts`: global offsets where segments must begin (sample windows).
  RangePlanner(const CsvOptions& options, const std::vector<InputFile>& files,
               std::vector<Piece> pieces, const std::vector<std::uint64_t>& cuts);

  // Local. Throws DataError (I/O, a malformed or empty header row).
  void scan();
  RankCarry carry() const;
  // Local, after the carries of all ranks are known (allgathered).
  void resolve(const std::vector<RankCarry>& carries, int rank);

  const std::vector<Piece>& pieces() const { return pieces_; }
  const std::vector<Segment>& segments() const { return segments_; }
  const std::map<std::size_t, FileStart>& file_starts() const { return file_starts_; }

 private:
  void scan_segment(const InputHandle& file, Segment& segment);
  // BOM, and the header row when `holds_start` (this rank owns the file's first byte).
  void read_file_start(const InputHandle& file, std::size_t file_idx, bool holds_start);
  void resolve_segment(Segment& segment, bool odd_quotes, std::uint64_t newlines_before,
                       const RankCarry& header);
  std::uint64_t search_record_start(const Segment& segment, bool odd_quotes,
                                    std::uint64_t newlines_before, std::uint64_t* line);

  const CsvOptions& options_;
  const std::vector<InputFile>& files_;
  std::vector<Piece> pieces_;
  std::vector<Segment> segments_;
  std::map<std::size_t, FileStart> file_starts_;
  std::vector<char> buffer_;
};

// The first record of a file from `from` (its fields, with quotes removed), for headers and
// for the column count of files without a header. Blank lines are skipped when `skip_blank`.
struct FirstRecord {
  std::vector<std::string> fields;  // empty: no record (end of file)
  std::uint64_t end = 0;            // first byte after it (after its newline)
  std::uint64_t newlines = 0;       // in [from, end)
  std::uint64_t line = 1;           // where it starts: 1 + the blank lines skipped
};
FirstRecord read_first_record(const InputHandle& file, std::uint64_t file_size,
                              std::uint64_t from, const CsvOptions& options, bool skip_blank);

}  // namespace rankflow::io::csv
