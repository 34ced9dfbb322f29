// Row selection and bulk appends: the copy at the heart of [filter] and of collecting rows.
//
//   std::vector<std::uint8_t> selection;          // 1 = keep, from expr::Evaluator::select
//   where.select(block, selection);
//   ops::select_rows(block, selection.data(), kept);   // kept rows, in order
//
// One typed loop per column (no per-value type switch as Table::append_row has): fixed-width
// columns and validity are compacted branch-free, strings copy their bytes. Output tables are
// reused: clear() keeps capacity, so a block loop allocates nothing after the first blocks.
// Local: no MPI.
#pragma once

#include <cstdint>
#include <vector>

#include "rankflow/table/table.hpp"

namespace rankflow::ops {

// Appends the rows of `in` whose selection byte is 1 (selection: in.num_rows() bytes of 0 or 1;
// nullptr: every row) to `out`, whose columns must have the types of `in`'s, in order.
void append_rows(const table::Table& in, const std::uint8_t* selection, table::Table& out);

// `out` cleared, then append_rows.
void select_rows(const table::Table& in, const std::uint8_t* selection, table::Table& out);

// As append_rows, for the columns `columns` of `in` only (a projection): column k of `out`
// receives column columns[k] of `in`. Columns no one reads later are never copied.
void append_columns(const table::Table& in, const std::vector<std::size_t>& columns,
                    const std::uint8_t* selection, table::Table& out);

}  // namespace rankflow::ops
