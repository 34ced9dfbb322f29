// The value of one expression node over one block, and the accessors the kernels loop with.
// Internal to expr/.
//
//   Vector (rows values)            Vector (constant: one value for every row)
//   i64/f64/u8 ──► [v0 v1 ... vn]    i64/f64/u8 ──► [v]
//   valid      ──► [1  0  ... 1 ]    valid      ──► nullptr (or [0] for a null constant)
//   strings    ──► Column           str = "misc"
//
// A node's Vector points either into the block (a column reference: no copy) or into buffers
// the node owns; it stays valid until that node is evaluated again.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "rankflow/expr/evaluator.hpp"
#include "rankflow/table/column.hpp"

namespace rankflow::expr {

struct Vector {
  bool constant = false;
  const std::int64_t* i64 = nullptr;       // int64, date (days), timestamp (microseconds)
  const double* f64 = nullptr;             // float64
  const std::uint8_t* u8 = nullptr;        // bool: 0 or 1
  const table::Column* strings = nullptr;  // string rows (not constant)
  std::string_view str;                    // string constant
  const std::uint8_t* valid = nullptr;     // nullptr: no nulls; else 1 = present
};

// Scratch memory a node writes its result into: resized per block, capacity kept.
struct Buffers {
  std::vector<std::int64_t> i64;
  std::vector<double> f64;
  std::vector<std::uint8_t> u8;
  std::vector<std::uint8_t> valid;
};

// Storage class of a value type: how the kernels see it.
enum class Storage : std::uint8_t { kI64, kF64, kU8, kString };

constexpr Storage storage_of(ValueType type) {
  switch (type) {
    case ValueType::kFloat64:
      return Storage::kF64;
    case ValueType::kBool:
      return Storage::kU8;
    case ValueType::kString:
      return Storage::kString;
    default:
      return Storage::kI64;  // int64, date, timestamp (and the null constant)
  }
}

// Accessors: the same loop body reads a column (Flat) or a constant (Same).
template <typename T>
struct Flat {
  const T* data;
  T operator[](std::size_t row) const { return data[row]; }
};
template <typename T>
struct Same {
  T value;
  T operator[](std::size_t) const { return value; }
};
struct FlatStr {
  const char* chars;
  const std::uint64_t* offsets;
  std::string_view operator[](std::size_t row) const {
    return {chars + offsets[row], static_cast<std::size_t>(offsets[row + 1] - offsets[row])};
  }
};
struct SameStr {
  std::string_view value;
  std::string_view operator[](std::size_t) const { return value; }
};

template <typename T>
const T* data_of(const Vector& vector);
template <>
inline const std::int64_t* data_of(const Vector& vector) {
  return vector.i64;
}
template <>
inline const double* data_of(const Vector& vector) {
  return vector.f64;
}
template <>
inline const std::uint8_t* data_of(const Vector& vector) {
  return vector.u8;
}

// Calls fn(accessor) with Flat<T> or Same<T>.
template <typename T, typename Fn>
void with_accessor(const Vector& vector, Fn&& fn) {
  if (vector.constant)
    fn(Same<T>{data_of<T>(vector)[0]});
  else
    fn(Flat<T>{data_of<T>(vector)});
}

template <typename Fn>
void with_str_accessor(const Vector& vector, Fn&& fn) {
  if (vector.constant)
    fn(SameStr{vector.str});
  else
    fn(FlatStr{vector.strings->chars().data(), vector.strings->offsets().data()});
}

// Calls fn(left_accessor, right_accessor); T is the element type (or std::string_view).
template <typename T, typename Fn>
void with_accessors(const Vector& left, const Vector& right, Fn&& fn) {
  auto outer = [&](auto lhs) {
    if constexpr (std::is_same_v<T, std::string_view>)
      with_str_accessor(right, [&](auto rhs) { fn(lhs, rhs); });
    else
      with_accessor<T>(right, [&](auto rhs) { fn(lhs, rhs); });
  };
  if constexpr (std::is_same_v<T, std::string_view>)
    with_str_accessor(left, outer);
  else
    with_accessor<T>(left, outer);
}

// Validity of a null-propagating operation: nullptr when neither side has nulls, else `out`
// holding left & right. Constants are never null here (the binder folds null constants).
const std::uint8_t* and_validity(const Vector& left, const Vector& right, std::size_t rows,
                                 std::vector<std::uint8_t>& out);

// `mask` (1 = keep) combined with `base` validity (may be nullptr) into `out`; returns nullptr
// when every row is valid, so that results without nulls carry no validity array.
const std::uint8_t* mask_validity(const std::uint8_t* base, std::vector<std::uint8_t>& mask,
                                  std::size_t rows);

}  // namespace rankflow::expr
