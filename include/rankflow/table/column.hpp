// Column: one typed column of a table block, with nulls.
//
// Storage is columnar and flat, as Arrow lays it out, so operators run tight loops:
//
//   int64, date, timestamp   values_i64_  (date: days since 1970-01-01; timestamp:
//                                          microseconds since 1970-01-01T00:00:00Z)
//   float64                  values_f64_
//   bool                     values_u8_   (0 or 1)
//   string                   offsets_ (rows + 1 entries) into chars_: row r is
//                            chars_[offsets_[r], offsets_[r + 1])
//   validity                 valid_: one byte per row, 1 = present; empty = no nulls at all
//
// A null row's value slot holds 0 / 0.0 / "" so that loops may read it without a branch.
// clear() keeps capacity: a reader refills the same columns block after block, which keeps
// memory flat and avoids first-touch page faults.
#pragma once

#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rankflow::table {

namespace detail {
// An allocator whose value-less construct() leaves a number uninitialised, so that
// vector::resize(n) does not zero slots a reader is about to overwrite anyway (zeroing the fixed
// columns of every block was 3% of CSV parsing). resize(n, value) and push_back still write.
template <typename T>
struct OverwriteAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = OverwriteAllocator<U>;
  };
  OverwriteAllocator() noexcept = default;
  template <typename U>
  OverwriteAllocator(const OverwriteAllocator<U>&) noexcept {}  // NOLINT: rebinding
  template <typename U>
  void construct(U* slot) noexcept {
    ::new (static_cast<void*>(slot)) U;
  }
  template <typename U, typename... Args>
  void construct(U* slot, Args&&... args) {
    ::new (static_cast<void*>(slot)) U(std::forward<Args>(args)...);
  }
};
template <typename T>
using ValueVector = std::vector<T, OverwriteAllocator<T>>;
}  // namespace detail

enum class ColumnType : std::uint8_t { kInt64, kFloat64, kBool, kString, kDate, kTimestamp };

std::string_view column_type_name(ColumnType type) noexcept;  // "int64", ..., "timestamp"
bool column_type_from_name(std::string_view name, ColumnType* type) noexcept;
// int64, date and timestamp share the int64 storage.
constexpr bool stores_i64(ColumnType type) {
  return type == ColumnType::kInt64 || type == ColumnType::kDate || type == ColumnType::kTimestamp;
}

class Column {
 public:
  explicit Column(ColumnType type = ColumnType::kInt64) : type_(type) {
    if (type_ == ColumnType::kString) offsets_.push_back(0);
  }

  ColumnType type() const noexcept { return type_; }
  std::size_t size() const noexcept { return size_; }
  bool has_nulls() const noexcept { return !valid_.empty(); }
  bool is_valid(std::size_t row) const noexcept { return valid_.empty() || valid_[row] != 0; }
  std::size_t null_count() const noexcept;

  // Appending (readers, operators). A null appends the type's zero value.
  void append_i64(std::int64_t value) {
    values_i64_.push_back(value);
    ++size_;
    mark_valid();
  }
  void append_f64(double value) {
    values_f64_.push_back(value);
    ++size_;
    mark_valid();
  }
  void append_bool(bool value) {
    values_u8_.push_back(value ? 1 : 0);
    ++size_;
    mark_valid();
  }
  void append_string(std::string_view value) {
    chars_.append(value.data(), value.size());
    offsets_.push_back(chars_.size());
    ++size_;
    mark_valid();
  }
  void append_null();
  // Appends `rows` zero values ("" for strings), not nulls: the filler of a column a reader
  // was told not to parse (io::TableSource::select_columns).
  void append_zeros(std::size_t rows);
  // Appends row `row` of `other` (same type).
  void append_from(const Column& other, std::size_t row);
  // Appends rows [begin, begin + count) of `other` (same type), in bulk.
  void append_rows(const Column& other, std::size_t begin, std::size_t count);
  // Appends the rows of string column `other` whose selection byte is 1 (a filter's copy):
  // one resize of the characters, then plain copies.
  void append_selected_strings(const Column& other, const std::uint8_t* selection);

  // Reading.
  const std::int64_t* i64() const noexcept { return values_i64_.data(); }
  const double* f64() const noexcept { return values_f64_.data(); }
  const std::uint8_t* u8() const noexcept { return values_u8_.data(); }
  std::string_view str(std::size_t row) const noexcept {
    return std::string_view(chars_.data() + offsets_[row], offsets_[row + 1] - offsets_[row]);
  }
  const std::uint8_t* validity() const noexcept { return valid_.empty() ? nullptr : valid_.data(); }

  // Bulk access for code that fills a whole block (evaluators, HDF5 reads): resize, then write
  // through the pointers. Not for strings. New slots of resize_fixed are 0; those of
  // resize_fixed_for_overwrite are left as they are, for a caller that writes every one of them
  // (set_null writes the slot's 0 too).
  void resize_fixed(std::size_t rows);
  void resize_fixed_for_overwrite(std::size_t rows);
  std::int64_t* mutable_i64() noexcept { return values_i64_.data(); }
  double* mutable_f64() noexcept { return values_f64_.data(); }
  std::uint8_t* mutable_u8() noexcept { return values_u8_.data(); }
  // Makes validity explicit (all valid) so it can be written; returns the byte array.
  std::uint8_t* mutable_validity();
  void set_null(std::size_t row);

  // Strings in bulk.
  const std::string& chars() const noexcept { return chars_; }
  // Appends `rows` present strings whose texts end ends[0] <= ends[1] <= ... bytes after the
  // first new character, and returns where those ends[rows - 1] characters go, for the caller
  // to write (readers, filters): one resize instead of a call per string. set_null(row) may
  // follow for rows of length 0.
  char* append_string_space(const std::uint64_t* ends, std::size_t rows);
  // The same in two steps, for a reader that measures its texts while writing their ends:
  // append_string_ends(rows) returns the `rows` new end offsets for the caller to write (each
  // the previous end plus its row's length; the first new row starts at chars().size()), then
  // append_chars(bytes) makes room for the characters of all of them and returns where they go.
  // Between the two calls the column is incomplete.
  std::uint64_t* append_string_ends(std::size_t rows);
  char* append_chars(std::size_t bytes);
  const std::vector<std::uint64_t>& offsets() const noexcept { return offsets_; }

  void clear() noexcept;  // size 0, capacity kept
  void reserve(std::size_t rows);
  void reserve_chars(std::size_t bytes);  // strings: room for this many characters in all
  std::size_t memory_bytes() const noexcept;  // capacity in bytes, for memory budgets

  // The value of one row as text (the results table, messages): "" for null. Dates and
  // timestamps in ISO 8601; floats as the CSV writer writes them (core/text.hpp append_float:
  // 3.0, 0.1, 1e+300).
  std::string format(std::size_t row) const;

 private:
  void mark_valid() {
    if (!valid_.empty()) valid_.push_back(1);
  }

  ColumnType type_;
  std::size_t size_ = 0;
  detail::ValueVector<std::int64_t> values_i64_;
  detail::ValueVector<double> values_f64_;
  detail::ValueVector<std::uint8_t> values_u8_;
  std::vector<std::uint64_t> offsets_;
  std::string chars_;
  std::vector<std::uint8_t> valid_;
};

}  // namespace rankflow::table
