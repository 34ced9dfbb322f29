#include "rankflow/table/table.hpp"

#include "rankflow/core/error.hpp"

namespace rankflow::table {

std::optional<std::size_t> Schema::find(const std::string& name) const {
  for (std::size_t idx = 0; idx < fields_.size(); ++idx)
    if (fields_[idx].name == name) return idx;
  return std::nullopt;
}

std::string Schema::describe() const {
  std::string out;
  for (const Field& field : fields_)
    out += (out.empty() ? "" : ", ") + field.name + ":" + std::string(column_type_name(field.type));
  return out;
}

Table::Table(Schema schema) : schema_(std::move(schema)) {
  columns_.reserve(schema_.size());
  for (const Field& field : schema_.fields()) columns_.emplace_back(field.type);
}

std::size_t Table::column_index(const std::string& name) const {
  auto idx = schema_.find(name);
  if (!idx) {
    std::string names;
    for (const Field& field : schema_.fields()) names += (names.empty() ? "" : ", ") + field.name;
    throw DataError("no column '{}'; the columns are: {}", name, names);
  }
  return *idx;
}

const Column& Table::column(const std::string& name) const { return columns_[column_index(name)]; }

void Table::add_column(std::string name, Column column) {
  if (schema_.find(name)) throw DataError("column '{}' already exists", name);
  if (!columns_.empty() && column.size() != num_rows())
    throw DataError("internal: column '{}' has {} rows, the table {}", name, column.size(),
                    num_rows());
  schema_.add({std::move(name), column.type()});
  columns_.push_back(std::move(column));
}

void Table::clear() noexcept {
  for (Column& column : columns_) column.clear();
  rows_ = 0;
}

std::size_t Table::memory_bytes() const noexcept {
  std::size_t total = 0;
  for (const Column& column : columns_) total += column.memory_bytes();
  return total;
}

void Table::append_row(const Table& other, std::size_t row) {
  for (std::size_t idx = 0; idx < columns_.size(); ++idx)
    columns_[idx].append_from(other.columns_[idx], row);
  if (columns_.empty()) ++rows_;
}

void Table::append_rows(const Table& other, std::size_t begin, std::size_t count) {
  for (std::size_t idx = 0; idx < columns_.size(); ++idx)
    columns_[idx].append_rows(other.columns_[idx], begin, count);
  if (columns_.empty()) rows_ += count;
}

Table Table::filter(const std::vector<std::uint8_t>& selection) const {
  Table out(schema_);
  for (std::size_t row = 0; row < selection.size(); ++row)
    if (selection[row]) out.append_row(*this, row);
  return out;
}

}  // namespace rankflow::table
