#include "csv_schema.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "block_decoder.hpp"
#include "field_parse.hpp"
#include "rankflow/comm/phase.hpp"
#include "rankflow/core/error.hpp"

namespace rankflow::io::csv {
namespace {

constexpr std::uint64_t kWindows = 16;
constexpr std::size_t kSampleBlock = std::size_t{64} << 10;
// Per column: one flag per type bit (1: every value fits), then one "no value seen" flag.
// All are reduced with MIN across ranks.
constexpr std::size_t kFlags = 6;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// A stream error (a quote that never closes, a record over max_record_size) ends the sample
// without failing it: the reading meets the same error at the same place and the agreement
// there reports the earliest error of the input (a bad row before it, on another rank), so
// every rank count reports what a serial reading does.
void sample_records(RecordStream& stream, const BlockDecoder& decoder, std::size_t ncols,
                    std::vector<int>& flags) {
  std::string scratch;
  RecordBatch batch;
  while (true) {
    try {
      if (!stream.next(&batch)) break;
    } catch (const Error&) {
      return;
    }
    for (std::size_t row = 0; row < batch.rows; ++row) {
      for (std::size_t col = 0; col < ncols; ++col) {
        std::string_view text;
        if (decoder.cell_text(batch, row, col, false, scratch, &text) != Cell::kValue) continue;
        const unsigned bits = fitting_types(text);
        int* column = flags.data() + col * kFlags;
        for (std::size_t bit = 0; bit + 1 < kFlags; ++bit)
          if ((bits & (1u << bit)) == 0) column[bit] = 0;
        column[kFlags - 1] = 0;
      }
    }
  }
}

// This rank's share of the sample: the windows' parts that fall in its pieces.
std::vector<int> sample_local(const CsvOptions& options, const RangePlanner& planner,
                              const std::vector<InputFile>& files, const table::Schema& text_schema) {
  const std::size_t ncols = text_schema.size();
  std::vector<int> flags(ncols * kFlags, 1);
  const auto windows = sample_windows(total_bytes(files), options.sample_size);
  const BlockDecoder decoder(text_schema, options.quote, options.null_values, BadRowPolicy::kSkip);
  RecordStream stream(options.delimiter, options.quote,
                      std::min<std::uint64_t>(options.block_size, kSampleBlock),
                      options.max_record_size);
  for (std::size_t piece_idx = 0; piece_idx < planner.pieces().size(); ++piece_idx) {
    const Piece& piece = planner.pieces()[piece_idx];
    const InputFile& file = files[piece.file_idx];
    InputHandle handle;
    for (const auto& window : windows) {
      const std::uint64_t low = std::max(file.offset + piece.begin, window.first);
      const std::uint64_t high = std::min(file.offset + piece.end, window.second);
      if (low >= high) continue;
      const auto& segments = planner.segments();
      auto segment = std::find_if(segments.begin(), segments.end(), [&](const Segment& candidate) {
        return candidate.piece_idx == piece_idx && candidate.begin == low - file.offset;
      });
      if (segment == segments.end()) throw DataError("internal: no segment at a sample window");
      if (!handle.is_open()) handle = InputHandle(file.path);
      stream.reset(&handle, file.size, segment->start, high - file.offset, segment->line, ncols);
      sample_records(stream, decoder, ncols, flags);
    }
  }
  return flags;
}

std::vector<std::string> column_names(const CsvOptions& options, const ColumnNames& columns) {
  std::vector<std::string> names;
  if (options.header) {
    std::set<std::string> seen;
    for (std::size_t idx = 0; idx < columns.names.size(); ++idx) {
      std::string name = columns.names[idx].empty() ? fmt::format("c{}", idx) : columns.names[idx];
      if (!seen.insert(name).second)
        throw DataError("{}: the header names column '{}' twice", columns.source, name);
      names.push_back(std::move(name));
    }
    return names;
  }
  if (!options.schema.empty()) {
    if (options.schema.size() != columns.names.size())
      throw csv_option_error(
          "schema", fmt::format("lists {} columns, but the rows of '{}' have {} fields (without "
                                "a header the schema names every column, in order)",
                                options.schema.size(), columns.source, columns.names.size()));
    for (const table::Field& field : options.schema) names.push_back(field.name);
    return names;
  }
  for (std::size_t idx = 0; idx < columns.names.size(); ++idx) names.push_back(fmt::format("c{}", idx));
  return names;
}

// Explicit types by column index; throws ConfigError for a name the input does not have.
std::map<std::size_t, table::ColumnType> explicit_types(const CsvOptions& options,
                                                        const std::vector<std::string>& names,
                                                        const std::string& source) {
  std::map<std::size_t, table::ColumnType> types;
  for (const table::Field& field : options.schema) {
    auto found = std::find(names.begin(), names.end(), field.name);
    if (found == names.end())
      throw csv_option_error("schema",
                             fmt::format("names column '{}', but the header of '{}' has no such "
                                         "column; the columns are: {}",
                                         field.name, source, join(names)));
    types[static_cast<std::size_t>(found - names.begin())] = field.type;
  }
  return types;
}

}  // namespace

std::vector<std::pair<std::uint64_t, std::uint64_t>> sample_windows(std::uint64_t total,
                                                                     std::uint64_t sample_size) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> windows;
  if (total == 0 || sample_size == 0) return windows;
  if (total <= sample_size) {
    windows.emplace_back(0, total);
    return windows;
  }
  const std::uint64_t width = std::max<std::uint64_t>(1, sample_size / kWindows);
  for (std::uint64_t idx = 0; idx < kWindows; ++idx) {
    const std::uint64_t begin = share_of(total, idx, kWindows);
    windows.emplace_back(begin, std::min(begin + width, total));
  }
  return windows;
}

