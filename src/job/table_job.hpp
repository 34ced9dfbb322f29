// Running a table job: the phases from an open input to the written output. Internal to job/.
//
//   checking the job config   plan_table_job (local; also what validate_job runs)
//   opening the input         io::open_csv_source (collective: files, ranges, types)
//   checking columns and types  expressions, derived names, group-by, sort keys against the
//                             input's schema: config errors (exit 2) before any row is read
//   opening the output        the sink's folder is checked before the long part
//   reading                   per block: filter, derive, then group-by consume (local state)
//                             or rows streamed to the sink; no collective inside
//   grouping                  GroupBy::finish (one exchange of partial states)
//   sorting                   ops::sort (sample sort), when [output] sort is given
//   writing                   sink write (local), finish (collective, atomic rename)
//   summary                   row count and, when small, the table on stdout (rank 0)
//
// Every phase is collective over `comm` and agrees on errors (comm::run_phase), so one rank's
// bad row stops every rank cleanly and leaves no output behind. Memory per rank is bounded by
// the block size plus the group-by's state (it grows with distinct keys, not rows); only
// `[output] sort` without a group-by holds the rank's whole share of the rows.
#pragma once

#include "rankflow/comm/communicator.hpp"
#include "rankflow/job/config.hpp"

namespace rankflow::job {

// Collective over `comm`. Throws an agreed Error on every rank.
void run_table_job(const comm::Communicator& comm, const RawConfig& config);

}  // namespace rankflow::job
