// A table job bound to its inputs' schemas: every operator constructed and every column name
// and type checked, before any row is read. Internal to job/.
//
//   inputs' schemas ──[join] plan──► joined schema ──RowPipeline (filter, derive)──►
//     ──[groupby]──► result schema ──[distinct] [top] [sort] [limit]──► output
//
// Binding is local (no MPI): run it inside comm::run_phase, which turns its ConfigErrors
// (naming the file, section and key) into one agreed error, exit code 2.
//
// Only what later steps read is gathered: with a [groupby], the join outputs only the columns
// the filter, the derived columns and the group-by read (JoinOptions::output_columns), and the
// pipeline copies only those. Without one the output holds every column.
#pragma once

#include <memory>
#include <optional>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/ops/distinct.hpp"
#include "rankflow/ops/groupby.hpp"
#include "rankflow/ops/join.hpp"
#include "rankflow/ops/limit.hpp"
#include "rankflow/ops/top_k.hpp"
#include "row_pipeline.hpp"
#include "table_plan.hpp"

namespace rankflow::job {

// The step that consumes the pipeline's blocks as they come: the first of group-by, distinct,
// top, sort (which collects the rows) and limit that the job has; kOutput: the rows stream
// straight to the output (no step holds them).
enum class FirstStep { kGroupBy, kDistinct, kTop, kSort, kLimit, kOutput };

struct BoundJob {
  std::optional<ops::HashJoin> join;
  std::unique_ptr<RowPipeline> rows;
  std::optional<ops::GroupBy> groupby;
  std::optional<ops::Distinct> distinct;
  std::optional<ops::TopK> top;
  std::optional<ops::Limit> limit;
  // A join's inputs: the columns the job reads, one flag per column (keys and the columns
  // behind output_columns); empty: all (io::TableSource::select_columns).
  std::vector<bool> left_read;
  std::vector<bool> right_read;
  table::Schema result_schema;  // after the group-by: what distinct, top, sort and limit see
  // The source's row-major range the group-by folds from whole rows (use_row_major), by its
  // first column; empty: the group-by reads columns only.
  std::optional<std::size_t> row_major_first;
  FirstStep first = FirstStep::kOutput;
};

// `input`: the single input's schema, or the join's (left, right) schemas. Local; throws
// ConfigError naming the key.
BoundJob bind_job(const comm::Communicator& comm, const RawConfig& config, const TablePlan& plan,
                  const table::Schema& input, const table::Schema* right,
                  const ops::MemoryBudget& memory);

}  // namespace rankflow::job
