#include "rankflow/job/csv_inspect.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <vector>

#include "rankflow/core/text.hpp"
#include "rankflow/io/csv/csv_source.hpp"
#include "table_summary.hpp"

namespace rankflow::job {
namespace {

constexpr std::size_t kRowsShown = 10;

std::uint64_t total_size(const std::vector<std::string>& paths) {
  std::uint64_t bytes = 0;
  for (const std::string& path : paths) bytes += std::filesystem::file_size(path);
  return bytes;
}

}  // namespace

std::string inspect_csv(const comm::Communicator& comm, const std::string& path) {
  io::CsvOptions options;
  options.path = path;
  const std::vector<std::string> paths = io::csv_input_paths(path);
  std::unique_ptr<io::TableSource> source = io::open_csv_source(comm, options);
  const table::Schema& schema = source->schema();
  table::Table block;
  source->next(block);  // the first block (block_size bytes): the first rows, bytes per row
  const io::SourceStats stats = source->stats();
  table::Table more;
  const bool whole = !source->next(more);  // a second block only when the file holds one
  const std::uint64_t bytes = total_size(paths);
  std::string out = fmt::format("{}: {}\n", path, source->describe());
  out += fmt::format("  columns     {} (types inferred from a sample, as a job infers them)\n",
                     schema.size());
  std::string keys;
  for (std::size_t idx = 0; idx < schema.size(); ++idx) {
    const table::Field& field = schema.field(idx);
    out += fmt::format("    {:<20} {}\n", field.name, table::column_type_name(field.type));
    keys += fmt::format("{}{}:{}", idx == 0 ? "" : ", ", field.name,
                        table::column_type_name(field.type));
  }
  if (whole || block.num_rows() == 0)
    out += fmt::format("  rows        {}\n", block.num_rows());
  else
    out += fmt::format("  rows        about {} (from the first {} rows in {})\n",
                       static_cast<std::uint64_t>(static_cast<double>(bytes) *
                                                  static_cast<double>(block.num_rows()) /
                                                  static_cast<double>(stats.bytes)),
                       block.num_rows(), human_bytes(stats.bytes));
  std::vector<std::vector<std::string>> rows;
  for (std::size_t row = 0; row < std::min(block.num_rows(), kRowsShown); ++row) {
    rows.emplace_back();
    for (std::size_t col = 0; col < block.num_columns(); ++col) {
      const table::Column& column = block.column(col);
      rows.back().push_back(column.is_valid(row) ? column.format(row) : "null");
    }
  }
  out += fmt::format("  first rows\n{}", format_rows(schema, rows, rows.size()));
  out += fmt::format("  [input] path = {}\n  [input] schema = {}   (to fix the types)\n", path,
                     keys);
  return out;
}

}  // namespace rankflow::job
