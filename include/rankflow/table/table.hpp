// Schema and Table: a block of rows as named, typed columns.
//
// A Table here is one block of one rank's part of a distributed table: readers produce blocks,
// operators consume them. Column names are unique within a schema.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "rankflow/table/column.hpp"

namespace rankflow::table {

struct Field {
  std::string name;
  ColumnType type;
  bool operator==(const Field& other) const { return name == other.name && type == other.type; }
};

class Schema {
 public:
  Schema() = default;
  explicit Schema(std::vector<Field> fields) : fields_(std::move(fields)) {}

  std::size_t size() const noexcept { return fields_.size(); }
  const Field& field(std::size_t idx) const { return fields_[idx]; }
  const std::vector<Field>& fields() const noexcept { return fields_; }
  std::optional<std::size_t> find(const std::string& name) const;
  void add(Field field) { fields_.push_back(std::move(field)); }
  std::string describe() const;  // "key:int64, value:float64"
  bool operator==(const Schema& other) const { return fields_ == other.fields_; }

 private:
  std::vector<Field> fields_;
};

class Table {
 public:
  Table() = default;
  explicit Table(Schema schema);

  const Schema& schema() const noexcept { return schema_; }
  std::size_t num_rows() const noexcept { return columns_.empty() ? rows_ : columns_[0].size(); }
  std::size_t num_columns() const noexcept { return columns_.size(); }
  const Column& column(std::size_t idx) const { return columns_[idx]; }
  Column& column(std::size_t idx) { return columns_[idx]; }
  // Throws DataError naming the column and the columns there are.
  const Column& column(const std::string& name) const;
  std::size_t column_index(const std::string& name) const;

  void add_column(std::string name, Column column);
  void clear() noexcept;  // every column emptied, capacity kept
  std::size_t memory_bytes() const noexcept;
  // Appends row `row` of `other` (same schema).
  void append_row(const Table& other, std::size_t row);
  // Appends rows [begin, begin + count) of `other` (same schema), column by column in bulk.
  void append_rows(const Table& other, std::size_t begin, std::size_t count);
  // Keeps the rows whose selection byte is non-zero (selection has num_rows() bytes).
  Table filter(const std::vector<std::uint8_t>& selection) const;

 private:
  Schema schema_;
  std::vector<Column> columns_;
  std::size_t rows_ = 0;  // only meaningful for a table without columns
};

}  // namespace rankflow::table
