// Typed access to column values for aggregators and sorting: one template per storage type
// (int64 for int64/date/timestamp, double, uint8_t for bool, std::string), so that loops are
// written once and compiled per type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "rankflow/table/column.hpp"
#include "state_bytes.hpp"

namespace rankflow::ops {

// NaN orders above every other double (and equals itself), as in DuckDB and PostgreSQL, so
// that min, max, sort and quantiles are total orders.
inline bool total_less(double left, double right) noexcept {
  return left < right || (right != right && left == left);
}

template <typename T>
struct Values;

template <>
struct Values<std::int64_t> {
  explicit Values(const table::Column& column) : data(column.i64()) {}
  std::int64_t operator[](std::size_t row) const { return data[row]; }
  const std::int64_t* data;
};

template <>
struct Values<double> {
  explicit Values(const table::Column& column) : data(column.f64()) {}
  double operator[](std::size_t row) const { return data[row]; }
  const double* data;
};

template <>
struct Values<std::uint8_t> {
  explicit Values(const table::Column& column) : data(column.u8()) {}
  std::uint8_t operator[](std::size_t row) const { return data[row]; }
  const std::uint8_t* data;
};

template <>
struct Values<std::string> {
  explicit Values(const table::Column& column) : column_(&column) {}
  std::string_view operator[](std::size_t row) const { return column_->str(row); }
  const table::Column* column_;
};

// How far ahead update loops prefetch the state of a row's group.
inline constexpr std::size_t kPrefetchRows = 16;

// Calls fn(row) for every row in [0, rows) whose value is present.
template <typename Fn>
inline void for_each_present(const table::Column& column, std::size_t rows, Fn&& fn) {
  const std::uint8_t* valid = column.validity();
  if (valid == nullptr) {
    for (std::size_t row = 0; row < rows; ++row) fn(row);
  } else {
    for (std::size_t row = 0; row < rows; ++row)
      if (valid[row] != 0) fn(row);
  }
}

template <typename T, typename V>
inline bool value_less(const V& left, const T& right) {
  if constexpr (std::is_same_v<T, double>) {
    return total_less(left, right);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return std::string_view(left) < std::string_view(right);
  } else {
    return left < right;
  }
}

template <typename T, typename V>
inline bool value_greater(const V& left, const T& right) {
  if constexpr (std::is_same_v<T, double>) {
    return total_less(right, left);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return std::string_view(right) < std::string_view(left);
  } else {
    return right < left;
  }
}

template <typename T, typename V>
inline void assign_value(T& slot, const V& value) {
  if constexpr (std::is_same_v<T, std::string>)
    slot.assign(value.data(), value.size());
  else
    slot = value;
}

template <typename T>
inline std::size_t value_size(const T& value) {
  if constexpr (std::is_same_v<T, std::string>)
    return 4 + value.size();
  else
    return sizeof(T);
}

template <typename T>
inline std::byte* write_value(std::byte* out, const T& value) {
  if constexpr (std::is_same_v<T, std::string>)
    return bytes::put_string(out, value);
  else
    return bytes::put(out, value);
}

// The value at `in` (advancing it): a std::string_view into the buffer for strings.
template <typename T>
inline auto read_value(const std::byte*& in) {
  if constexpr (std::is_same_v<T, std::string>)
    return bytes::get_string(in);
  else
    return bytes::get<T>(in);
}

template <typename T>
inline void append_value(table::Column& column, const T& value) {
  if constexpr (std::is_same_v<T, std::string>)
    column.append_string(value);
  else if constexpr (std::is_same_v<T, double>)
    column.append_f64(value);
  else if constexpr (std::is_same_v<T, std::uint8_t>)
    column.append_bool(value != 0);
  else
    column.append_i64(value);
}

// Calls fn(T{}) with the storage type of a column type.
template <typename Fn>
decltype(auto) visit_storage(table::ColumnType type, Fn&& fn) {
  switch (type) {
    case table::ColumnType::kFloat64:
      return fn(double{});
    case table::ColumnType::kBool:
      return fn(std::uint8_t{});
    case table::ColumnType::kString:
      return fn(std::string{});
    default:
      return fn(std::int64_t{});
  }
}

}  // namespace rankflow::ops
