// The summary a table job prints on stdout when it is done. Internal to job/.
//
//   out/by_category.csv: 6 rows, 4 columns
//   category  region  sum_revenue  count
//   books     north         123.5      7
//   ...
//
// [output] table: auto prints the table when the result has at most kTableRows rows, on prints
// its first kTableRows rows, off only the count (the same rule as array jobs).
#pragma once

#include <cstdint>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/table/table.hpp"
#include "table_plan.hpp"

namespace rankflow::job {

inline constexpr std::size_t kTableRows = 50;

// Collective over `comm`. `head` holds this rank's first rows of the result, in output order
// (at least min(local_rows, kTableRows) of them); `local_rows` counts this rank's rows.
// Rank 0 prints.
void print_summary(const comm::Communicator& comm, const table::Table& head,
                   std::uint64_t local_rows, const OutputPlan& output);

// The rows as an aligned text table: a header line, then one line per row; numbers are
// right-aligned, strings left-aligned (by UTF-8 characters), null shows as "null", control
// characters as escapes (a newline as \n, others as \xNN); then
// "... N more rows" when `total` exceeds the rows shown.
std::string format_rows(const table::Schema& schema,
                        const std::vector<std::vector<std::string>>& rows, std::uint64_t total);

}  // namespace rankflow::job
