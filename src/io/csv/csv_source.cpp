#include "rankflow/io/csv/csv_source.hpp"

#include <chrono>
#include <cstdlib>
#include <thread>

#include "block_decoder.hpp"
#include "csv_schema.hpp"
#include "input_files.hpp"
#include "range_plan.hpp"
#include "rankflow/comm/phase.hpp"
#include "rankflow/core/error.hpp"
#include "rankflow/core/log.hpp"
#include "rankflow/core/stop.hpp"
#include "rankflow/core/text.hpp"
#include "record_stream.hpp"

namespace rankflow::io {
namespace {

// For tests of stops and kills: RANKFLOW_TEST_SLOW_READ_MS=<ms> sleeps that long before each
// block, so that a small input makes a long job (tests/e2e/stop_test.cpp).
void slow_down_for_tests() {
  static const int delay_ms = [] {
    const char* value = std::getenv("RANKFLOW_TEST_SLOW_READ_MS");
    return value != nullptr ? std::atoi(value) : 0;
  }();
  if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
}

using csv::InputFile;

// One piece of this rank, ready to read: records starting in [start, end) of its file.
struct PieceRead {
  std::size_t file_idx = 0;
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  std::uint64_t line = 1;
};

class CsvSource final : public TableSource {
 public:
  CsvSource(const CsvOptions& options, std::vector<InputFile> files, std::vector<PieceRead> pieces,
            table::Schema schema, std::vector<bool> inferred)
      : pattern_(options.path),
        files_(std::move(files)),
        pieces_(std::move(pieces)),
        schema_(schema),
        block_bytes_(options.block_size),
        stream_(options.delimiter, options.quote, options.block_size, options.max_record_size),
        decoder_(std::move(schema), options.quote, options.null_values, options.on_bad_rows,
                 std::move(inferred)) {}

  const table::Schema& schema() const override { return schema_; }

  bool next(table::Table& block) override {
    core::throw_if_stopped();  // local reads: a stop leaves here, comm::agree makes it agreed
    slow_down_for_tests();
    try {
      return read_block(block);
    } catch (Error& error) {
      // The stream and the decoder know the file offset; the agreement compares positions in
      // the input's global byte space.
      if (error.input_position() != Error::kNoPosition && piece_idx_ < pieces_.size())
        error.set_input_position(files_[pieces_[piece_idx_].file_idx].offset +
                                 error.input_position());
      throw;
    }
  }

  void select_columns(const std::vector<bool>& read) override { decoder_.select_columns(read); }
  SourceStats stats() const override { return stats_; }
  std::vector<std::string> skipped_examples() const override { return decoder_.skip_messages(); }
  std::string describe() const override { return csv::describe_input(pattern_, files_); }
  std::uint64_t total_bytes() const override { return csv::total_bytes(files_); }

 private:
  bool read_block(table::Table& block) {
    if (block.num_columns() != schema_.size() || !(block.schema() == schema_))
      block = table::Table(schema_);
    block.clear();
    std::uint64_t bytes = 0;
    while (true) {
      if (!reading_) {
        if (piece_idx_ >= pieces_.size()) break;
        start_piece(pieces_[piece_idx_]);
      }
      csv::RecordBatch batch;
      if (!stream_.next(&batch)) {
        reading_ = false;
        ++piece_idx_;
        continue;
      }
      stats_.skipped_rows +=
          decoder_.decode(batch, files_[pieces_[piece_idx_].file_idx].path, block);
      bytes += batch.bytes;
      // Small pieces (many small files) are gathered into one block of about block_size bytes.
      if (bytes >= block_bytes_ && block.num_rows() > 0) break;
    }
    stats_.rows += block.num_rows();
    stats_.bytes = stream_.bytes_read();
    return block.num_rows() > 0;
  }

  void start_piece(const PieceRead& piece) {
    const InputFile& file = files_[piece.file_idx];
    if (!handle_.is_open() || handle_.path() != file.path) handle_ = csv::InputHandle(file.path);
    stream_.reset(&handle_, file.size, piece.start, piece.end, piece.line, schema_.size());
    reading_ = true;
  }

