#include "table_stages.hpp"

#include <fmt/format.h>

#include "rankflow/job/table_files.hpp"
#include "rankflow/ops/spill.hpp"
#include "rankflow/ops/stages.hpp"
#include "table_summary.hpp"

namespace rankflow::job {

void ReadStage::produce(const exec::Emit& emit) {
  table::Table block;
  while (source_->next(block)) {
    exec::Block out;
    out.table = &block;
    out.owned = &block;
    if (row_major_) out.row_major = source_->row_major(*row_major_);
    stats().bytes_read = source_->stats().bytes;
    if (!emit(out)) break;  // a full limit: this rank reads no further (next() is local)
  }
  stats().bytes_read = source_->stats().bytes;
  stats().rows_in = source_->stats().rows;
}

exec::Progress ReadStage::progress() const {
  return {source_->stats().bytes, source_->total_bytes()};
}

exec::Flow RowStage::consume(exec::Block& block) {
  table::Table* rows = block.owned;
  if (rows == nullptr) {
    copy_ = *block.table;
    rows = &copy_;
  }
  table::Table& out = rows_->process(*rows);
  block.table = &out;
  block.owned = &out;
  block.movable = false;
  return exec::Flow::kNext;
}

WriteStage::WriteStage(io::TableSink* sink, const table::Schema& schema, std::string phase,
                       std::string explain)
    : Stage("write", std::move(phase)), sink_(sink), head_(schema),
      explain_(std::move(explain)) {}

exec::Flow WriteStage::consume(exec::Block& block) {
  const table::Table& rows = *block.table;
  if (sink_ != nullptr) sink_->write(rows);
  rows_ += rows.num_rows();
  for (std::size_t row = 0; row < rows.num_rows() && head_.num_rows() < kTableRows; ++row)
    head_.append_row(rows, row);
  return exec::Flow::kKeep;
}

std::optional<table::Table> WriteStage::finish() {
  if (sink_ != nullptr) sink_->finish();  // collective
  stats().rows_out = rows_;  // written (or summarized)
  return std::nullopt;
}

namespace {

std::string key_list(const std::vector<std::string>& keys) {
  std::string out;
  for (const std::string& key : keys) out += (out.empty() ? "" : ", ") + key;
  return out;
}

std::string sort_text(const std::vector<ops::SortKey>& keys) {
  std::string out;
  for (const ops::SortKey& key : keys)
    out += (out.empty() ? "" : ", ") + key.column + (key.descending ? " desc" : "");
  return out;
}

// The phase of the step after a group-by (`after_groupby`) or after distinct.
const char* next_phase(const TablePlan& plan, const BoundJob& job, bool after_groupby) {
  if (after_groupby && job.distinct) return "distinct";
  if (job.top) return "top";
  if (!plan.output.sort.empty()) return "sort";
  if (job.limit) return "limit";
  return "writing the output";
}

void add_sources(exec::Pipeline& pipeline, const TablePlan& plan, BoundJob& job,
                 io::TableSource& probe, io::TableSource* build) {
  if (!plan.join) {
    pipeline.add(std::make_unique<ReadStage>(probe, job.row_major_first));
    return;
  }
  const std::string strategy = ops::join_strategy_name(plan.join->options.strategy);
  pipeline.add(std::make_unique<ops::JoinBuildStage>(
      *job.join, [build](table::Table& block) { return build->next(block); },
      fmt::format("join: build an index of {} ({} join, strategy {})", build->describe(),
                  ops::join_how_name(plan.join->options.how), strategy)));
  pipeline.add(std::make_unique<ops::JoinProbeStage>(
      *job.join, [&probe](table::Table& block) { return probe.next(block); },
      fmt::format("join: probe it with {}", probe.describe())));
}

}  // namespace

WriteStage& add_table_stages(exec::Pipeline& pipeline, const comm::Communicator& comm,
                             const TablePlan& plan, BoundJob& job, io::TableSource& probe,
                             io::TableSource* build, io::TableSink* sink,
                             const ops::MemoryBudget& memory) {
  // One scratch for every operator that spills (a collective open: every rank is here): a join
  // (a grace hash join), a group-by's partial states, distinct's kept rows, a sort's runs.
  std::shared_ptr<ops::Scratch> scratch;
  if (memory.bytes_per_rank != 0 &&
      (job.join || job.groupby || job.distinct || !plan.output.sort.empty()))
    scratch = ops::Scratch::open(comm, plan.scratch);
  if (job.join && scratch) job.join->spill_to(scratch);
  add_sources(pipeline, plan, job, probe, build);
  std::string rows = plan.where ? "filter" : "";
  if (!plan.derive.empty()) rows += std::string(rows.empty() ? "" : ", ") + "derive";
  pipeline.add(std::make_unique<RowStage>(
      *job.rows, rows.empty() ? "project the columns later steps read" : rows + " each block"));
  if (job.groupby) {
    job.groupby->spill_to({scratch, memory});
    pipeline.add(std::make_unique<ops::GroupByStage>(
        *job.groupby,
        "group-by " + key_list(plan.groupby->keys) +
            ": local hash table, exchange of partial states by key hash" +
            (scratch ? ", spilled to scratch past the budget" : ""),
        scratch != nullptr));
    if (scratch) {
      pipeline.add(std::make_unique<ops::GroupByOutputStage>(
          *job.groupby, next_phase(plan, job, true),
          "group-by: this rank's groups (merged partition by partition when they spilled)"));
    }
  }
  if (job.distinct) {
    if (scratch) job.distinct->spill_to(scratch);
    pipeline.add(std::make_unique<ops::DistinctStage>(
        *job.distinct, "distinct",
        "distinct " +
            (plan.distinct->columns.empty() ? std::string("rows")
                                            : key_list(plan.distinct->columns)) +
            (scratch ? ": kept rows spilled to scratch past the budget" : ""),
        scratch != nullptr));
    if (scratch)
      pipeline.add(std::make_unique<ops::DistinctOutputStage>(
          *job.distinct, next_phase(plan, job, false),
          "distinct: this rank's rows (partition by partition when they spilled)"));
  }
  if (job.top)
    pipeline.add(std::make_unique<ops::TopStage>(
        *job.top, "top", "top",
        fmt::format("top {} by {}", plan.top->k, sort_text(plan.top->by))));
  if (!plan.output.sort.empty()) {
    ops::SortOptions options;
    options.exchange_round_bytes = plan.exchange_round_bytes;
    options.memory = memory;
    options.scratch = scratch;
    const table::Schema& schema = job.groupby ? job.result_schema : job.rows->output_schema();
    auto sorter = std::make_shared<ops::ExternalSort>(comm, schema, plan.output.sort, options);
    pipeline.add(std::make_unique<ops::SortStage>(
        sorter, true, "sort",
        "sort by " + sort_text(plan.output.sort) +
            ": sample sort across ranks, sorted runs spilled to scratch past the budget"));
    pipeline.add(std::make_unique<ops::SortOutputStage>(
        sorter, job.limit ? "limit" : "writing the output", "sort: this rank's rows in order (a merge of the runs when they spilled)"));
  }
  if (job.limit)
    pipeline.add(std::make_unique<ops::LimitStage>(*job.limit, "limit",
                                                   fmt::format("limit {}", *plan.limit)));
  return pipeline.add(std::make_unique<WriteStage>(
      sink, job.result_schema, "writing the output",
      plan.output.path.empty() ? std::string("summary on stdout") : "write " + plan.output.path));
}

std::unique_ptr<exec::Stage> read_stage(io::TableSource& source, std::string phase) {
  return std::make_unique<ReadStage>(source, std::nullopt, std::move(phase));
}

std::unique_ptr<exec::Stage> write_stage(io::TableSink& sink, const table::Schema& schema,
                                         std::string phase) {
  return std::make_unique<WriteStage>(&sink, schema, std::move(phase), "write");
}

}  // namespace rankflow::job
