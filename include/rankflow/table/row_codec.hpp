// Row codec: selected rows of a table as one self-contained byte chunk, and back.
//
// Every shuffle of rows (sort, join, distinct) encodes the rows bound for each rank as one
// chunk, sends the chunks through comm::exchange_bytes, and decodes what arrives by appending
// to a table of the same schema. A chunk is columnar, so that encoding and decoding are tight
// loops per column rather than a type switch per value:
//
//   u64 rows
//   for each column, in schema order:
//     u8 has_nulls; if 1: rows validity bytes (1 = present)
//     int64 / date / timestamp / float64:  rows x 8 bytes
//     bool:                                rows x 1 byte
//     string:                              rows x u32 lengths, then the characters
//
// Numbers are in host byte order: every rank of a job runs on the same architecture. Nothing
// here is collective.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "rankflow/table/table.hpp"

namespace rankflow::table {

// Bytes encode_rows will write for these rows.
std::uint64_t encoded_size(const Table& table, const std::uint32_t* rows, std::size_t count);

// Writes rows[0..count) of `table` as one chunk at `out` (encoded_size bytes); returns the end.
std::byte* encode_rows(const Table& table, const std::uint32_t* rows, std::size_t count,
                       std::byte* out);

// Decodes one chunk starting at `data` and appends its rows to `out`, whose schema must be the
// encoder's; returns the end of the chunk. Throws DataError if the chunk runs past `end`.
const std::byte* decode_rows(const std::byte* data, const std::byte* end, Table& out);

// Decodes consecutive chunks in [data, end), appending all their rows to `out`.
void decode_all(const std::byte* data, const std::byte* end, Table& out);

// Encodes the rows of `table` bound for each of `ranks` destinations (dest[row] < ranks) as one
// chunk per destination, consecutive in destination order, ready for comm::exchange_bytes.
// Rows keep their order within a destination. `bytes` and `counts` are reused.
struct PartitionedRows {
  std::vector<std::byte> bytes;
  std::vector<std::uint64_t> counts;  // bytes per destination
  std::vector<std::uint32_t> rows;    // scratch: row indices grouped by destination
};
// With max_chunk_rows, each destination's rows are several chunks of at most that many rows
// (consecutive; decode_all reads them as one), so that a receiver can take them a part at a time.
void encode_partitioned(const Table& table, const std::uint32_t* dest, std::size_t ranks,
                        PartitionedRows& out,
                        std::size_t max_chunk_rows = std::numeric_limits<std::size_t>::max());

// The rows rows[0..count) of `table`, in that order, as a new table (a typed gather).
Table take(const Table& table, const std::uint32_t* rows, std::size_t count);
// The same, releasing each column of `table` once it is gathered (`table` is left empty), so
// that the peak holds one column twice rather than the whole table.
Table take(Table&& table, const std::uint32_t* rows, std::size_t count);

// Reading a chunk in place, without decoding it (a join probes its build side where it
// arrived). The pointers point into the chunk; values are unaligned: read them with memcpy.
struct ChunkColumn {
  const std::byte* validity = nullptr;  // rows bytes, 1 = present; nullptr when no nulls
  const std::byte* values = nullptr;    // fixed-width values, or a string column's u32 lengths
  const std::byte* chars = nullptr;     // string columns: the characters, consecutive
};
struct ChunkLayout {
  std::uint64_t rows = 0;
  std::vector<ChunkColumn> columns;  // in schema order
};
// Scans the chunk at `data`, encoded for `schema`, into `layout`; returns the chunk's end.
// Throws DataError if the chunk runs past `end`.
const std::byte* scan_chunk(const Schema& schema, const std::byte* data, const std::byte* end,
                            ChunkLayout& layout);

}  // namespace rankflow::table