  std::string pattern_;
  std::vector<InputFile> files_;
  std::vector<PieceRead> pieces_;
  table::Schema schema_;
  std::uint64_t block_bytes_;
  csv::RecordStream stream_;
  csv::BlockDecoder decoder_;
  csv::InputHandle handle_;
  std::size_t piece_idx_ = 0;
  bool reading_ = false;
  SourceStats stats_;
};

std::vector<InputFile> agreed_file_list(const comm::Communicator& comm, const CsvOptions& options) {
  std::string listing = comm::run_phase(comm, "listing the CSV input", [&] {
    if (options.split_points.size() != 0 &&
        options.split_points.size() + 1 != static_cast<std::size_t>(comm.size()))
      throw ConfigError("CSV split_points: {} given for {} ranks (need ranks - 1)",
                        options.split_points.size(), comm.size());
    return comm.rank() == 0 ? csv::serialize_files(csv::list_input_files(options.path))
                            : std::string();
  });
  comm.bcast(listing, 0);
  return csv::deserialize_files(listing);
}

std::string serialize_fields(const std::vector<std::string>& fields) {
  std::string text;
  for (const std::string& field : fields) text += std::to_string(field.size()) + ":" + field;
  return text;
}

std::vector<std::string> deserialize_fields(const std::string& text) {
  std::vector<std::string> fields;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t colon = text.find(':', pos);
    const std::size_t size = std::stoull(text.substr(pos, colon - pos));
    fields.push_back(text.substr(colon + 1, size));
    pos = colon + 1 + size;
  }
  return fields;
}

std::string join_fields(const std::vector<std::string>& fields) {
  std::string out;
  for (const std::string& field : fields) out += (out.empty() ? "" : ",") + field;
  return out;
}

// The first rank with bytes holds the start of the first non-empty file: its header (or,
// without a header, its first record's field count as placeholder names) names the columns for
// every rank.
csv::ColumnNames agreed_columns(const comm::Communicator& comm, const CsvOptions& options,
                                const std::vector<InputFile>& files,
                                const std::vector<std::uint64_t>& bounds,
                                const csv::RangePlanner& planner) {
  int owner = 0;
  while (owner + 1 < comm.size() &&
         bounds[static_cast<std::size_t>(owner)] == bounds[static_cast<std::size_t>(owner) + 1])
    ++owner;
  std::string text = comm::run_phase(comm, "reading the CSV header", [&] {
    if (comm.rank() != owner || planner.pieces().empty()) return std::string();
    const std::size_t first = planner.pieces().front().file_idx;
    if (options.header) return serialize_fields(planner.file_starts().at(first).header);
    const csv::InputHandle handle(files[first].path);
    const csv::FirstRecord record = csv::read_first_record(
        handle, files[first].size, planner.file_starts().at(first).data_begin, options, true);
    return serialize_fields(std::vector<std::string>(record.fields.size()));
  });
  std::string source = comm.rank() == owner && !planner.pieces().empty()
                           ? files[planner.pieces().front().file_idx].path
                           : std::string();
  comm.bcast(text, owner);
  comm.bcast(source, owner);
  return csv::ColumnNames{deserialize_fields(text), source};
}

void check_headers(const CsvOptions& options, const std::vector<InputFile>& files,
                   const csv::RangePlanner& planner, const csv::ColumnNames& columns) {
  if (!options.header) return;
  for (const auto& [file_idx, start] : planner.file_starts()) {
    if (start.header.empty()) continue;  // an empty file, or a start this rank does not hold
    if (start.header != columns.names)
      throw DataError(
          "{}: the header row ({}) differs from the header of '{}' ({}); every file "
          "of a CSV input must have the same columns",
          files[file_idx].path, excerpt(join_fields(start.header)), columns.source,
          excerpt(join_fields(columns.names)));
  }
}

std::vector<PieceRead> pieces_to_read(const csv::RangePlanner& planner) {
  std::vector<PieceRead> reads;
  for (const csv::Segment& segment : planner.segments()) {
    const csv::Piece& piece = planner.pieces()[segment.piece_idx];
    if (segment.begin != piece.begin) continue;  // sample cuts do not split the reading
    reads.push_back(PieceRead{piece.file_idx, segment.start, piece.end, segment.line});
  }
  return reads;
}

}  // namespace

std::vector<std::string> csv_input_paths(const std::string& path) {
  std::vector<std::string> paths;
  for (const csv::InputFile& file : csv::list_input_files(path)) paths.push_back(file.path);
  return paths;
}

std::unique_ptr<TableSource> open_csv_source(const comm::Communicator& comm,
                                             const CsvOptions& options) {
  comm::run_phase(comm, "checking the CSV options", [&] { check_csv_options(options); });
  std::vector<InputFile> files = agreed_file_list(comm, options);
  const std::uint64_t total = csv::total_bytes(files);
  const std::vector<std::uint64_t> bounds =
      csv::split_bounds(total, comm.size(), options.split_points);
  const auto rank = static_cast<std::size_t>(comm.rank());
  std::vector<std::uint64_t> cuts;
  for (const auto& window : csv::sample_windows(total, options.sample_size))
    cuts.push_back(window.first);
  csv::RangePlanner planner(options, files, csv::pieces_of(files, bounds[rank], bounds[rank + 1]),
                            cuts);

  comm::run_phase(comm, "scanning the CSV input", [&] { planner.scan(); });
  const std::vector<csv::RankCarry> carries = comm.allgather(planner.carry());
  const csv::ColumnNames columns = agreed_columns(comm, options, files, bounds, planner);
  comm::run_phase(comm, "locating the CSV records", [&] {
    planner.resolve(carries, comm.rank());
    check_headers(options, files, planner, columns);
  });

  std::vector<bool> inferred;
  table::Schema schema = csv::build_schema(comm, options, planner, files, columns, &inferred);
  log::debug("CSV {}: bytes [{}, {}) in {} piece(s); schema {}", options.path, bounds[rank],
             bounds[rank + 1], planner.pieces().size(), schema.describe());
  return std::make_unique<CsvSource>(options, std::move(files), pieces_to_read(planner),
                                     std::move(schema), std::move(inferred));
}

}  // namespace rankflow::io
