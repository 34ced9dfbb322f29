// JoinIndex: a hash join's build side, read-only and position-independent, so that one copy in
// node-shared memory serves every rank of a node (a broadcast join), and the same code serves a
// rank's private share (a shuffle join).
//
// The build rows stay where they arrived, as consecutive row-codec chunks in a data buffer
// (table/row_codec.hpp: one chunk per source rank); they are never decoded as a whole. The
// index is a second buffer, written once by JoinIndexBuilder, then only read:
//
//   header          sizes, and where each section starts (u64 words, from the index start)
//   chunk table     per chunk: first row, rows; per column: where its validity, values and
//                   characters start in the data buffer (kAbsent when missing), and where its
//                   string offsets start in the index
//   string offsets  per chunk and string column: rows + 1 offsets into the data buffer
//   slots           open addressing over groups (distinct keys): [tag:32 | group+1:32], a
//                   power-of-two count, load <= 1/2, linear probing; tag = high hash bits
//   key offsets     variable-width keys: groups + 1 offsets into the key bytes
//   key bytes       each group's normalized key (key_encoder.hpp), padded to 8 bytes
//   group starts    groups + 1: group g's rows are refs[starts[g], starts[g + 1])
//   refs            (chunk << 32 | row) of every build row whose key has no null, grouped by
//                   key, in build order within a group
//
// Offsets, never pointers: each process maps shared memory at its own address. A build row is
// named by its ref, or by its flat number (the chunk's first row + the row). Nothing here is
// collective; the builder is local to one rank (the node's leader for a broadcast join).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "rankflow/table/table.hpp"

namespace rankflow::ops {

inline constexpr std::uint64_t kNoRef = ~std::uint64_t{0};
inline constexpr std::uint32_t kNoRow = ~std::uint32_t{0};

inline std::uint64_t make_ref(std::uint64_t chunk, std::uint64_t row) { return chunk << 32 | row; }

class JoinIndexView {
 public:
  JoinIndexView() = default;
  // `index` must be 8-byte aligned; `data` holds the chunks the index was built over.
  JoinIndexView(const table::Schema& schema, const std::byte* index, const std::byte* data);

  std::uint64_t rows() const noexcept { return rows_; }
  std::uint64_t groups() const noexcept { return groups_; }
  std::uint64_t chunks() const noexcept { return chunks_; }

  // The refs of the build rows whose key is `key` (normalized, with its hash); empty when none.
  std::pair<const std::uint64_t*, const std::uint64_t*> find(const std::uint8_t* key,
                                                             std::uint32_t size,
                                                             std::uint64_t hash) const noexcept {
    const auto tag = static_cast<std::uint32_t>(hash >> 32);
    std::uint64_t pos = hash & slot_mask_;
    for (;;) {
      const std::uint64_t slot = slots_[pos];
      if (slot == 0) return {nullptr, nullptr};
      if (static_cast<std::uint32_t>(slot >> 32) == tag) {
        const std::uint64_t group = (slot & 0xffffffffu) - 1;
        if (key_equals(group, key, size))
          return {refs_ + group_starts_[group], refs_ + group_starts_[group + 1]};
      }
      pos = (pos + 1) & slot_mask_;
    }
  }

  std::uint64_t flat(std::uint64_t ref) const noexcept {
    return chunk_word(ref >> 32, 0) + (ref & 0xffffffffu);
  }
  // The refs of flat rows [begin, end), appended to `refs`.
  void refs_of_range(std::uint64_t begin, std::uint64_t end,
                     std::vector<std::uint64_t>& refs) const;

  // Appends, for each ref, the build row's value of `column` (null for kNoRef) to `out`.
  void gather(std::size_t column, const std::uint64_t* refs, std::size_t count,
              table::Column& out) const;

 private:
  std::uint64_t chunk_word(std::uint64_t chunk, std::uint64_t word) const noexcept {
    return chunk_table_[chunk * chunk_words_ + word];
  }
  bool key_equals(std::uint64_t group, const std::uint8_t* key, std::uint32_t size) const noexcept;
  template <typename Fixed>
  void gather_fixed(std::size_t column, const std::uint64_t* refs, std::size_t count,
                    table::Column& out, Fixed* values) const;

  std::vector<table::ColumnType> types_;
  const std::byte* data_ = nullptr;
  const std::uint64_t* index_ = nullptr;
  std::uint64_t rows_ = 0;
  std::uint64_t chunks_ = 0;
  std::uint64_t groups_ = 0;
  std::uint64_t slot_mask_ = 0;
  std::uint64_t key_width_ = 0;  // 0: variable
  std::uint64_t chunk_words_ = 0;
  const std::uint64_t* chunk_table_ = nullptr;
  const std::uint64_t* slots_ = nullptr;
  const std::uint64_t* key_offsets_ = nullptr;
  const std::uint8_t* keys_ = nullptr;
  const std::uint64_t* group_starts_ = nullptr;
  const std::uint64_t* refs_ = nullptr;
};

// Indexes the build rows held as row-codec chunks in [data, data + size). Local; may throw
// (DataError for a malformed chunk or more than 2^32 - 2 distinct keys).
class JoinIndexBuilder {
 public:
  JoinIndexBuilder(const table::Schema& schema, const std::vector<std::size_t>& key_columns,
                   const std::byte* data, std::uint64_t size);
  ~JoinIndexBuilder();

  std::uint64_t bytes() const noexcept { return total_words_ * 8; }
  // Writes the index (bytes() bytes) to `out`, which must be 8-byte aligned.
  void write(std::byte* out) const;
  std::uint64_t rows() const noexcept { return rows_; }

  // A rough upper bound of the memory the builder and its index take for `rows` build rows,
  // for budgets (checked before the rows are fetched).
  static std::uint64_t estimate_bytes(std::uint64_t rows, std::uint64_t key_width);

 private:
  struct Grouping;
  void scan(const table::Schema& schema, const std::byte* data, std::uint64_t size);
  void group(const table::Schema& schema, const std::vector<std::size_t>& key_columns,
             const std::byte* data);

  std::vector<std::uint64_t> head_;  // header, chunk table, string offsets
  std::uint64_t rows_ = 0;
  std::uint64_t total_words_ = 0;
  std::unique_ptr<Grouping> grouping_;
};

}  // namespace rankflow::ops
