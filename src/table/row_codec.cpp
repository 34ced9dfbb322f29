#include "rankflow/table/row_codec.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "rankflow/core/error.hpp"
#include "rankflow/core/text.hpp"

namespace rankflow::table {
namespace {

std::size_t value_width(ColumnType type) {
  switch (type) {
    case ColumnType::kBool:
      return 1;
    case ColumnType::kString:
      return 4;  // the length; characters follow
    default:
      return 8;
  }
}

template <typename T>
std::byte* put(std::byte* out, T value) {
  std::memcpy(out, &value, sizeof(T));
  return out + sizeof(T);
}

template <typename T>
std::byte* gather_fixed(const T* values, const std::uint32_t* rows, std::size_t count,
                        std::byte* out) {
  for (std::size_t idx = 0; idx < count; ++idx) out = put(out, values[rows[idx]]);
  return out;
}

std::byte* encode_strings(const Column& column, const std::uint32_t* rows, std::size_t count,
                          std::byte* out) {
  const std::vector<std::uint64_t>& offsets = column.offsets();
  for (std::size_t idx = 0; idx < count; ++idx) {
    const std::uint64_t length = offsets[rows[idx] + 1] - offsets[rows[idx]];
    if (length > std::numeric_limits<std::uint32_t>::max())
      throw DataError("a string of {} is too long to shuffle (limit 4 GiB)", human_bytes(length));
    out = put(out, static_cast<std::uint32_t>(length));
  }
  const char* chars = column.chars().data();
  for (std::size_t idx = 0; idx < count; ++idx) {
    const std::uint64_t begin = offsets[rows[idx]];
    const std::uint64_t length = offsets[rows[idx] + 1] - begin;
    std::memcpy(out, chars + begin, length);
    out += length;
  }
  return out;
}

std::byte* encode_column(const Column& column, const std::uint32_t* rows, std::size_t count,
                         std::byte* out) {
  const std::uint8_t* validity = column.validity();
  out = put<std::uint8_t>(out, validity != nullptr ? 1 : 0);
  if (validity != nullptr) out = gather_fixed(validity, rows, count, out);
  switch (column.type()) {
    case ColumnType::kFloat64:
      return gather_fixed(column.f64(), rows, count, out);
    case ColumnType::kBool:
      return gather_fixed(column.u8(), rows, count, out);
    case ColumnType::kString:
      return encode_strings(column, rows, count, out);
    default:
      return gather_fixed(column.i64(), rows, count, out);
  }
}

class Reader {
 public:
  Reader(const std::byte* data, const std::byte* end) : data_(data), end_(end) {}
  const std::byte* take(std::uint64_t bytes) {
    if (bytes > static_cast<std::uint64_t>(end_ - data_))
      throw DataError("internal: a row chunk is truncated ({} bytes missing)",
                      bytes - static_cast<std::uint64_t>(end_ - data_));
    const std::byte* here = data_;
    data_ += bytes;
    return here;
  }
  template <typename T>
  T get() {
    T value;
    std::memcpy(&value, take(sizeof(T)), sizeof(T));
    return value;
  }
  const std::byte* position() const { return data_; }

