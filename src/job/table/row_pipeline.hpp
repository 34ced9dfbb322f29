// The per-block part of a table job: [filter] where, then the [derive] columns in order.
// Internal to job/. Local: no MPI.
//
//   block (input schema) ──where──► selection ──copy kept rows of the needed columns──►
//     ──derive the needed columns──► result (needed input columns, then needed derived ones)
//
// Only what a later step reads is copied or computed: with a group-by, the keys, the
// aggregated columns and whatever the derived ones among them are computed from (a projection);
// otherwise every column, as the output holds them all. Buffers are the pipeline's own and
// reused block after block; without a filter the needed input columns are swapped in, not
// copied.
#pragma once

#include <optional>
#include <vector>

#include "rankflow/expr/evaluator.hpp"
#include "rankflow/table/table.hpp"
#include "table_plan.hpp"

namespace rankflow::job {

struct RowCounts {
  std::uint64_t read = 0;  // rows that came in
  std::uint64_t kept = 0;  // rows the filter kept
};

class RowPipeline {
 public:
  // Binds the filter and every derived column to `input` (each derived column also sees the
  // ones before it). Throws ConfigError naming the key: unknown column, wrong types, a derived
  // name that is already a column. `needed`: the columns later steps read (nullptr: all).
  RowPipeline(const RawConfig& config, const TablePlan& plan, const table::Schema& input,
              const std::vector<std::string>* needed);

  // The input's columns, then every derived column: what the config may name.
  const table::Schema& full_schema() const noexcept { return full_schema_; }
  // The columns process() returns: the needed ones, input order then derive order.
  const table::Schema& output_schema() const noexcept { return result_.schema(); }
  // Filters and derives one block. The result is the pipeline's, valid until the next call;
  // `block`'s columns may be swapped with the pipeline's buffers (a source refills it anyway).
  table::Table& process(table::Table& block);
  const RowCounts& counts() const noexcept { return counts_; }
  // The job has a [filter] where (without one, counts().kept is every row read).
  bool has_filter() const noexcept { return where_.has_value(); }
  // The input columns process() reads (the filter's and the needed ones), one flag per input
  // column: what the source must parse (io::TableSource::select_columns).
  const std::vector<bool>& input_columns_read() const noexcept { return read_; }
  // No filter and no derived column: every input row comes out, the needed input columns as
  // they came in (so a later step may read some of them from elsewhere, such as a source's rows).
  bool passes_rows_through() const noexcept { return !where_ && derive_.empty(); }

 private:
  void plan_projection(const TablePlan& plan, const table::Schema& input,
                       const std::vector<std::string>* needed);

  table::Schema full_schema_;
  std::optional<expr::Evaluator> where_;
  std::vector<std::size_t> input_columns_;  // input column of each result column
  std::vector<bool> read_;                  // per input column: read by the filter or kept
  std::vector<expr::Evaluator> derive_;     // the needed derived columns, in order
  table::Table kept_;                       // filtered rows of the needed input columns
  table::Table result_;
  std::vector<std::uint8_t> selection_;
  RowCounts counts_;
};

}  // namespace rankflow::job
