#include "rankflow/ops/filter.hpp"

#include <cstring>
#include <numeric>

#include "rankflow/core/error.hpp"

namespace rankflow::ops {
namespace {

// Branch-free compaction: every row is written to dst[kept] and `kept` advances only for
// selected rows, so the loop has no unpredictable branch. dst needs one spare slot.
template <typename T>
std::size_t compact(const T* src, const std::uint8_t* selection, std::size_t rows, T* dst) {
  std::size_t kept = 0;
  for (std::size_t row = 0; row < rows; ++row) {
    dst[kept] = src[row];
    kept += selection[row];
  }
  return kept;
}

template <typename T>
void copy_or_compact(const T* src, const std::uint8_t* selection, std::size_t rows, T* dst) {
  if (selection == nullptr) {
    if (rows > 0) std::memcpy(dst, src, rows * sizeof(T));
  } else {
    compact(src, selection, rows, dst);
  }
}

void append_strings(const table::Column& in, const std::uint8_t* selection, table::Column& out) {
  if (selection == nullptr)
    out.append_rows(in, 0, in.size());
  else
    out.append_selected_strings(in, selection);
}

void append_column(const table::Column& in, const std::uint8_t* selection, std::size_t kept,
                   table::Column& out) {
  if (in.type() != out.type())
    throw DataError("internal: append_rows into a {} column from a {} column",
                    table::column_type_name(out.type()), table::column_type_name(in.type()));
  if (in.type() == table::ColumnType::kString) {
    append_strings(in, selection, out);
    return;
  }
  const std::size_t rows = in.size();
  const std::size_t base = out.size();
  out.resize_fixed(base + kept + 1);  // the spare slot compact() writes into
  switch (in.type()) {
    case table::ColumnType::kFloat64:
      copy_or_compact(in.f64(), selection, rows, out.mutable_f64() + base);
      break;
    case table::ColumnType::kBool:
      copy_or_compact(in.u8(), selection, rows, out.mutable_u8() + base);
      break;
    default:
      copy_or_compact(in.i64(), selection, rows, out.mutable_i64() + base);
      break;
  }
  if (in.has_nulls())
    copy_or_compact(in.validity(), selection, rows, out.mutable_validity() + base);
  out.resize_fixed(base + kept);
}

}  // namespace

void append_columns(const table::Table& in, const std::vector<std::size_t>& columns,
                    const std::uint8_t* selection, table::Table& out) {
  if (columns.size() != out.num_columns())
    throw DataError("internal: append_columns of {} columns into {}", columns.size(),
                    out.num_columns());
  const std::size_t rows = in.num_rows();
  const std::size_t kept =
      selection == nullptr ? rows : std::accumulate(selection, selection + rows, std::size_t{0});
  for (std::size_t idx = 0; idx < columns.size(); ++idx)
    append_column(in.column(columns[idx]), selection, kept, out.column(idx));
}

void append_rows(const table::Table& in, const std::uint8_t* selection, table::Table& out) {
  std::vector<std::size_t> columns(in.num_columns());
  std::iota(columns.begin(), columns.end(), std::size_t{0});
  if (in.num_columns() != out.num_columns())
    throw DataError("internal: append_rows from {} columns into {}", in.num_columns(),
                    out.num_columns());
  append_columns(in, columns, selection, out);
}

void select_rows(const table::Table& in, const std::uint8_t* selection, table::Table& out) {
  out.clear();
  append_rows(in, selection, out);
}

}  // namespace rankflow::ops
