#include "key_encoder.hpp"

#include <cstring>
#include <limits>

#include "rankflow/core/text.hpp"
#include "rankflow/core/error.hpp"

// Inlined: hashing a 9-byte key is a few instructions, and a call per row would dominate.
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace rankflow::ops {
namespace {

using table::Column;
using table::ColumnType;

constexpr std::uint64_t kCanonicalNan = 0x7ff8000000000000ull;

std::size_t width_of(ColumnType type) {
  switch (type) {
    case ColumnType::kBool:
      return 1;
    case ColumnType::kString:
      return 0;
    default:
      return 8;
  }
}

std::uint64_t float_bits(double value) {
  if (value != value) return kCanonicalNan;
  if (value == 0.0) value = 0.0;  // -0.0 and +0.0 are one key
  std::uint64_t bits;
  std::memcpy(&bits, &value, 8);
  return bits;
}

// Where row `row`'s bytes for the current column go: fixed keys are a row-major matrix,
// variable keys advance a cursor per row.
struct FixedPositions {
  std::uint8_t* base;
  std::size_t width;
  std::uint8_t* at(std::size_t row, std::size_t /*bytes*/) const { return base + row * width; }
};
struct CursorPositions {
  std::uint8_t* base;
  std::uint64_t* cursor;
  std::uint8_t* at(std::size_t row, std::size_t bytes) const {
    std::uint8_t* here = base + cursor[row];
    cursor[row] += bytes;
    return here;
  }
};

template <typename Positions>
void encode_column(const Column& column, std::size_t rows, const Positions& positions) {
  const std::uint8_t* valid = column.validity();
  auto present = [valid](std::size_t row) -> std::uint8_t {
    return valid == nullptr ? 1 : (valid[row] != 0 ? 1 : 0);
  };
  switch (column.type()) {
    case ColumnType::kFloat64: {
      const double* values = column.f64();
      for (std::size_t row = 0; row < rows; ++row) {
        std::uint8_t* out = positions.at(row, 9);
        out[0] = present(row);
        const std::uint64_t bits = out[0] != 0 ? float_bits(values[row]) : 0;
        std::memcpy(out + 1, &bits, 8);
      }
      return;
    }
    case ColumnType::kBool: {
      const std::uint8_t* values = column.u8();
      for (std::size_t row = 0; row < rows; ++row) {
        std::uint8_t* out = positions.at(row, 2);
        out[0] = present(row);
        out[1] = out[0] != 0 ? values[row] : 0;
      }
      return;
    }
    case ColumnType::kString: {
      for (std::size_t row = 0; row < rows; ++row) {
        const std::uint8_t is_present = present(row);
        const std::string_view text = is_present != 0 ? column.str(row) : std::string_view();
        const auto length = static_cast<std::uint32_t>(text.size());
        std::uint8_t* out = positions.at(row, 5 + text.size());
        out[0] = is_present;
        std::memcpy(out + 1, &length, 4);
        if (!text.empty()) std::memcpy(out + 5, text.data(), text.size());
      }
      return;
    }
    default: {
      const std::int64_t* values = column.i64();
      for (std::size_t row = 0; row < rows; ++row) {
        std::uint8_t* out = positions.at(row, 9);
        out[0] = present(row);
        const std::int64_t value = out[0] != 0 ? values[row] : 0;
        std::memcpy(out + 1, &value, 8);
      }
      return;
    }
  }
}

}  // namespace

std::uint64_t hash_key(const std::uint8_t* key, std::size_t size) noexcept {
  return XXH3_64bits(key, size);
}

std::uint64_t hash_word_key(bool present, std::uint64_t word) noexcept {
  std::uint8_t key[9];
  key[0] = present ? 1 : 0;
  if (!present) word = 0;
  std::memcpy(key + 1, &word, 8);
  return XXH3_64bits(key, 9);
}

KeyEncoder::KeyEncoder(std::vector<ColumnType> key_types) : types_(std::move(key_types)) {
  word_ = types_.size() == 1 && types_[0] != ColumnType::kString && types_[0] != ColumnType::kBool;
  for (ColumnType type : types_)
    fixed_part_ += 1 + (type == ColumnType::kString ? 4 : width_of(type));
  for (ColumnType type : types_) {
    if (type == ColumnType::kString) {
      fixed_ = false;
      fixed_width_ = 0;
      return;
    }
    fixed_width_ += 1 + width_of(type);
  }
}

void KeyEncoder::size_rows(const table::Table& block, const std::vector<std::size_t>& key_columns) {
  const std::size_t rows = block.num_rows();
  offsets_.assign(rows + 1, 0);
  for (std::size_t row = 0; row < rows; ++row) offsets_[row + 1] = fixed_part_;
  for (std::size_t key_idx = 0; key_idx < types_.size(); ++key_idx) {
    if (types_[key_idx] != ColumnType::kString) continue;
    const Column& column = block.column(key_columns[key_idx]);
    const std::vector<std::uint64_t>& string_offsets = column.offsets();
    for (std::size_t row = 0; row < rows; ++row) {
      const std::uint64_t length =
          column.is_valid(row) ? string_offsets[row + 1] - string_offsets[row] : 0;
      if (length > std::numeric_limits<std::uint32_t>::max())
        throw DataError("a key string of {} is too long (limit 4 GiB)", human_bytes(length));
      offsets_[row + 1] += length;
    }
  }
  for (std::size_t row = 0; row < rows; ++row) offsets_[row + 1] += offsets_[row];
}

void KeyEncoder::encode(const table::Table& block, const std::vector<std::size_t>& key_columns) {
  const std::size_t rows = block.num_rows();
  if (fixed_) {
    bytes_.resize(rows * fixed_width_);
    std::size_t column_offset = 0;
    for (std::size_t key_idx = 0; key_idx < types_.size(); ++key_idx) {
      FixedPositions positions{bytes_.data() + column_offset, fixed_width_};
      encode_column(block.column(key_columns[key_idx]), rows, positions);
      column_offset += 1 + width_of(types_[key_idx]);
    }
  } else {
    size_rows(block, key_columns);
    bytes_.resize(offsets_[rows]);
    cursor_.assign(offsets_.begin(), offsets_.end() - 1);
    CursorPositions positions{bytes_.data(), cursor_.data()};
    for (std::size_t key_idx = 0; key_idx < types_.size(); ++key_idx)
      encode_column(block.column(key_columns[key_idx]), rows, positions);
  }
  hashes_.resize(rows);
  for (std::size_t row = 0; row < rows; ++row) hashes_[row] = hash_key(key(row), key_size(row));
}

void KeyEncoder::encode_words(const table::Table& block, std::size_t key_column) {
  const Column& column = block.column(key_column);
  const std::size_t rows = block.num_rows();
  words_.resize(rows);
  present_.resize(rows);
  hashes_.resize(rows);
  const std::uint8_t* valid = column.validity();
  if (column.type() == ColumnType::kFloat64) {
    const double* values = column.f64();
    for (std::size_t row = 0; row < rows; ++row) words_[row] = float_bits(values[row]);
  } else {
    std::memcpy(words_.data(), column.i64(), rows * 8);
  }
  if (valid == nullptr)
    std::fill(present_.begin(), present_.end(), std::uint8_t{1});
  else
    std::memcpy(present_.data(), valid, rows);
  for (std::size_t row = 0; row < rows; ++row)
    hashes_[row] = hash_word_key(present_[row] != 0, words_[row]);
}

const std::uint8_t* KeyEncoder::decode(const std::uint8_t* key,
                                       std::vector<table::Column>& columns) const {
  for (std::size_t key_idx = 0; key_idx < types_.size(); ++key_idx) {
    Column& column = columns[key_idx];
    const bool present = *key++ != 0;
    switch (types_[key_idx]) {
      case ColumnType::kString: {
        std::uint32_t length;
        std::memcpy(&length, key, 4);
        key += 4;
        if (present)
          column.append_string(std::string_view(reinterpret_cast<const char*>(key), length));
        else
          column.append_null();
        key += length;
        continue;
      }
      case ColumnType::kBool:
        if (present)
          column.append_bool(*key != 0);
        else
          column.append_null();
        key += 1;
        continue;
      case ColumnType::kFloat64: {
        double value;
        std::memcpy(&value, key, 8);
        if (present)
          column.append_f64(value);
        else
          column.append_null();
        key += 8;
        continue;
      }
      default: {
        std::int64_t value;
        std::memcpy(&value, key, 8);
        if (present)
          column.append_i64(value);
        else
          column.append_null();
        key += 8;
        continue;
      }
    }
  }
  return key;
}

std::size_t KeyEncoder::measure(const std::uint8_t* key) const noexcept {
  if (fixed_) return fixed_width_;
  const std::uint8_t* cursor = key;
  for (ColumnType type : types_) {
    cursor += 1;
    if (type == ColumnType::kString) {
      std::uint32_t length;
      std::memcpy(&length, cursor, 4);
      cursor += 4 + length;
    } else {
      cursor += width_of(type);
    }
  }
  return static_cast<std::size_t>(cursor - key);
}

}  // namespace rankflow::ops
