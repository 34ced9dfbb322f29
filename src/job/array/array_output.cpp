#include "array_output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "config/array_config.hpp"
#include "rankflow/core/text.hpp"

namespace rankflow::job {
namespace {

// Index of each kept axis for flat output cell `cell` (C order over `shape`).
void unravel(std::uint64_t cell, const std::vector<std::uint64_t>& shape,
             std::vector<std::uint64_t>& index) {
  index.resize(shape.size());
  for (std::size_t dim = shape.size(); dim-- > 0;) {
    const std::uint64_t extent = std::max<std::uint64_t>(1, shape[dim]);
    index[dim] = cell % extent;
    cell /= extent;
  }
}

}  // namespace

std::vector<std::size_t> kept_axes(std::size_t rank, std::optional<std::size_t> axis) {
  std::vector<std::size_t> kept;
  if (!axis) return kept;
  for (std::size_t dim = 0; dim < rank; ++dim)
    if (dim != *axis) kept.push_back(dim);
  return kept;
}

std::vector<std::string> result_columns(const std::vector<std::size_t>& kept,
                                        const std::vector<array::ReduceFunction>& functions) {
  std::vector<std::string> names;
  for (std::size_t axis : kept) names.push_back(axis_column_name(axis));
  for (array::ReduceFunction function : functions)
    names.emplace_back(array::reduce_function_name(function));
  return names;
}

void append_value(std::string& out, const array::ResultColumn& column, std::size_t cell) {
  auto sink = std::back_inserter(out);
  switch (column.type) {
    case array::ValueType::kInt64:
      fmt::format_to(sink, "{}", column.i64[cell]);
      return;
    case array::ValueType::kUInt64:
      fmt::format_to(sink, "{}", column.u64[cell]);
      return;
    case array::ValueType::kFloat64:
      append_float(out, column.f64[cell]);
      return;
  }
}

std::vector<std::vector<std::string>> result_rows(const array::ReduceResult& result,
                                                  std::uint64_t first_cell, std::size_t limit) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::uint64_t> index;
  const std::size_t count = std::min(limit, result.cells());
  for (std::size_t cell = 0; cell < count; ++cell) {
    std::vector<std::string> row;
    unravel(first_cell + cell, result.shape, index);
    for (std::uint64_t value : index) row.push_back(std::to_string(value));
    for (const array::ResultColumn& column : result.columns) {
      std::string text;
      append_value(text, column, cell);
      row.push_back(std::move(text));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

void append_csv(std::string& out, const array::ReduceResult& result, std::uint64_t first_cell) {
  std::vector<std::uint64_t> index;
  auto sink = std::back_inserter(out);
  for (std::size_t cell = 0; cell < result.cells(); ++cell) {
    unravel(first_cell + cell, result.shape, index);
    bool first = true;
    for (std::uint64_t value : index) {
      fmt::format_to(sink, first ? "{}" : ",{}", value);
      first = false;
    }
    for (const array::ResultColumn& column : result.columns) {
      if (!first) out.push_back(',');
      first = false;
      append_value(out, column, cell);
    }
    out.push_back('\n');
  }
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string line;
  for (std::size_t idx = 0; idx < fields.size(); ++idx) line += (idx ? "," : "") + fields[idx];
  return line + "\n";
}

std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows,
                         std::uint64_t total_rows) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t column = 0; column < header.size(); ++column) {
    width[column] = header[column].size();
    for (const auto& row : rows) width[column] = std::max(width[column], row[column].size());
  }
  auto line = [&](const std::vector<std::string>& fields) {
    std::string text;
    for (std::size_t column = 0; column < fields.size(); ++column)
      text += fmt::format("{}{:>{}}", column ? "  " : "", fields[column], width[column]);
    return text + "\n";
  };
  std::string out = line(header);
  for (const auto& row : rows) out += line(row);
  if (total_rows > rows.size())
    out += fmt::format("... {} more rows (see the output file)\n", total_rows - rows.size());
  return out;
}

}  // namespace rankflow::job
