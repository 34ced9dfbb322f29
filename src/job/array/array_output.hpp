// Formatting the results of array reductions (private to job/): CSV lines with one row per
// index of the kept axes, and the small table printed on stdout. Local, no MPI.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rankflow/array/reduce.hpp"

namespace rankflow::job {

// Axes of the input that remain after the reduction (none for all axes).
std::vector<std::size_t> kept_axes(std::size_t rank, std::optional<std::size_t> axis);

// Header names: one per kept axis (row, col, axis2...), then one per function.
std::vector<std::string> result_columns(const std::vector<std::size_t>& kept,
                                        const std::vector<array::ReduceFunction>& functions);

// Appends the text of value `cell` of `column` (floats as the CSV writer writes them: the
// shortest form that reads back exactly, with ".0" when it has no point or exponent; nan,
// inf, -inf).
void append_value(std::string& out, const array::ResultColumn& column, std::size_t cell);

// One row of strings per cell of `result` (index values, then function values), for cells
// [0, limit) of it. `first_cell` is the flat output index of the result's first cell.
std::vector<std::vector<std::string>> result_rows(const array::ReduceResult& result,
                                                  std::uint64_t first_cell, std::size_t limit);

// Appends the CSV lines of every cell of `result`.
void append_csv(std::string& out, const array::ReduceResult& result, std::uint64_t first_cell);

std::string csv_line(const std::vector<std::string>& fields);

// An aligned text table (numbers right-aligned), with a note when rows were left out.
std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows,
                         std::uint64_t total_rows);

}  // namespace rankflow::job
