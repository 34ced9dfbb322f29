#include "oracle/table_oracle.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "rankflow/comm/exchange.hpp"
#include "rankflow/table/row_codec.hpp"

namespace rankflow::oracle {
namespace {

using ops::AggregateFunction;
using table::ColumnType;

double as_double(const Value& value) {
  return value.type == ColumnType::kFloat64 ? value.d : static_cast<double>(value.i);
}

Value int_value(std::int64_t number) {
  Value value;
  value.null = false;
  value.type = ColumnType::kInt64;
  value.i = number;
  return value;
}

Value double_value(double number) {
  Value value;
  value.null = false;
  value.type = ColumnType::kFloat64;
  value.d = number;
  return value;
}

Value null_value(ColumnType type) {
  Value value;
  value.type = type;
  return value;
}

// The values of one column over a group's rows, non-null only, in input order.
std::vector<Value> present_values(const table::Column& column,
                                  const std::vector<std::size_t>& rows) {
  std::vector<Value> values;
  for (std::size_t row : rows)
    if (column.is_valid(row)) values.push_back(Value::of(column, row));
  return values;
}

Value sum_of(const std::vector<Value>& values, ColumnType type, bool mean) {
  if (values.empty())
    return null_value(mean || type == ColumnType::kFloat64 ? ColumnType::kFloat64
                                                           : ColumnType::kInt64);
  if (type != ColumnType::kFloat64 && !mean) {
    std::int64_t total = 0;
    for (const Value& value : values) total += value.i;
    return int_value(total);
  }
  long double total = 0;
  for (const Value& value : values) total += as_double(value);
  if (mean) total /= static_cast<long double>(values.size());
  return double_value(static_cast<double>(total));
}

Value variance_of(const std::vector<Value>& values, int ddof, bool std_dev) {
  const auto count = static_cast<std::int64_t>(values.size());
  if (count == 0 || count - ddof <= 0) return null_value(ColumnType::kFloat64);
  long double mean = 0;
  for (const Value& value : values) mean += as_double(value);
  mean /= static_cast<long double>(count);
  long double squares = 0;
  for (const Value& value : values)
    squares += (as_double(value) - mean) * (as_double(value) - mean);
  const double variance = static_cast<double>(squares / static_cast<long double>(count - ddof));
  return double_value(std_dev ? std::sqrt(variance) : variance);
}

Value quantile_of(std::vector<Value> values, double p) {
  if (values.empty()) return null_value(ColumnType::kFloat64);
  std::vector<double> numbers;
  for (const Value& value : values) numbers.push_back(as_double(value));
  std::sort(numbers.begin(), numbers.end(),
            [](double a, double b) { return a < b || (std::isnan(b) && !std::isnan(a)); });
  const double position = static_cast<double>(numbers.size() - 1) * p;
  const auto low = static_cast<std::size_t>(std::floor(position));
  const auto high = static_cast<std::size_t>(std::ceil(position));
  if (numbers[low] == numbers[high]) return double_value(numbers[low]);
  return double_value(numbers[low] +
                      (position - static_cast<double>(low)) * (numbers[high] - numbers[low]));
}

Value aggregate(const table::Table& input, const ops::AggregateSpec& spec,
                const std::vector<std::size_t>& rows, int ddof) {
  if (spec.function == AggregateFunction::kCountAll)
    return int_value(static_cast<std::int64_t>(rows.size()));
  const table::Column& column = input.column(spec.column);
  const std::vector<Value> values = present_values(column, rows);
  const ColumnType type = column.type();
  switch (spec.function) {
    case AggregateFunction::kCount:
      return int_value(static_cast<std::int64_t>(values.size()));
    case AggregateFunction::kSum:
      return sum_of(values, type, false);
    case AggregateFunction::kMean:
      return sum_of(values, type, true);
    case AggregateFunction::kVar:
      return variance_of(values, ddof, false);
    case AggregateFunction::kStd:
      return variance_of(values, ddof, true);
    case AggregateFunction::kMin:
      return values.empty() ? null_value(type) : *std::min_element(values.begin(), values.end());
    case AggregateFunction::kMax:
      return values.empty() ? null_value(type) : *std::max_element(values.begin(), values.end());
    case AggregateFunction::kFirst:
      return values.empty() ? null_value(type) : values.front();
    case AggregateFunction::kLast:
      return values.empty() ? null_value(type) : values.back();
    case AggregateFunction::kNunique:
      return int_value(
          static_cast<std::int64_t>(std::set<Value>(values.begin(), values.end()).size()));
    case AggregateFunction::kMedian:
      return quantile_of(values, 0.5);
    case AggregateFunction::kQuantile:
      return quantile_of(values, spec.quantile);
    case AggregateFunction::kCountAll:
      break;
  }
  return null_value(type);
}

bool close(const Value& expected, const Value& actual, double tolerance) {
  if (expected.null != actual.null) return false;
  if (expected.null) return true;
  if (expected.type == ColumnType::kFloat64 && actual.type == ColumnType::kFloat64) {
    if (std::isnan(expected.d) || std::isnan(actual.d))
      return std::isnan(expected.d) && std::isnan(actual.d);
    if (std::isinf(expected.d) || std::isinf(actual.d)) return expected.d == actual.d;
    return std::fabs(expected.d - actual.d) <= tolerance * std::max(1.0, std::fabs(expected.d));
  }
  return expected.type == actual.type && compare(expected, actual) == 0;
}

}  // namespace

Value Value::of(const table::Column& column, std::size_t row) {
  Value value;
  value.type = column.type();
  value.null = !column.is_valid(row);
  if (value.null) return value;
  switch (column.type()) {
    case ColumnType::kFloat64:
      value.d = column.f64()[row];
      break;
    case ColumnType::kBool:
      value.i = column.u8()[row];
      break;
    case ColumnType::kString:
      value.s = std::string(column.str(row));
      break;
    default:
      value.i = column.i64()[row];
      break;
  }
  return value;
}

std::string Value::text() const {
  if (null) return "null";
  switch (type) {
    case ColumnType::kFloat64:
      return fmt::format("{}", d);
    case ColumnType::kString:
      return "\"" + s + "\"";
    default:
      return fmt::format("{}", i);
  }
}

int compare(const Value& left, const Value& right) {
  if (left.null || right.null) return static_cast<int>(right.null) - static_cast<int>(left.null);
  if (left.type == ColumnType::kFloat64) {
    const bool left_nan = std::isnan(left.d);
    const bool right_nan = std::isnan(right.d);
    if (left_nan || right_nan) return static_cast<int>(left_nan) - static_cast<int>(right_nan);
    return (left.d > right.d) - (left.d < right.d);
  }
  if (left.type == ColumnType::kString) {
    const int order = left.s.compare(right.s);
    return (order > 0) - (order < 0);
  }
  return (left.i > right.i) - (left.i < right.i);
}

Row row_of(const table::Table& table, std::size_t row) {
  Row values;
  for (std::size_t column_idx = 0; column_idx < table.num_columns(); ++column_idx)
    values.push_back(Value::of(table.column(column_idx), row));
  return values;
}

std::vector<Row> rows_of(const table::Table& input) {
  std::vector<Row> rows;
  for (std::size_t row = 0; row < input.num_rows(); ++row) rows.push_back(row_of(input, row));
  return rows;
}

GroupResult group_by(const table::Table& input, const ops::GroupByOptions& options) {
  std::map<Row, std::vector<std::size_t>> groups;
  if (options.keys.empty()) groups[Row{}];  // one group of all rows, also of none
  for (std::size_t row = 0; row < input.num_rows(); ++row) {
    Row key;
    for (const std::string& name : options.keys) key.push_back(Value::of(input.column(name), row));
    groups[key].push_back(row);
  }
  GroupResult result;
  for (const auto& [key, rows] : groups) {
    Row values;
    for (const ops::AggregateSpec& spec : options.aggregates)
      values.push_back(aggregate(input, spec, rows, options.ddof));
    result[key] = values;
  }
  return result;
}

GroupResult result_map(const table::Table& output, std::size_t key_count) {
  GroupResult result;
  for (std::size_t row = 0; row < output.num_rows(); ++row) {
    Row all = row_of(output, row);
    Row key(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(key_count));
    Row values(all.begin() + static_cast<std::ptrdiff_t>(key_count), all.end());
    if (result.count(key) != 0) {
      std::string text;
      for (const Value& value : key) text += value.text() + " ";
      throw std::runtime_error("key appears twice in the output: " + text);
    }
    result[key] = values;
  }
  return result;
}

std::string diff(const GroupResult& expected, const GroupResult& actual, double tolerance) {
  auto key_text = [](const Row& key) {
    std::string text = "(";
    for (const Value& value : key) text += (text.size() > 1 ? ", " : "") + value.text();
    return text + ")";
  };
  if (expected.size() != actual.size())
    return fmt::format("{} groups expected, {} found", expected.size(), actual.size());
  for (const auto& [key, values] : expected) {
    auto found = actual.find(key);
    if (found == actual.end()) return "missing group " + key_text(key);
    for (std::size_t idx = 0; idx < values.size(); ++idx)
      if (!close(values[idx], found->second[idx], tolerance))
        return fmt::format("group {} aggregate {}: expected {}, got {}", key_text(key), idx,
                           values[idx].text(), found->second[idx].text());
  }
  return "";
}

std::vector<Row> stable_sort(const table::Table& input, const std::vector<ops::SortKey>& keys) {
  std::vector<Row> rows = rows_of(input);
  std::vector<std::size_t> key_columns;
  for (const ops::SortKey& key : keys) key_columns.push_back(input.column_index(key.column));
  std::stable_sort(rows.begin(), rows.end(), [&](const Row& left, const Row& right) {
    for (std::size_t idx = 0; idx < keys.size(); ++idx) {
      const Value& a = left[key_columns[idx]];
      const Value& b = right[key_columns[idx]];
      if (a.null != b.null) return keys[idx].nulls_first ? a.null : b.null;
      if (a.null) continue;
      const int order = compare(a, b);
      if (order != 0) return keys[idx].descending ? order > 0 : order < 0;
    }
    return false;
  });
  return rows;
}

namespace {

bool keys_match(const Row& left, const std::vector<std::size_t>& left_keys, const Row& right,
                const std::vector<std::size_t>& right_keys) {
  for (std::size_t key_idx = 0; key_idx < left_keys.size(); ++key_idx) {
    const Value& a = left[left_keys[key_idx]];
    const Value& b = right[right_keys[key_idx]];
    if (a.null || b.null || compare(a, b) != 0) return false;
  }
  return true;
}

struct OracleColumn {
  int side;  // 0 left, 1 right, 2 merged key
  std::size_t left = 0;
  std::size_t right = 0;
};

std::vector<OracleColumn> oracle_columns(const table::Schema& left, const table::Schema& right,
                                         const std::vector<std::size_t>& left_keys,
                                         const std::vector<std::size_t>& right_keys, bool left_only,
                                         std::vector<std::string>& names,
                                         const ops::JoinOptions& options) {
  std::vector<OracleColumn> columns;
  std::vector<bool> right_merged(right.size(), false);
  std::vector<bool> left_merged(left.size(), false);
  for (std::size_t key_idx = 0; key_idx < left_keys.size() && !left_only; ++key_idx) {
    if (left.field(left_keys[key_idx]).name != right.field(right_keys[key_idx]).name) continue;
    left_merged[left_keys[key_idx]] = true;
    right_merged[right_keys[key_idx]] = true;
  }
  for (std::size_t idx = 0; idx < left.size(); ++idx) {
    OracleColumn column{left_merged[idx] ? 2 : 0, idx, 0};
    if (left_merged[idx]) column.right = *right.find(left.field(idx).name);
    std::string name = left.field(idx).name;
    if (!left_merged[idx] && !left_only && right.find(name)) name += options.left_suffix;
    names.push_back(name);
    columns.push_back(column);
  }
  for (std::size_t idx = 0; idx < right.size() && !left_only; ++idx) {
    if (right_merged[idx]) continue;
    std::string name = right.field(idx).name;
    if (left.find(name)) name += options.right_suffix;
    names.push_back(name);
    columns.push_back({1, 0, idx});
  }
  return columns;
}

}  // namespace

std::vector<Row> join(const table::Table& left, const table::Table& right,
                      const ops::JoinOptions& options, std::vector<std::string>* names) {
  const std::vector<std::string>& left_names = options.on.empty() ? options.left_on : options.on;
  const std::vector<std::string>& right_names = options.on.empty() ? options.right_on : options.on;
  std::vector<std::size_t> left_keys, right_keys;
  for (const std::string& name : left_names) left_keys.push_back(left.column_index(name));
  for (const std::string& name : right_names) right_keys.push_back(right.column_index(name));
  const ops::JoinHow how = options.how;
  const bool left_only = how == ops::JoinHow::kSemi || how == ops::JoinHow::kAnti;
  std::vector<std::string> out_names;
  const std::vector<OracleColumn> columns = oracle_columns(
      left.schema(), right.schema(), left_keys, right_keys, left_only, out_names, options);
  if (names != nullptr) *names = out_names;

  const std::vector<Row> left_rows = rows_of(left);
  const std::vector<Row> right_rows = rows_of(right);
  auto emit = [&](const Row* l, const Row* r, std::vector<Row>& out) {
    Row row;
    for (const OracleColumn& column : columns) {
      if (column.side == 0 || (column.side == 2 && l != nullptr)) {
        Value value = l != nullptr ? (*l)[column.left] : Value();
        value.type = left.schema().field(column.left).type;
        row.push_back(value);
      } else {
        Value value = r != nullptr ? (*r)[column.right] : Value();
        value.type = right.schema().field(column.right).type;
        row.push_back(value);
      }
    }
    out.push_back(row);
  };
  std::vector<Row> out;
  std::vector<bool> right_matched(right_rows.size(), false);
  for (const Row& l : left_rows) {
    bool any = false;
    for (std::size_t r = 0; r < right_rows.size(); ++r) {
      if (!keys_match(l, left_keys, right_rows[r], right_keys)) continue;
      any = true;
      right_matched[r] = true;
      if (!left_only) emit(&l, &right_rows[r], out);
    }
    if (how == ops::JoinHow::kSemi && any) emit(&l, nullptr, out);
    if (how == ops::JoinHow::kAnti && !any) emit(&l, nullptr, out);
    if ((how == ops::JoinHow::kLeft || how == ops::JoinHow::kFull) && !any) emit(&l, nullptr, out);
  }
  if (how == ops::JoinHow::kRight || how == ops::JoinHow::kFull)
    for (std::size_t r = 0; r < right_rows.size(); ++r)
      if (!right_matched[r]) emit(nullptr, &right_rows[r], out);
  return out;
}

std::vector<Row> sorted(std::vector<Row> rows) {
  std::sort(rows.begin(), rows.end());
  return rows;
}

std::string diff_rows(const std::vector<Row>& expected, const std::vector<Row>& actual) {
  auto text = [](const Row& row) {
    std::string out = "(";
    for (const Value& value : row) out += (out.size() > 1 ? ", " : "") + value.text();
    return out + ")";
  };
  for (std::size_t idx = 0; idx < std::min(expected.size(), actual.size()); ++idx) {
    if (expected[idx].size() != actual[idx].size())
      return fmt::format("row {}: {} columns expected, {} found", idx, expected[idx].size(),
                         actual[idx].size());
    for (std::size_t column = 0; column < expected[idx].size(); ++column)
      if (!(expected[idx][column] == actual[idx][column]) ||
          expected[idx][column].null != actual[idx][column].null)
        return fmt::format("row {}: expected {}, got {}", idx, text(expected[idx]),
                           text(actual[idx]));
  }
  if (expected.size() != actual.size())
    return fmt::format("{} rows expected, {} found", expected.size(), actual.size());
  return "";
}

std::vector<Row> distinct(const table::Table& input, const std::vector<std::string>& columns) {
  std::vector<std::size_t> keys;
  for (const std::string& name : columns) keys.push_back(input.column_index(name));
  if (keys.empty())
    for (std::size_t idx = 0; idx < input.num_columns(); ++idx) keys.push_back(idx);
  std::set<Row> seen;
  std::vector<Row> out;
  for (const Row& row : rows_of(input)) {
    Row key;
    for (std::size_t idx : keys) key.push_back(row[idx]);
    if (seen.insert(key).second) out.push_back(row);
  }
  return out;
}

std::vector<std::vector<Row>> top_k(const table::Table& input, const std::vector<ops::SortKey>& by,
                                    std::uint64_t k, const std::vector<std::string>& per) {
  std::vector<std::size_t> group_columns;
  for (const std::string& name : per) group_columns.push_back(input.column_index(name));
  // Group of each row in input order, then each group's rows in sorted order.
  std::map<Row, std::size_t> group_of;
  std::vector<Row> first_seen;
  for (const Row& row : rows_of(input)) {
    Row key;
    for (std::size_t idx : group_columns) key.push_back(row[idx]);
    if (group_of.emplace(key, group_of.size()).second) first_seen.push_back(key);
  }
  // Without `per` the whole table is one group, also when it has no rows.
  std::vector<std::vector<Row>> groups(std::max<std::size_t>(group_of.size(), per.empty() ? 1 : 0));
  for (const Row& row : stable_sort(input, by)) {
    Row key;
    for (std::size_t idx : group_columns) key.push_back(row[idx]);
    std::vector<Row>& rows = groups[group_of[key]];
    if (rows.size() < k) rows.push_back(row);
  }
  if (k == 0) groups.assign(groups.size(), {});
  return groups;
}

table::Table slice(const table::Table& input, std::size_t begin, std::size_t end) {
  std::vector<std::uint32_t> rows(end - begin);
  std::iota(rows.begin(), rows.end(), static_cast<std::uint32_t>(begin));
  table::Table out = table::take(input, rows.data(), rows.size());
  return out.num_columns() == 0 ? table::Table(input.schema()) : out;
}

table::Table gather_all(const comm::Communicator& comm, const table::Table& local) {
  std::vector<std::uint32_t> rows(local.num_rows());
  std::iota(rows.begin(), rows.end(), 0u);
  const std::uint64_t size = table::encoded_size(local, rows.data(), rows.size());
  const auto ranks = static_cast<std::size_t>(comm.size());
  std::vector<std::byte> send(size * ranks);
  for (std::size_t dest = 0; dest < ranks; ++dest)
    table::encode_rows(local, rows.data(), rows.size(), send.data() + dest * size);
  comm::ExchangeBuffer recv;
  comm::exchange_bytes(comm, send.data(), std::vector<std::uint64_t>(ranks, size), recv);
  table::Table all(local.schema());
  table::decode_all(recv.data.data(), recv.data.data() + recv.data.size(), all);
  return all;
}

table::Table random_table(const table::Schema& schema, std::size_t rows, std::uint64_t seed,
                          double null_rate, std::int64_t distinct, bool nans) {
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<std::int64_t> pick(0, std::max<std::int64_t>(distinct - 1, 0));
  const char* words[] = {"", "a", "b", "ab", "ba", "é", "日本", "zz", "a,b", "x y"};
  table::Table out(schema);
  for (std::size_t row = 0; row < rows; ++row) {
    for (std::size_t column_idx = 0; column_idx < schema.size(); ++column_idx) {
      table::Column& column = out.column(column_idx);
      const std::int64_t choice = pick(random);
      if (unit(random) < null_rate) {
        column.append_null();
        continue;
      }
      switch (column.type()) {
        case ColumnType::kFloat64: {
          double value = static_cast<double>(choice) * 0.25 - 3.0;
          if (choice == 0) value = -0.0;
          if (nans && choice == 1 && distinct > 4) value = std::nan("");
          column.append_f64(value);
          break;
        }
        case ColumnType::kBool:
          column.append_bool(choice % 2 == 1);
          break;
        case ColumnType::kString:
          column.append_string(std::string(words[choice % 10]) +
                               (choice >= 10 ? std::to_string(choice / 10) : ""));
          break;
        case ColumnType::kTimestamp:
          column.append_i64(choice * 1'000'003 - 5'000'000);
          break;
        default:
          column.append_i64(choice - distinct / 3);
          break;
      }
    }
  }
  return out;
}

table::Table with_ids(table::Table input) {
  table::Column ids(table::ColumnType::kInt64);
  for (std::size_t row = 0; row < input.num_rows(); ++row)
    ids.append_i64(static_cast<std::int64_t>(row));
  input.add_column("id", std::move(ids));
  return input;
}

}  // namespace rankflow::oracle
