#include "sort_merge.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <numeric>

#include "rankflow/core/error.hpp"
#include "rankflow/table/row_codec.hpp"
#include "row_order.hpp"

namespace rankflow::ops {
namespace {

using table::ChunkColumn;
using table::ChunkLayout;
using table::Column;
using table::ColumnType;
using table::Table;

std::size_t width_of(ColumnType type) {
  if (type == ColumnType::kBool) return 1;
  return type == ColumnType::kString ? 4 : 8;
}

bool present(const ChunkColumn& column, std::uint64_t row) {
  return column.validity == nullptr || column.validity[row] != std::byte{0};
}

std::uint32_t length_at(const ChunkColumn& column, std::uint64_t row) {
  std::uint32_t length;
  std::memcpy(&length, column.values + row * 4, 4);
  return length;
}

// The received chunks in source order, where each starts among all rows, and where each
// source's run starts (sources without rows have none).
struct Runs {
  std::vector<ChunkLayout> chunks;
  std::vector<std::uint64_t> chunk_start{0};  // chunks.size() + 1 entries
  std::vector<std::uint64_t> run_start{0};
};

Runs scan_runs(const table::Schema& schema, const comm::ExchangeBuffer& recv) {
  Runs runs;
  for (std::size_t source = 0; source < recv.counts.size(); ++source) {
    const std::byte* cursor = recv.data.data() + recv.displs[source];
    const std::byte* end = cursor + recv.counts[source];
    while (cursor < end) {
      runs.chunks.emplace_back();
      cursor = table::scan_chunk(schema, cursor, end, runs.chunks.back());
      runs.chunk_start.push_back(runs.chunk_start.back() + runs.chunks.back().rows);
    }
    if (runs.chunk_start.back() > runs.run_start.back())
      runs.run_start.push_back(runs.chunk_start.back());
  }
  return runs;
}

// Appends every row of a chunk's column to `out` (same type).
void append_chunk_column(const ChunkColumn& in, std::uint64_t rows, Column& out) {
  if (out.type() == ColumnType::kString) {
    const std::byte* chars = in.chars;
    for (std::uint64_t row = 0; row < rows; ++row) {
      const std::uint32_t length = length_at(in, row);
      if (present(in, row))
        out.append_string({reinterpret_cast<const char*>(chars), length});
      else
        out.append_null();
      chars += length;
    }
    return;
  }
  const std::size_t old_rows = out.size();
  const std::size_t width = width_of(out.type());
  out.resize_fixed(old_rows + rows);
  void* target = out.type() == ColumnType::kFloat64 ? static_cast<void*>(out.mutable_f64())
                 : out.type() == ColumnType::kBool  ? static_cast<void*>(out.mutable_u8())
                                                    : static_cast<void*>(out.mutable_i64());
  if (rows == 0) return;
  std::memcpy(static_cast<std::byte*>(target) + old_rows * width, in.values, rows * width);
  if (in.validity != nullptr) std::memcpy(out.mutable_validity() + old_rows, in.validity, rows);
}

// Row i of the output is row rows[i] of chunk chunk_of[i].
struct Placement {
  std::vector<std::uint32_t> chunk_of;
  std::vector<std::uint32_t> rows;
};

template <typename T>
void gather_fixed(const Runs& runs, std::size_t column, const Placement& place, T* out,
                  Column& target) {
  const std::size_t count = place.rows.size();
  for (std::size_t idx = 0; idx < count; ++idx) {
    const ChunkColumn& in = runs.chunks[place.chunk_of[idx]].columns[column];
    std::memcpy(out + idx, in.values + std::size_t{place.rows[idx]} * sizeof(T), sizeof(T));
  }
  for (std::size_t idx = 0; idx < count; ++idx) {
    const ChunkColumn& in = runs.chunks[place.chunk_of[idx]].columns[column];
    if (!present(in, place.rows[idx])) target.set_null(idx);
  }
}

void gather_strings(const Runs& runs, std::size_t column, const Placement& place, Column& out) {
  // Each chunk's character offsets per row (a chunk stores lengths only).
  std::vector<std::vector<std::uint64_t>> offsets(runs.chunks.size());
  std::uint64_t chars = 0;
  for (std::size_t chunk = 0; chunk < runs.chunks.size(); ++chunk) {
    const ChunkColumn& in = runs.chunks[chunk].columns[column];
    std::vector<std::uint64_t>& at = offsets[chunk];
    at.resize(runs.chunks[chunk].rows + 1, 0);
    for (std::uint64_t row = 0; row < runs.chunks[chunk].rows; ++row)
      at[row + 1] = at[row] + length_at(in, row);
    chars += at.back();
  }
  out.reserve(place.rows.size());
  out.reserve_chars(static_cast<std::size_t>(chars));
  for (std::size_t idx = 0; idx < place.rows.size(); ++idx) {
    const std::uint32_t chunk = place.chunk_of[idx];
    const std::uint32_t row = place.rows[idx];
    const ChunkColumn& in = runs.chunks[chunk].columns[column];
    if (!present(in, row)) {
      out.append_null();
      continue;
    }
    const std::uint64_t begin = offsets[chunk][row];
    out.append_string({reinterpret_cast<const char*>(in.chars + begin),
                       static_cast<std::size_t>(offsets[chunk][row + 1] - begin)});
  }
}

void gather_column(const Runs& runs, std::size_t column, const Placement& place, Column& out) {
  switch (out.type()) {
    case ColumnType::kString: gather_strings(runs, column, place, out); return;
    case ColumnType::kFloat64:
      out.resize_fixed(place.rows.size());
      gather_fixed(runs, column, place, out.mutable_f64(), out);
      return;
    case ColumnType::kBool:
      out.resize_fixed(place.rows.size());
      gather_fixed(runs, column, place, out.mutable_u8(), out);
      return;
    default:
      out.resize_fixed(place.rows.size());
      gather_fixed(runs, column, place, out.mutable_i64(), out);
      return;
  }
}

// The merged order of all received rows, by their key columns alone.
Placement merged_placement(const table::Schema& schema, const Runs& runs,
                           const std::vector<std::size_t>& key_columns,
                           const std::vector<SortKey>& sort_keys) {
  table::Schema key_schema;
  for (std::size_t column : key_columns) key_schema.add(schema.field(column));
  Table keys(key_schema);
  for (const ChunkLayout& chunk : runs.chunks)
    for (std::size_t key_idx = 0; key_idx < key_columns.size(); ++key_idx)
      append_chunk_column(chunk.columns[key_columns[key_idx]], chunk.rows, keys.column(key_idx));
  std::vector<std::size_t> key_idx(key_columns.size());
  std::iota(key_idx.begin(), key_idx.end(), std::size_t{0});
  Placement place;
  place.rows = merge_runs(keys, key_idx, sort_keys, runs.run_start);
  place.chunk_of.resize(place.rows.size());
  for (std::size_t idx = 0; idx < place.rows.size(); ++idx) {
    const std::uint64_t row = place.rows[idx];
    const auto after = std::upper_bound(runs.chunk_start.begin(), runs.chunk_start.end(), row);
    const auto chunk = static_cast<std::size_t>(after - runs.chunk_start.begin()) - 1;
    place.chunk_of[idx] = static_cast<std::uint32_t>(chunk);
    place.rows[idx] = static_cast<std::uint32_t>(row - runs.chunk_start[chunk]);
  }
  return place;
}

}  // namespace

std::vector<std::uint32_t> merge_runs(const Table& keys, const std::vector<std::size_t>& key_columns,
                                      const std::vector<SortKey>& sort_keys,
                                      std::vector<std::uint64_t> starts) {
  std::vector<std::uint32_t> order(keys.num_rows());
  std::iota(order.begin(), order.end(), 0u);
  const RowOrder row_order(keys, key_columns, sort_keys);
  auto less = [&](std::uint32_t left, std::uint32_t right) { return row_order.less(left, right); };
  std::vector<std::uint32_t> merged(order.size());
  while (starts.size() > 2) {
    std::vector<std::uint64_t> next{0};
    for (std::size_t run = 0; run + 1 < starts.size(); run += 2) {
      const std::uint64_t middle = starts[run + 1];
      const std::uint64_t end = run + 2 < starts.size() ? starts[run + 2] : starts[run + 1];
      std::merge(order.begin() + static_cast<std::ptrdiff_t>(starts[run]),
                 order.begin() + static_cast<std::ptrdiff_t>(middle),
                 order.begin() + static_cast<std::ptrdiff_t>(middle),
                 order.begin() + static_cast<std::ptrdiff_t>(end),
                 merged.begin() + static_cast<std::ptrdiff_t>(starts[run]), less);
      next.push_back(end);
    }
    order.swap(merged);
    starts.swap(next);
  }
  return order;
}

Table merge_received(const table::Schema& schema, const std::vector<std::size_t>& key_columns,
                     const std::vector<SortKey>& sort_keys, const comm::ExchangeBuffer& recv) {
  const Runs runs = scan_runs(schema, recv);
  const std::uint64_t total = runs.chunk_start.back();
  if (total > std::numeric_limits<std::uint32_t>::max())
    throw DataError("sort: {} rows arrived on one rank, more than 2^32 - 1: use more ranks",
                    total);
  Table out(schema);
  if (runs.run_start.size() <= 2) {  // one run (or none): already in order
    table::decode_all(recv.data.data(), recv.data.data() + recv.data.size(), out);
    return out;
  }
  const Placement place = merged_placement(schema, runs, key_columns, sort_keys);
  for (std::size_t column = 0; column < schema.size(); ++column)
    gather_column(runs, column, place, out.column(column));
  return out;
}

}  // namespace rankflow::ops
