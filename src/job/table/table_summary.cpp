#include "table_summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>

namespace rankflow::job {
namespace {

bool is_number(table::ColumnType type) {
  return type == table::ColumnType::kInt64 || type == table::ColumnType::kFloat64;
}

// Rows as one string: each cell "length:text", so any bytes survive the gather.
std::string serialize_rows(const table::Table& head, std::size_t count) {
  std::string out;
  for (std::size_t row = 0; row < count; ++row) {
    for (std::size_t column_idx = 0; column_idx < head.num_columns(); ++column_idx) {
      const table::Column& column = head.column(column_idx);
      const std::string cell = column.is_valid(row) ? column.format(row) : "null";
      out += std::to_string(cell.size()) + ":" + cell;
    }
  }
  return out;
}

void deserialize_rows(const std::string& text, std::size_t columns,
                      std::vector<std::vector<std::string>>* rows) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::vector<std::string> row;
    for (std::size_t column_idx = 0; column_idx < columns; ++column_idx) {
      const std::size_t colon = text.find(':', pos);
      const std::size_t size = std::stoull(text.substr(pos, colon - pos));
      row.push_back(text.substr(colon + 1, size));
      pos = colon + 1 + size;
    }
    rows->push_back(std::move(row));
  }
}

// Display width: UTF-8 code points.
std::size_t width(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char ch) {
    return (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
  }));
}

// A cell as one line of a terminal: control characters (a quoted newline, a tab) are shown
// escaped, as C and Python write them, so that no cell breaks the table's lines or columns.
bool is_control(char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7F; }

std::string printable(const std::string& text) {
  if (std::none_of(text.begin(), text.end(), is_control)) return text;
  std::string out;
  for (const char ch : text) {
    switch (ch) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (is_control(ch)) {
          out += fmt::format("\\x{:02x}", static_cast<unsigned char>(ch));
        } else {
          out += ch;
        }
    }
  }
  return out;
}

std::string pad(const std::string& text, std::size_t to, bool right) {
  const std::string fill(to > width(text) ? to - width(text) : 0, ' ');
  return right ? fill + text : text + fill;
}

}  // namespace

std::string format_rows(const table::Schema& schema,
                        const std::vector<std::vector<std::string>>& raw_rows,
                        std::uint64_t total) {
  std::vector<std::vector<std::string>> rows = raw_rows;
  for (auto& row : rows)
    for (std::string& cell : row) cell = printable(cell);
  std::vector<std::size_t> widths;
  for (const table::Field& field : schema.fields()) widths.push_back(width(field.name));
  for (const auto& row : rows)
    for (std::size_t idx = 0; idx < row.size(); ++idx)
      widths[idx] = std::max(widths[idx], width(row[idx]));
  auto line = [&](auto cell_of) {
    std::string out;
    for (std::size_t idx = 0; idx < widths.size(); ++idx) {
      const bool right = is_number(schema.field(idx).type);
      const bool last = idx + 1 == widths.size();
      out += pad(cell_of(idx), last && !right ? 0 : widths[idx], right) + (last ? "\n" : "  ");
    }
    return out;
  };
  std::string out = line([&](std::size_t idx) { return schema.field(idx).name; });
  for (const auto& row : rows) out += line([&](std::size_t idx) { return row[idx]; });
  if (total > rows.size()) out += fmt::format("... {} more rows\n", total - rows.size());
  return out;
}

void print_summary(const comm::Communicator& comm, const table::Table& head,
                   std::uint64_t local_rows, const OutputPlan& output) {
  const auto total = comm.allreduce(local_rows, comm::ReduceOp::kSum);
  const bool show = output.table == "on" || (output.table == "auto" && total <= kTableRows);
  // Each rank sends at most its first kTableRows rows, and only when a table is printed.
  const std::size_t mine =
      static_cast<std::size_t>(std::min<std::uint64_t>(local_rows, kTableRows));
  const std::vector<std::string> parts =
      comm.allgather_strings(show ? serialize_rows(head, mine) : std::string());
  if (comm.rank() != 0) return;
  const std::string target = output.path.empty() ? "result" : output.path;
  std::cout << fmt::format("{}: {} row{}, {} column{}\n", target, total, total == 1 ? "" : "s",
                           head.num_columns(), head.num_columns() == 1 ? "" : "s");
  if (show && total > 0) {
    std::vector<std::vector<std::string>> rows;
    for (const std::string& part : parts) deserialize_rows(part, head.num_columns(), &rows);
    if (rows.size() > kTableRows) rows.resize(kTableRows);  // the first rows in output order
    std::cout << format_rows(head.schema(), rows, total);
  }
  std::cout << std::flush;
}

}  // namespace rankflow::job