table::Schema build_schema(const comm::Communicator& comm, const CsvOptions& options,
                           const RangePlanner& planner, const std::vector<InputFile>& files,
                           const ColumnNames& columns, std::vector<bool>* inferred) {
  if (columns.names.empty()) {
    // Nothing names the columns: every file is empty. A full explicit schema still works.
    comm::run_phase(comm, "checking the CSV schema", [&] {
      if (options.schema.empty())
        throw DataError("every file of the CSV input '{}' is empty, so no header names the "
                        "columns (set [input] schema = name:type, ... to read it as an empty "
                        "table)",
                        options.path);
    });
    inferred->assign(options.schema.size(), false);
    return table::Schema(options.schema);
  }
  std::vector<std::string> names;
  std::map<std::size_t, table::ColumnType> types;
  comm::run_phase(comm, "checking the CSV schema", [&] {
    names = column_names(options, columns);
    if (options.header) types = explicit_types(options, names, columns.source);
    else
      for (std::size_t idx = 0; idx < options.schema.size(); ++idx)
        types[idx] = options.schema[idx].type;
  });
  const std::size_t ncols = names.size();
  std::vector<int> flags(ncols * kFlags, 1);
  if (types.size() < ncols) {
    std::vector<table::Field> text_fields;
    for (const std::string& name : names) text_fields.push_back({name, table::ColumnType::kString});
    flags = comm::run_phase(comm, "sampling the CSV input for types", [&] {
      return sample_local(options, planner, files, table::Schema(text_fields));
    });
    comm.allreduce_inplace(flags.data(), flags.size(), comm::ReduceOp::kMin);
  }
  table::Schema schema;
  inferred->assign(ncols, false);
  for (std::size_t col = 0; col < ncols; ++col) {
    auto given = types.find(col);
    if (given != types.end()) {
      schema.add({names[col], given->second});
      continue;
    }
    const int* column = flags.data() + col * kFlags;
    unsigned bits = 0;
    for (std::size_t bit = 0; bit + 1 < kFlags; ++bit)
      if (column[bit] != 0) bits |= 1u << bit;
    const bool seen = column[kFlags - 1] == 0;
    schema.add({names[col], seen ? narrowest_type(bits) : table::ColumnType::kString});
    (*inferred)[col] = true;
  }
  return schema;
}

}  // namespace rankflow::io::csv
