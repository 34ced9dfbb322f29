// Finding an operator's columns by name in a schema, with the ConfigError every operator gives
// for a name that is not there (it lists the columns there are). Nothing here is collective.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "rankflow/core/error.hpp"
#include "rankflow/table/table.hpp"

namespace rankflow::ops {

inline std::string column_names(const table::Schema& schema) {
  std::string names;
  for (const table::Field& field : schema.fields())
    names += (names.empty() ? "" : ", ") + field.name;
  return names;
}

// `what` starts the message: "distinct", "top: per".
inline std::size_t find_column(const table::Schema& schema, const std::string& name,
                               const std::string& what) {
  auto idx = schema.find(name);
  if (!idx)
    throw ConfigError("{}: no column '{}'; the columns are: {}", what, name, column_names(schema));
  return *idx;
}

inline std::vector<std::size_t> find_columns(const table::Schema& schema,
                                             const std::vector<std::string>& names,
                                             const std::string& what) {
  std::vector<std::size_t> columns;
  for (const std::string& name : names) {
    const std::size_t idx = find_column(schema, name, what);
    for (std::size_t seen : columns)
      if (seen == idx) throw ConfigError("{}: the column '{}' is given twice", what, name);
    columns.push_back(idx);
  }
  return columns;
}

}  // namespace rankflow::ops
