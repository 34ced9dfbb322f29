#include "oracle/table_job_oracle.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "oracle/csv_oracle.hpp"
#include "oracle/expr_oracle.hpp"
#include "rankflow/expr/evaluator.hpp"

namespace rankflow::oracle {
namespace {

void append_value(const ExprValue& value, table::Column& column) {
  if (value.null) {
    column.append_null();
    return;
  }
  switch (column.type()) {
    case table::ColumnType::kFloat64:
      column.append_f64(value.f64);
      break;
    case table::ColumnType::kBool:
      column.append_bool(value.boolean);
      break;
    case table::ColumnType::kString:
      column.append_string(value.str);
      break;
    default:
      column.append_i64(value.i64);
      break;
  }
}

table::ColumnType column_type_of(expr::ValueType type) {
  switch (type) {
    case expr::ValueType::kInt64:
      return table::ColumnType::kInt64;
    case expr::ValueType::kFloat64:
      return table::ColumnType::kFloat64;
    case expr::ValueType::kString:
      return table::ColumnType::kString;
    case expr::ValueType::kDate:
      return table::ColumnType::kDate;
    case expr::ValueType::kTimestamp:
      return table::ColumnType::kTimestamp;
    default:
      return table::ColumnType::kBool;
  }
}

table::Column derive_column(const table::Table& rows, const expr::Expression& expression) {
  std::vector<ExprValue> values;
  for (std::size_t row = 0; row < rows.num_rows(); ++row)
    values.push_back(evaluate_row(expression, rows, row));
  // The static type comes with every value (nulls too); with no rows, ask the binder.
  const table::ColumnType type = values.empty()
                                     ? expr::Evaluator(expression, rows.schema()).column_type()
                                     : column_type_of(values.front().type);
  table::Column column(type);
  for (const ExprValue& value : values) append_value(value, column);
  return column;
}

std::string csv_cell(const table::Column& column, std::size_t row) {
  if (!column.is_valid(row)) return "";
  std::string text = column.format(row);
  if (column.type() != table::ColumnType::kString) return text;
  if (text.empty() || text.find_first_of(",\"\r\n") != std::string::npos) {
    std::string quoted = "\"";
    for (char ch : text) quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return quoted + "\"";
  }
  return text;
}

void append_canonical(const std::string& cell, table::Column& column) {
  if (cell == test::csv_oracle::null_cell()) {
    column.append_null();
    return;
  }
  switch (column.type()) {
    case table::ColumnType::kFloat64:
      column.append_f64(std::stod(cell));
      break;
    case table::ColumnType::kBool:
      column.append_bool(cell == "true");
      break;
    case table::ColumnType::kString:
      column.append_string(cell);
      break;
    default:
      column.append_i64(std::stoll(cell));
      break;
  }
}

bool same_value(const Value& expected, const Value& actual, double tolerance) {
  if (expected.null || actual.null) return expected.null == actual.null;
  if (expected.type != table::ColumnType::kFloat64) return compare(expected, actual) == 0;
  if (std::isnan(expected.d) || std::isnan(actual.d))
    return std::isnan(expected.d) && std::isnan(actual.d);
  const double scale = std::max({1.0, std::fabs(expected.d), std::fabs(actual.d)});
  return std::fabs(expected.d - actual.d) <= tolerance * scale;
}

}  // namespace

table::Table filter_and_derive(const table::Table& input, const JobSpec& spec) {
  table::Table rows(input.schema());
  const std::optional<expr::Expression> where =
      spec.where.empty() ? std::nullopt : std::optional<expr::Expression>(expr::parse(spec.where));
  for (std::size_t row = 0; row < input.num_rows(); ++row) {
    if (where) {
      const ExprValue keep = evaluate_row(*where, input, row);
      if (keep.null || !keep.boolean) continue;
    }
    rows.append_row(input, row);
  }
  for (const auto& [name, text] : spec.derive)
    rows.add_column(name, derive_column(rows, expr::parse(text)));
  return rows;
}

std::string to_csv(const table::Table& table, std::size_t begin, std::size_t end) {
  std::string text;
  for (std::size_t idx = 0; idx < table.num_columns(); ++idx)
    text += (idx == 0 ? "" : ",") + table.schema().field(idx).name;
  text += "\n";
  for (std::size_t row = begin; row < end; ++row) {
    for (std::size_t idx = 0; idx < table.num_columns(); ++idx)
      text += (idx == 0 ? "" : ",") + csv_cell(table.column(idx), row);
    text += "\n";
  }
  return text;
}

table::Table read_csv_output(const std::string& text, const table::Schema& schema) {
  test::csv_oracle::Options options;
  for (const table::Field& field : schema.fields()) options.types.push_back(field.type);
  const test::csv_oracle::Result parsed = test::csv_oracle::read({{"output", text}}, options);
  if (!parsed.error.empty()) throw std::runtime_error("output CSV: " + parsed.error);
  std::vector<std::string> names;
  for (const table::Field& field : schema.fields()) names.push_back(field.name);
  if (parsed.names != names)
    throw std::runtime_error(fmt::format("output CSV header is {}, expected {}",
                                         fmt::join(parsed.names, ","), fmt::join(names, ",")));
  table::Table result(schema);
  for (const std::string& row : parsed.rows) {
    std::size_t begin = 0;
    for (std::size_t idx = 0; idx < schema.size(); ++idx) {
      const std::size_t end = std::min(row.find('\x1f', begin), row.size());
      append_canonical(row.substr(begin, end - begin), result.column(idx));
      begin = end + 1;
    }
  }
  return result;
}

std::string diff_rows(const table::Table& expected, const table::Table& actual, double tolerance) {
  if (!(expected.schema() == actual.schema()))
    return "schema " + actual.schema().describe() + ", expected " + expected.schema().describe();
  if (expected.num_rows() != actual.num_rows())
    return fmt::format("{} rows, expected {}", actual.num_rows(), expected.num_rows());
  for (std::size_t row = 0; row < expected.num_rows(); ++row) {
    for (std::size_t idx = 0; idx < expected.num_columns(); ++idx) {
      const Value want = Value::of(expected.column(idx), row);
      const Value got = Value::of(actual.column(idx), row);
      if (!same_value(want, got, tolerance))
        return fmt::format("row {}, column '{}': {}, expected {}", row,
                           expected.schema().field(idx).name, got.text(), want.text());
    }
  }
  return "";
}

}  // namespace rankflow::oracle
