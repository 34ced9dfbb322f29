// Running a table job: the phases from open inputs to the written output. Internal to job/.
//
//   checking the job config   plan_table_job (local; also what validate_job runs)
//   opening the inputs        open_table_input per input (collective: files, ranges, types)
//   checking columns and types  bind_job (table_bind.hpp): join keys and types, expressions,
//                             derived names, group-by, distinct, top and sort columns against
//                             the inputs' schemas: config errors (exit 2) before any row is read
//   opening the output        the sink's folder is checked before the long part
//   reading                   per block: [join probe], filter, derive, then the first of
//                             group-by/distinct/top/sort/limit consumes it, or it streams to the
//                             sink; a join reads its build side whole first (collective build)
//   finishing                 group-by, distinct, top (one exchange each), sort (sample sort),
//                             limit (one MPI_Exscan), in that order
//   writing                   sink write (local), finish (collective, atomic rename)
//   summary                   row count and, when small, the table on stdout (rank 0)
//
// Every phase is collective over `comm` and agrees on errors (comm::run_phase), so one rank's
// bad row stops every rank cleanly and leaves no output behind. Memory per rank is bounded by
// the block size plus the state of the step that consumes blocks (group-by: distinct keys;
// distinct: distinct keys; top: ~2k rows per group; limit: n rows); a join holds its build
// side, a sort the rank's share of the rows; both check [job] memory_per_rank first.
#pragma once

#include "rankflow/comm/communicator.hpp"
#include "rankflow/job/config.hpp"
#include "rankflow/job/runner.hpp"

namespace rankflow::job {

// Collective over `comm`. Throws an agreed Error on every rank.
void run_table_job(const comm::Communicator& comm, const RawConfig& config,
                   const RunOptions& options);

}  // namespace rankflow::job
