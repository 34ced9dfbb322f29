// The warning a table job prints when `on_bad_rows = skip` dropped rows: the count and the
// first few rows by file and line, so that a user can look at them. Internal to job/.
//
//   warning: skipped 2 bad rows (on_bad_rows = skip); the first: data/a.csv: line 7, column
//   'qty': 'x' is not a valid int64; data/b.csv: line 3: 1 field, expected 6 (...)
#pragma once

#include <cstdint>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/io/table_io.hpp"

namespace rankflow::job {

inline constexpr std::size_t kSkippedRowsNamed = 5;

// Collective over `comm` when `total` (the skipped rows of every rank, the same number on
// every rank) is not 0: one allgather of each rank's first examples, once, at the end of the
// reading. The first kSkippedRowsNamed in rank order (the inputs' order) are named.
void warn_skipped_rows(const comm::Communicator& comm, std::uint64_t total,
                       const std::vector<const io::TableSource*>& sources);

}  // namespace rankflow::job
