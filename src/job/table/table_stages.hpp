// The table job's own stages (exec/stage.hpp): reading a source, the per-block filter and
// derive (RowPipeline), and the output with the stdout summary's head. The operators' stages
// are ops/stages.hpp. Internal to job/ (api::Frame uses ReadStage through job/table_files).
#pragma once

#include <memory>
#include <string>

#include "rankflow/exec/pipeline.hpp"
#include "rankflow/exec/stage.hpp"
#include "rankflow/io/table_io.hpp"
#include "rankflow/ops/memory_budget.hpp"
#include "row_pipeline.hpp"
#include "table_bind.hpp"

namespace rankflow::job {

// A source: this rank's part of an input, block by block (with a 2-D dataset's rows when a
// group-by folds them straight: row_major_first).
class ReadStage final : public exec::Stage {
 public:
  explicit ReadStage(io::TableSource& source,
                     std::optional<std::size_t> row_major_first = std::nullopt,
                     std::string phase = "reading the input")
      : Stage("read", std::move(phase)), source_(&source), row_major_(row_major_first) {}
  bool is_source() const override { return true; }
  void produce(const exec::Emit& emit) override;
  exec::Progress progress() const override;
  std::string explain() const override { return "read " + source_->describe(); }

 private:
  io::TableSource* source_;
  std::optional<std::size_t> row_major_;
};

// [filter] and [derive], block by block.
class RowStage final : public exec::Stage {
 public:
  RowStage(RowPipeline& rows, std::string explain)
      : Stage("filter, derive", "reading the input"), rows_(&rows), explain_(std::move(explain)) {}
  exec::Flow consume(exec::Block& block) override;
  std::string explain() const override { return explain_; }

 private:
  RowPipeline* rows_;
  table::Table copy_;  // for a block the stage may not change
  std::string explain_;
};

// The last stage: writes every block to the output (when the job has one) and keeps this
// rank's first rows and its count for the summary on stdout.
class WriteStage final : public exec::Stage {
 public:
  WriteStage(io::TableSink* sink, const table::Schema& schema, std::string phase,
             std::string explain);
  exec::Flow consume(exec::Block& block) override;
  bool breaks() const override { return true; }
  std::optional<table::Table> finish() override;
  std::string explain() const override { return explain_; }

  const table::Table& head() const noexcept { return head_; }
  std::uint64_t rows() const noexcept { return rows_; }

 private:
  io::TableSink* sink_;
  table::Table head_;
  std::uint64_t rows_ = 0;
  std::string explain_;
};

// A bound table job as stages, in the order of docs/pipeline.md: read (or join: build, probe),
// filter/derive, then group-by, distinct, top, sort and limit where the job has them, then
// write. `build`: a join's build side (nullptr without a join). Returns the write stage.
WriteStage& add_table_stages(exec::Pipeline& pipeline, const comm::Communicator& comm,
                             const TablePlan& plan, BoundJob& job, io::TableSource& probe,
                             io::TableSource* build, io::TableSink* sink,
                             const ops::MemoryBudget& memory);

// What `rankflow explain` says of a bound table job before its stages: the ranks, each input
// and the columns read from it (projection), the filter, the join strategy and its rule, the
// memory budget, the output. Collective only in that it asks nothing: local.
std::vector<std::string> explain_table_job(const comm::Communicator& comm,
                                           const RawConfig& config, const TablePlan& plan,
                                           const BoundJob& job, const io::TableSource& probe,
                                           const io::TableSource* build,
                                           const ops::MemoryBudget& memory);

}  // namespace rankflow::job
