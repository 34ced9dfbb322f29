// Normalized keys: the bytes that identify a row's key, their hash, and the rank that owns it.
//
// Two rows have the same key exactly when their normalized key bytes are equal, so hash tables
// compare bytes instead of typed values, and every shuffle (group-by, join, distinct) agrees on
// which rank owns a key. Per key column, in key order:
//
//   [u8 present]  then  int64 / date / timestamp   8 bytes (host order; 0 when null)
//                       float64                    8 bytes of the bits, with -0.0 -> +0.0 and
//                                                  every NaN -> one quiet NaN
//                       bool                       1 byte
//                       string                     u32 length, then the bytes ("" when null)
//
// A key of fixed-width columns only has a fixed size (9 bytes for one int64 column); the
// hash is XXH3-64 of the bytes. Nothing here is collective.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "rankflow/table/table.hpp"

namespace rankflow::ops {

std::uint64_t hash_key(const std::uint8_t* key, std::size_t size) noexcept;
// hash_key of the normalized bytes of a one-column 8-byte key: [present][word].
std::uint64_t hash_word_key(bool present, std::uint64_t word) noexcept;

// The rank in [0, ranks) that owns a key: the hash's high 32 bits scaled to the rank count, so
// that hash tables, which index with the low bits, stay evenly filled on the owner.
inline int owner_rank(std::uint64_t hash, int ranks) noexcept {
  return static_cast<int>(((hash >> 32) * static_cast<std::uint64_t>(ranks)) >> 32);
}

// The partition, of `partitions`, of a key on its owner when the owner merges from scratch
// partition by partition (group-by, distinct): the bits below the owner's, so even within one
// owner and apart from the low bits that hash tables index with.
inline std::size_t merge_partition(std::uint64_t hash, std::size_t ranks,
                                   std::size_t partitions) noexcept {
  return static_cast<std::size_t>((((hash >> 32) * ranks * partitions) >> 32) % partitions);
}

class KeyEncoder {
 public:
  KeyEncoder() = default;
  // `key_types` in key order.
  explicit KeyEncoder(std::vector<table::ColumnType> key_types);

  // True when no key column is a string: every key has fixed_width() bytes (0 without keys).
  bool is_fixed() const noexcept { return fixed_; }
  std::size_t fixed_width() const noexcept { return fixed_width_; }
  // The bytes of `rows` normalized keys whose string key columns hold `string_chars` characters
  // in all (a string is [ flag | u32 size | characters ]), e.g. to size a table of keys.
  std::uint64_t encoded_bytes(std::uint64_t rows, std::uint64_t string_chars) const noexcept {
    return rows * fixed_part_ + string_chars;
  }

  // Encodes the keys of every row of `block`, whose columns `key_columns` (indices into the
  // block, in key order) are the keys. Buffers are reused between blocks.
  void encode(const table::Table& block, const std::vector<std::size_t>& key_columns);
  std::size_t rows() const noexcept { return hashes_.size(); }

  // Keys of exactly one 8-byte column (int64, date, timestamp, float64): the fast path skips
  // the key bytes and gives, per row, the value as a word (floats canonical) and whether it is
  // present; hashes() are those of the normalized bytes, as encode() would give.
  bool is_word() const noexcept { return word_; }
  void encode_words(const table::Table& block, std::size_t key_column);
  const std::uint64_t* words() const noexcept { return words_.data(); }
  const std::uint8_t* present() const noexcept { return present_.data(); }
  const std::uint8_t* key(std::size_t row) const noexcept {
    return bytes_.data() + (fixed_ ? row * fixed_width_ : offsets_[row]);
  }
  std::uint32_t key_size(std::size_t row) const noexcept {
    return static_cast<std::uint32_t>(fixed_ ? fixed_width_ : offsets_[row + 1] - offsets_[row]);
  }
  const std::uint64_t* hashes() const noexcept { return hashes_.data(); }

  // Appends the values of one normalized key to `columns` (one per key column, of the key
  // types); returns the end of the key.
  const std::uint8_t* decode(const std::uint8_t* key, std::vector<table::Column>& columns) const;
  // Size of the normalized key starting at `key`.
  std::size_t measure(const std::uint8_t* key) const noexcept;

 private:
  void size_rows(const table::Table& block, const std::vector<std::size_t>& key_columns);

  std::vector<table::ColumnType> types_;
  bool fixed_ = true;
  bool word_ = false;
  std::size_t fixed_width_ = 0;
  std::size_t fixed_part_ = 0;  // per key: every column's flag, fixed value or string size
  std::vector<std::uint64_t> words_;
  std::vector<std::uint8_t> present_;
  std::vector<std::uint8_t> bytes_;
  std::vector<std::uint64_t> offsets_;  // variable width only: rows + 1 entries
  std::vector<std::uint64_t> cursor_;   // variable width only: write position per row
  std::vector<std::uint64_t> hashes_;
};

}  // namespace rankflow::ops
