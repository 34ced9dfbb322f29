#include "rankflow/table/column.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "rankflow/core/error.hpp"
#include "rankflow/core/text.hpp"
#include "rankflow/table/datetime.hpp"

namespace rankflow::table {
namespace {

constexpr std::size_t kShortString = 16;

}  // namespace

std::string_view column_type_name(ColumnType type) noexcept {
  switch (type) {
    case ColumnType::kInt64:
      return "int64";
    case ColumnType::kFloat64:
      return "float64";
    case ColumnType::kBool:
      return "bool";
    case ColumnType::kString:
      return "string";
    case ColumnType::kDate:
      return "date";
    case ColumnType::kTimestamp:
      return "timestamp";
  }
  return "unknown";
}

bool column_type_from_name(std::string_view name, ColumnType* type) noexcept {
  for (ColumnType candidate : {ColumnType::kInt64, ColumnType::kFloat64, ColumnType::kBool,
                               ColumnType::kString, ColumnType::kDate, ColumnType::kTimestamp}) {
    if (column_type_name(candidate) == name) {
      *type = candidate;
      return true;
    }
  }
  return false;
}

std::size_t Column::null_count() const noexcept {
  if (valid_.empty()) return 0;
  return static_cast<std::size_t>(std::count(valid_.begin(), valid_.end(), std::uint8_t{0}));
}

void Column::append_null() {
  if (valid_.empty()) valid_.assign(size_, 1);
  switch (type_) {
    case ColumnType::kFloat64:
      values_f64_.push_back(0.0);
      break;
    case ColumnType::kBool:
      values_u8_.push_back(0);
      break;
    case ColumnType::kString:
      offsets_.push_back(chars_.size());
      break;
    default:
      values_i64_.push_back(0);
      break;
  }
  ++size_;
  valid_.push_back(0);
}

void Column::append_from(const Column& other, std::size_t row) {
  if (!other.is_valid(row)) {
    append_null();
    return;
  }
  switch (type_) {
    case ColumnType::kFloat64:
      append_f64(other.values_f64_[row]);
      break;
    case ColumnType::kBool:
      append_bool(other.values_u8_[row] != 0);
      break;
    case ColumnType::kString:
      append_string(other.str(row));
      break;
    default:
      append_i64(other.values_i64_[row]);
      break;
  }
}

void Column::append_rows(const Column& other, std::size_t begin, std::size_t count) {
  if (count == 0) return;
  const std::size_t old_rows = size_;
  if (type_ == ColumnType::kString) {
    const std::uint64_t first = other.offsets_[begin];
    const std::uint64_t base = chars_.size();
    chars_.append(other.chars_.data() + first, other.offsets_[begin + count] - first);
    for (std::size_t idx = 1; idx <= count; ++idx)
      offsets_.push_back(base + other.offsets_[begin + idx] - first);
    size_ += count;
  } else {
    resize_fixed(old_rows + count);
    switch (type_) {
      case ColumnType::kFloat64:
        std::copy_n(other.values_f64_.data() + begin, count, values_f64_.data() + old_rows);
        break;
      case ColumnType::kBool:
        std::copy_n(other.values_u8_.data() + begin, count, values_u8_.data() + old_rows);
        break;
      default:
        std::copy_n(other.values_i64_.data() + begin, count, values_i64_.data() + old_rows);
        break;
    }
  }
  if (other.has_nulls()) {
    valid_.resize(old_rows, 1);
    valid_.insert(valid_.end(), other.valid_.begin() + static_cast<std::ptrdiff_t>(begin),
                  other.valid_.begin() + static_cast<std::ptrdiff_t>(begin + count));
  } else if (!valid_.empty()) {
    valid_.resize(old_rows + count, 1);
  }
}

void Column::append_selected_strings(const Column& other, const std::uint8_t* selection) {
  if (type_ != ColumnType::kString || other.type_ != ColumnType::kString)
    throw DataError("internal: append_selected_strings on a non-string column");
  const std::uint64_t* offsets = other.offsets_.data();
  std::uint64_t bytes = 0;
  std::size_t kept = 0;
  for (std::size_t row = 0; row < other.size_; ++row) {
    bytes += selection[row] * (offsets[row + 1] - offsets[row]);
    kept += selection[row];
  }
  const bool nulls = other.has_nulls() || has_nulls();
  if (nulls) valid_.resize(size_ + kept + 1, 1);
  // Every row is written and only a kept one advances the cursors, so the loop has no
  // branch on the selection (half the rows of a filter mispredict otherwise); the spare
  // slot takes the writes of dropped rows after the last kept one.
  const std::size_t first = offsets_.size();
  offsets_.resize(first + kept + 1);
  std::size_t at = chars_.size();
  chars_.resize(at + static_cast<std::size_t>(bytes));
  char* dst = chars_.data();
  const char* src = other.chars_.data();
  const std::uint8_t* src_valid = other.validity();
  const std::size_t dst_size = chars_.size();
  const std::size_t src_size = other.chars_.size();
  std::size_t out = 0;
  for (std::size_t row = 0; row < other.size_; ++row) {
    const auto from = static_cast<std::size_t>(offsets[row]);
    const auto length = static_cast<std::size_t>(offsets[row + 1]) - from;
    // Short strings (most keys) move as one 16-byte block when both sides have the room (a
    // dropped row's copy is then overwritten by the next kept one); a long one only when kept.
    if (length <= kShortString && at + kShortString <= dst_size && from + kShortString <= src_size)
      std::memcpy(dst + at, src + from, kShortString);
    else if (selection[row] != 0)
      std::memcpy(dst + at, src + from, length);
    at += selection[row] * length;
    offsets_[first + out] = at;
    if (nulls) valid_[size_ + out] = src_valid == nullptr ? 1 : src_valid[row];
    out += selection[row];
  }
  offsets_.resize(first + kept);
  size_ += kept;
  if (nulls) valid_.resize(size_);
}

char* Column::append_string_space(const std::uint64_t* ends, std::size_t rows) {
  if (type_ != ColumnType::kString)
    throw DataError("internal: append_string_space on a {} column", column_type_name(type_));
  const std::uint64_t base = chars_.size();
  const std::size_t first = offsets_.size();
  offsets_.resize(first + rows);
  for (std::size_t row = 0; row < rows; ++row) offsets_[first + row] = base + ends[row];
  chars_.resize(static_cast<std::size_t>(base) + (rows > 0 ? ends[rows - 1] : 0));
  if (!valid_.empty()) valid_.resize(size_ + rows, 1);
  size_ += rows;
  return chars_.data() + base;
}

std::uint64_t* Column::append_string_ends(std::size_t rows) {
  if (type_ != ColumnType::kString)
    throw DataError("internal: append_string_ends on a {} column", column_type_name(type_));
  const std::size_t first = offsets_.size();
  offsets_.resize(first + rows);
  if (!valid_.empty()) valid_.resize(size_ + rows, 1);
  size_ += rows;
  return offsets_.data() + first;
}

char* Column::append_chars(std::size_t bytes) {
  const std::size_t base = chars_.size();
  chars_.resize(base + bytes);
  return chars_.data() + base;
}

void Column::append_zeros(std::size_t rows) {
  if (type_ == ColumnType::kString) {
    offsets_.resize(offsets_.size() + rows, offsets_.back());
    if (!valid_.empty()) valid_.resize(size_ + rows, 1);
    size_ += rows;
    return;
  }
  resize_fixed(size_ + rows);
}

void Column::resize_fixed(std::size_t rows) {
  switch (type_) {
    case ColumnType::kFloat64:
      values_f64_.resize(rows, 0.0);
      break;
    case ColumnType::kBool:
      values_u8_.resize(rows, 0);
      break;
    case ColumnType::kString:
      throw DataError("internal: resize_fixed on a string column");
    default:
      values_i64_.resize(rows, 0);
      break;
  }
  if (!valid_.empty()) valid_.resize(rows, 1);
  size_ = rows;
}

void Column::resize_fixed_for_overwrite(std::size_t rows) {
  switch (type_) {
    case ColumnType::kFloat64:
      values_f64_.resize(rows);
      break;
    case ColumnType::kBool:
      values_u8_.resize(rows);
      break;
    case ColumnType::kString:
      throw DataError("internal: resize_fixed_for_overwrite on a string column");
    default:
      values_i64_.resize(rows);
      break;
  }
  if (!valid_.empty()) valid_.resize(rows, 1);
  size_ = rows;
}

std::uint8_t* Column::mutable_validity() {
  if (valid_.size() != size_) valid_.assign(size_, 1);
  return valid_.data();
}

void Column::set_null(std::size_t row) {
  mutable_validity()[row] = 0;
  switch (type_) {
    case ColumnType::kFloat64:
      values_f64_[row] = 0.0;
      break;
    case ColumnType::kBool:
      values_u8_[row] = 0;
      break;
    case ColumnType::kString:
      break;  // only meaningful while appending; value kept
    default:
      values_i64_[row] = 0;
      break;
  }
}

void Column::clear() noexcept {
  size_ = 0;
  values_i64_.clear();
  values_f64_.clear();
  values_u8_.clear();
  chars_.clear();
  offsets_.clear();
  if (type_ == ColumnType::kString) offsets_.push_back(0);
  valid_.clear();
}

void Column::reserve_chars(std::size_t bytes) { chars_.reserve(bytes); }

void Column::reserve(std::size_t rows) {
  switch (type_) {
    case ColumnType::kFloat64:
      values_f64_.reserve(rows);
      break;
    case ColumnType::kBool:
      values_u8_.reserve(rows);
      break;
    case ColumnType::kString:
      offsets_.reserve(rows + 1);
      break;
    default:
      values_i64_.reserve(rows);
      break;
  }
}

std::size_t Column::memory_bytes() const noexcept {
  return values_i64_.capacity() * 8 + values_f64_.capacity() * 8 + values_u8_.capacity() +
         offsets_.capacity() * 8 + chars_.capacity() + valid_.capacity();
}

std::string Column::format(std::size_t row) const {
  if (!is_valid(row)) return "";
  switch (type_) {
    case ColumnType::kInt64:
      return fmt::format("{}", values_i64_[row]);
    case ColumnType::kFloat64:
      return format_float(values_f64_[row]);
    case ColumnType::kBool:
      return values_u8_[row] ? "true" : "false";
    case ColumnType::kString:
      return std::string(str(row));
    case ColumnType::kDate:
      return format_date(values_i64_[row]);
    case ColumnType::kTimestamp:
      return format_timestamp(values_i64_[row]);
  }
  return "";
}

}  // namespace rankflow::table
