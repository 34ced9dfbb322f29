// fuzz_csv_ranges: the CSV range planner (src/io/csv/range_plan.hpp) at 1..8 "ranks" with
// arbitrary split points and block sizes, without MPI: every rank's planner scans its range,
// the carries are exchanged by hand as open_csv_source allgathers them, and every segment's
// resolved record start and line must be what a serial byte-by-byte scan of the file says.
//
//   byte 0  ranks (1..8)     byte 1  block size (1 B .. 2 KiB)     byte 2  sample size
//   byte 3  bit 0 header, bits 1-2 quote (" ' none), bit 3 two files
//   bytes 4.. one byte per split point (ranks - 1 of them, scaled to the input), then the data
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "io/csv/csv_schema.hpp"
#include "io/csv/input_files.hpp"
#include "io/csv/range_plan.hpp"
#include "rankflow/core/error.hpp"

namespace rankflow::fuzz::csv_ranges {
namespace {

using io::csv::InputFile;
using io::csv::RangePlanner;

// Record starts of one file by a serial scan: the first byte after the header row (or after
// the BOM), and every byte after a newline outside quotes; the file size when none is left.
struct SerialStarts {
  std::set<std::uint64_t> starts;
  std::vector<std::uint64_t> newlines_before;  // [pos]: '\n' bytes in [0, pos)
};

SerialStarts serial_starts(const std::string& text, int quote, std::uint64_t first) {
  SerialStarts serial;
  serial.newlines_before.resize(text.size() + 1, 0);
  bool in_quotes = false;
  serial.starts.insert(first);
  for (std::size_t pos = 0; pos < text.size(); ++pos) {
    serial.newlines_before[pos + 1] = serial.newlines_before[pos] + (text[pos] == '\n' ? 1 : 0);
    if (quote >= 0 && text[pos] == static_cast<char>(quote)) in_quotes = !in_quotes;
    if (text[pos] == '\n' && !in_quotes && pos + 1 > first) serial.starts.insert(pos + 1);
  }
  serial.starts.insert(text.size());
  return serial;
}

bool has_bom(const std::string& text) {
  return text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0;
}

}  // namespace

int fuzz_one(const std::uint8_t* data, std::size_t size) {
  FuzzInput input(data, size);
  const int ranks = 1 + input.byte() % 8;
  io::CsvOptions options;
  options.block_size = std::uint64_t{1} << (input.byte() % 12);
  options.sample_size = std::uint64_t{1} << (input.byte() % 12);
  const std::uint8_t flags = input.byte();
  options.header = (flags & 1) != 0;
  const int quote_choice = (flags >> 1) % 3;
  options.quote = quote_choice == 0 ? '"' : quote_choice == 1 ? '\'' : io::kNoQuote;
  std::vector<std::uint8_t> split_bytes;
  for (int idx = 1; idx < ranks; ++idx) split_bytes.push_back(input.byte());
  const std::string text = input.rest();

  std::vector<std::string> texts;
  if ((flags & 8) != 0) {
    texts = {text.substr(0, text.size() / 2), text.substr(text.size() / 2)};
  } else {
    texts = {text};
  }
  std::vector<InputFile> files;
  std::uint64_t offset = 0;
  for (std::size_t idx = 0; idx < texts.size(); ++idx) {
    InputFile file;
    file.path = write_scratch("ranges-" + std::to_string(idx) + ".csv", texts[idx]);
    file.size = texts[idx].size();
    file.offset = offset;
    offset += file.size;
    files.push_back(file);
  }
  const std::uint64_t total = offset;
  std::vector<std::uint64_t> split_points;
  for (const std::uint8_t byte : split_bytes) split_points.push_back(total * byte / 255);
  std::sort(split_points.begin(), split_points.end());
  const std::vector<std::uint64_t> bounds =
      io::csv::split_bounds(total, ranks, split_points);
  std::vector<std::uint64_t> cuts;
  for (const auto& window : io::csv::sample_windows(total, options.sample_size))
    cuts.push_back(window.first);

  std::vector<RangePlanner> planners;
  std::vector<io::csv::RankCarry> carries;
  try {
    for (int rank = 0; rank < ranks; ++rank) {
      const auto idx = static_cast<std::size_t>(rank);
      planners.emplace_back(options, files, io::csv::pieces_of(files, bounds[idx], bounds[idx + 1]),
                            cuts);
      planners.back().scan();
      carries.push_back(planners.back().carry());
    }
  } catch (const Error&) {
    return 0;  // a malformed header row: open_csv_source reports it
  }
  for (int rank = 0; rank < ranks; ++rank) planners[static_cast<std::size_t>(rank)].resolve(carries, rank);

  // Where the header row ends in each file, from the rank that read it.
  std::vector<std::uint64_t> first(files.size(), 0);
  for (std::size_t idx = 0; idx < files.size(); ++idx) first[idx] = has_bom(texts[idx]) ? 3 : 0;
  for (const RangePlanner& planner : planners)
    for (const auto& [file_idx, start] : planner.file_starts())
      if (!start.header.empty()) first[file_idx] = start.header_end;
  std::vector<SerialStarts> serial;
  for (std::size_t idx = 0; idx < files.size(); ++idx)
    serial.push_back(serial_starts(texts[idx], options.quote,
                                   std::min<std::uint64_t>(first[idx], texts[idx].size())));

  for (const RangePlanner& planner : planners) {
    for (const io::csv::Segment& segment : planner.segments()) {
      const std::size_t file_idx = planner.pieces()[segment.piece_idx].file_idx;
      const SerialStarts& want = serial[file_idx];
      const std::uint64_t expected = *want.starts.lower_bound(segment.begin);
      fuzz_check(segment.start == expected, "a segment starts at the serial scan's next record");
      fuzz_check(segment.line == want.newlines_before[expected] + 1,
                 "a segment's line is the serial scan's line");
    }
  }
  return 0;
}

}  // namespace rankflow::fuzz::csv_ranges