 private:
  const std::byte* data_;
  const std::byte* end_;
};

void decode_strings(Reader& reader, std::size_t rows, const std::byte* validity, Column& out) {
  const std::byte* lengths = reader.take(rows * 4);
  for (std::size_t row = 0; row < rows; ++row) {
    std::uint32_t length;
    std::memcpy(&length, lengths + row * 4, 4);
    const char* chars = reinterpret_cast<const char*>(reader.take(length));
    if (validity != nullptr && validity[row] == std::byte{0})
      out.append_null();
    else
      out.append_string(std::string_view(chars, length));
  }
}

void decode_column(Reader& reader, std::size_t rows, Column& out) {
  const bool has_nulls = reader.get<std::uint8_t>() != 0;
  const std::byte* validity = has_nulls ? reader.take(rows) : nullptr;
  if (out.type() == ColumnType::kString) {
    decode_strings(reader, rows, validity, out);
    return;
  }
  const std::size_t old_rows = out.size();
  const std::size_t width = value_width(out.type());
  const std::byte* values = reader.take(rows * width);
  out.resize_fixed(old_rows + rows);
  void* target = out.type() == ColumnType::kFloat64 ? static_cast<void*>(out.mutable_f64())
                 : out.type() == ColumnType::kBool  ? static_cast<void*>(out.mutable_u8())
                                                    : static_cast<void*>(out.mutable_i64());
  if (rows > 0)
    std::memcpy(static_cast<std::byte*>(target) + old_rows * width, values, rows * width);
  if (has_nulls && rows > 0) std::memcpy(out.mutable_validity() + old_rows, validity, rows);
}

template <typename T>
void take_fixed(const T* values, const std::uint32_t* rows, std::size_t count, T* out) {
  for (std::size_t idx = 0; idx < count; ++idx) out[idx] = values[rows[idx]];
}

Column take_column(const Column& column, const std::uint32_t* rows, std::size_t count) {
  Column out(column.type());
  if (column.type() == ColumnType::kString) {
    out.reserve(count);
    for (std::size_t idx = 0; idx < count; ++idx) out.append_from(column, rows[idx]);
    return out;
  }
  out.resize_fixed(count);
  switch (column.type()) {
    case ColumnType::kFloat64:
      take_fixed(column.f64(), rows, count, out.mutable_f64());
      break;
    case ColumnType::kBool:
      take_fixed(column.u8(), rows, count, out.mutable_u8());
      break;
    default:
      take_fixed(column.i64(), rows, count, out.mutable_i64());
      break;
  }
  if (column.validity() != nullptr && count > 0)
    take_fixed(column.validity(), rows, count, out.mutable_validity());
  return out;
}

}  // namespace

std::uint64_t encoded_size(const Table& table, const std::uint32_t* rows, std::size_t count) {
  std::uint64_t bytes = 8;
  for (std::size_t column_idx = 0; column_idx < table.num_columns(); ++column_idx) {
    const Column& column = table.column(column_idx);
    bytes += 1 + (column.has_nulls() ? count : 0) + count * value_width(column.type());
    if (column.type() != ColumnType::kString) continue;
    const std::vector<std::uint64_t>& offsets = column.offsets();
    for (std::size_t idx = 0; idx < count; ++idx)
      bytes += offsets[rows[idx] + 1] - offsets[rows[idx]];
  }
  return bytes;
}

std::byte* encode_rows(const Table& table, const std::uint32_t* rows, std::size_t count,
                       std::byte* out) {
  out = put<std::uint64_t>(out, count);
  for (std::size_t column_idx = 0; column_idx < table.num_columns(); ++column_idx)
    out = encode_column(table.column(column_idx), rows, count, out);
  return out;
}

const std::byte* decode_rows(const std::byte* data, const std::byte* end, Table& out) {
  Reader reader(data, end);
  const auto rows = static_cast<std::size_t>(reader.get<std::uint64_t>());
  for (std::size_t column_idx = 0; column_idx < out.num_columns(); ++column_idx)
    decode_column(reader, rows, out.column(column_idx));
  return reader.position();
}

void decode_all(const std::byte* data, const std::byte* end, Table& out) {
  while (data < end) data = decode_rows(data, end, out);
}

void encode_partitioned(const Table& table, const std::uint32_t* dest, std::size_t ranks,
                        PartitionedRows& out, std::size_t max_chunk_rows) {
  const std::size_t rows = table.num_rows();
  if (rows > std::numeric_limits<std::uint32_t>::max())
    throw DataError(
        "a block of {} rows is too large to shuffle at once (limit 2^32 - 1 rows "
        "per rank): use more ranks",
        rows);
  std::vector<std::uint64_t> starts(ranks + 1, 0);
  for (std::size_t row = 0; row < rows; ++row) ++starts[dest[row] + 1];
  for (std::size_t rank = 0; rank < ranks; ++rank) starts[rank + 1] += starts[rank];
  out.rows.resize(rows);
  std::vector<std::uint64_t> cursor(starts.begin(), starts.end() - 1);
  for (std::size_t row = 0; row < rows; ++row)
    out.rows[cursor[dest[row]]++] = static_cast<std::uint32_t>(row);

  // Each destination's rows in chunks of at most `most` rows (one chunk when it has none).
  const std::size_t most = std::max<std::size_t>(1, max_chunk_rows);
  auto for_each_chunk = [&](std::size_t rank, const auto& fn) {
    const std::uint64_t end = starts[rank + 1];
    std::uint64_t first = starts[rank];
    do {
      const std::uint64_t count = std::min<std::uint64_t>(most, end - first);
      fn(out.rows.data() + first, static_cast<std::size_t>(count));
      first += count;
    } while (first < end);
  };
  out.counts.assign(ranks, 0);
  std::uint64_t total = 0;
  for (std::size_t rank = 0; rank < ranks; ++rank) {
    for_each_chunk(rank, [&](const std::uint32_t* chunk, std::size_t count) {
      out.counts[rank] += encoded_size(table, chunk, count);
    });
    total += out.counts[rank];
  }
  out.bytes.resize(total);
  std::byte* cursor_out = out.bytes.data();
  for (std::size_t rank = 0; rank < ranks; ++rank)
    for_each_chunk(rank, [&](const std::uint32_t* chunk, std::size_t count) {
      cursor_out = encode_rows(table, chunk, count, cursor_out);
    });
}

const std::byte* scan_chunk(const Schema& schema, const std::byte* data, const std::byte* end,
                            ChunkLayout& layout) {
  Reader reader(data, end);
  layout.rows = reader.get<std::uint64_t>();
  const auto rows = static_cast<std::size_t>(layout.rows);
  layout.columns.assign(schema.size(), ChunkColumn{});
  for (std::size_t column_idx = 0; column_idx < schema.size(); ++column_idx) {
    ChunkColumn& column = layout.columns[column_idx];
    if (reader.get<std::uint8_t>() != 0) column.validity = reader.take(rows);
    const ColumnType type = schema.field(column_idx).type;
    column.values = reader.take(rows * value_width(type));
    if (type != ColumnType::kString) continue;
    std::uint64_t chars = 0;
    for (std::size_t row = 0; row < rows; ++row) {
      std::uint32_t length;
      std::memcpy(&length, column.values + row * 4, 4);
      chars += length;
    }
    column.chars = reader.take(chars);
  }
  return reader.position();
}

Table take(const Table& table, const std::uint32_t* rows, std::size_t count) {
  Table out;
  for (std::size_t column_idx = 0; column_idx < table.num_columns(); ++column_idx)
    out.add_column(table.schema().field(column_idx).name,
                   take_column(table.column(column_idx), rows, count));
  return out;
}

Table take(Table&& table, const std::uint32_t* rows, std::size_t count) {
  Table out;
  for (std::size_t column_idx = 0; column_idx < table.num_columns(); ++column_idx) {
    const Column source = std::move(table.column(column_idx));  // freed after the gather
    out.add_column(table.schema().field(column_idx).name, take_column(source, rows, count));
  }
  table = Table();
  return out;
}

}  // namespace rankflow::table
