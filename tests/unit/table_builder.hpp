// Building small tables in tests: columns from initializer lists, std::nullopt for null.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rankflow/table/datetime.hpp"
#include "rankflow/table/table.hpp"

namespace rankflow::test {

using OptInt = std::optional<std::int64_t>;
using OptDouble = std::optional<double>;
using OptBool = std::optional<bool>;
using OptString = std::optional<std::string>;

inline table::Column int_column(const std::vector<OptInt>& values,
                                table::ColumnType type = table::ColumnType::kInt64) {
  table::Column column(type);
  for (const OptInt& value : values) value ? column.append_i64(*value) : column.append_null();
  return column;
}
inline table::Column float_column(const std::vector<OptDouble>& values) {
  table::Column column(table::ColumnType::kFloat64);
  for (const OptDouble& value : values) value ? column.append_f64(*value) : column.append_null();
  return column;
}
inline table::Column bool_column(const std::vector<OptBool>& values) {
  table::Column column(table::ColumnType::kBool);
  for (const OptBool& value : values) value ? column.append_bool(*value) : column.append_null();
  return column;
}
inline table::Column string_column(const std::vector<OptString>& values) {
  table::Column column(table::ColumnType::kString);
  for (const OptString& value : values) value ? column.append_string(*value) : column.append_null();
  return column;
}
// ISO dates ("2024-02-29") or nullopt.
inline table::Column date_column(const std::vector<OptString>& values) {
  table::Column column(table::ColumnType::kDate);
  for (const OptString& value : values) {
    std::int64_t days = 0;
    if (value && table::parse_date(*value, &days))
      column.append_i64(days);
    else
      column.append_null();
  }
  return column;
}
inline table::Column timestamp_column(const std::vector<OptString>& values) {
  table::Column column(table::ColumnType::kTimestamp);
  for (const OptString& value : values) {
    std::int64_t micros = 0;
    if (value && table::parse_timestamp(*value, &micros))
      column.append_i64(micros);
    else
      column.append_null();
  }
  return column;
}

struct NamedColumn {
  std::string name;
  table::Column column;
};

inline table::Table make_table(std::vector<NamedColumn> columns) {
  table::Table result;
  for (NamedColumn& named : columns) result.add_column(named.name, std::move(named.column));
  return result;
}

}  // namespace rankflow::test
