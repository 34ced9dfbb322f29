#include "rankflow/core/text.hpp"
#include "table_job.hpp"

#include <fmt/format.h>

#include <memory>
#include <optional>

#include "rankflow/comm/phase.hpp"
#include "rankflow/core/log.hpp"
#include "rankflow/ops/filter.hpp"
#include "rankflow/job/csv_config.hpp"
#include "rankflow/ops/memory_budget.hpp"
#include "config/job_report.hpp"
#include "config/output_guard.hpp"
#include "skipped_rows.hpp"
#include "table_bind.hpp"
#include "table_open.hpp"
#include "table_plan.hpp"
#include "table_stages.hpp"
#include "table_summary.hpp"

namespace rankflow::job {
namespace {

// The inputs, opened: one, or a join's two (build: the side held in memory).
struct Inputs {
  std::unique_ptr<io::TableSource> probe;  // the only input, or the streamed side of a join
  std::unique_ptr<io::TableSource> build;
};

// Unread columns are not parsed. A group-by straight over a source's rows (no filter, no
// derived column) folds a 2-D dataset's columns from the rows as read, when its aggregates
// allow (ops::GroupBy::use_row_major); those columns are then not copied out at all.
void select_input_columns(io::TableSource& source, BoundJob& job) {
  std::vector<bool> read = job.rows->input_columns_read();
  if (job.first == FirstStep::kGroupBy && job.rows->passes_rows_through()) {
    const table::Schema& input = source.schema();
    const table::Schema& grouped = job.rows->output_schema();
    for (const io::TableSource::RowMajorRange& range : source.row_major_ranges()) {
      std::vector<ops::GroupBy::RowMajorColumn> columns;
      for (std::size_t offset = 0; offset < range.width; ++offset)
        if (auto column = grouped.find(input.field(range.first + offset).name))
          columns.push_back({*column, offset});
      if (columns.empty() || !job.groupby->use_row_major(columns, range.width)) continue;
      for (std::size_t offset = 0; offset < range.width; ++offset)
        read[range.first + offset] = false;
      job.row_major_first = range.first;
      break;
    }
  }
  source.select_columns(read);
  if (job.row_major_first) source.keep_row_major(*job.row_major_first);
}

// "1 row", "3 rows": counts in log lines.
std::string rows_text(std::uint64_t count) {
  return fmt::format("{} row{}", count, count == 1 ? "" : "s");
}

void log_reading(const comm::Communicator& comm, const io::TableSource& source,
                 const RowPipeline& rows, double seconds) {
  const io::SourceStats stats = source.stats();
  std::uint64_t totals[4] = {rows.counts().read, rows.counts().kept, stats.bytes,
                             stats.skipped_rows};
  comm.allreduce_inplace(totals, 4, comm::ReduceOp::kSum);
  log::info("read {} ({}) from {} in {:.2f} s{}", rows_text(totals[0]),
            human_bytes(totals[2]), source.describe(), seconds,
            rows.has_filter() ? fmt::format("; {} kept by the filter", totals[1]) : "");
  warn_skipped_rows(comm, totals[3], {&source});
}

void log_join(const comm::Communicator& comm, const Inputs& inputs, const BoundJob& job,
              double seconds) {
  const io::SourceStats probe = inputs.probe->stats();
  const io::SourceStats build = inputs.build->stats();
  const RowCounts& counts = job.rows->counts();
  std::uint64_t totals[6] = {probe.rows,  build.rows,  probe.bytes + build.bytes,
                             counts.read, counts.kept, probe.skipped_rows + build.skipped_rows};
  comm.allreduce_inplace(totals, 6, comm::ReduceOp::kSum);
  log::info("joined {} of {} with {} of {} ({}; {} strategy) into {} in {:.2f} s{}",
            rows_text(totals[0]), inputs.probe->describe(), rows_text(totals[1]),
            inputs.build->describe(), human_bytes(totals[2]),
            ops::join_strategy_name(job.join->stats().strategy), rows_text(totals[3]), seconds,
            job.rows->has_filter() ? fmt::format("; {} kept by the filter", totals[4]) : "");
  warn_skipped_rows(comm, totals[5], {inputs.probe.get(), inputs.build.get()});
}

std::string steps_done(const TablePlan& plan) {
  std::string out;
  auto add = [&](bool done, const char* what) {
    if (done) out += (out.empty() ? "" : ", ") + std::string(what);
  };
  add(plan.groupby.has_value(), "grouped");
  add(plan.distinct.has_value(), "distinct rows kept");
  add(plan.top.has_value(), "top rows kept");
  add(!plan.output.sort.empty(), "sorted");
  add(plan.limit.has_value(), "limited");
  return out;
}

// [job] memory_per_rank for join, sort and distinct; auto needs the node's memory, worked out
// only when one of them runs (collective).
ops::MemoryBudget memory_budget(const comm::Communicator& comm, const RawConfig& config,
                                const TablePlan& plan) {
  ops::MemoryBudget budget;
  const ConfigEntry* entry = config.find("job", "memory_per_rank");
  if (entry != nullptr && entry->origin == "--set") budget.origin = "--set job.memory_per_rank";
  if (plan.memory_per_rank) {
    budget.bytes_per_rank = *plan.memory_per_rank;
  } else if (plan.join || plan.distinct || !plan.output.sort.empty()) {
    budget.bytes_per_rank = ops::default_memory_budget(comm);
    budget.origin = "[job] memory_per_rank = auto: the node's available memory over its ranks";
  }
  return budget;
}

Inputs open_inputs(const comm::Communicator& comm, const RawConfig& config,
                   const TablePlan& plan) {
  Inputs inputs;
  if (!plan.join) {
    inputs.probe = open_table_input(comm, config, plan.inputs.front());
    return inputs;
  }
  std::unique_ptr<io::TableSource> left = open_table_input(comm, config, plan.join->left);
  std::unique_ptr<io::TableSource> right = open_table_input(comm, config, plan.join->right);
  const bool build_left = plan.join->options.build_side == ops::JoinSide::kLeft;
  inputs.probe = std::move(build_left ? right : left);
  inputs.build = std::move(build_left ? left : right);
  return inputs;
}

// The job's input files and its output, for refuse_outputs_over_inputs.
void check_outputs(const comm::Communicator& comm, const RawConfig& config,
                   const TablePlan& plan) {
  std::vector<JobFile> inputs;
  for (const std::string& name : plan.inputs) {
    const Section section(config, name);
    inputs.push_back({"[" + name + "] path", section.require("path"),
                      input_format(section) == "csv"});
  }
  refuse_outputs_over_inputs(comm, config, inputs, {{"[output] path", plan.output.path}});
}

// The log lines of a finished pipeline (collective): what was read or joined, the steps after
// it, and the output.
void log_stages(const comm::Communicator& comm, const TablePlan& plan, const BoundJob& job,
                const Inputs& inputs, const exec::Pipeline& pipeline) {
  const auto& stages = pipeline.stages();
  const std::size_t reading = plan.join ? 1 : 0;  // the stage that ends the reading
  const double read_end = stages[reading]->stats().end;
  const double read_seconds = read_end - stages.front()->stats().start;
  if (plan.join)
    log_join(comm, inputs, job, read_seconds);
  else
    log_reading(comm, *inputs.probe, *job.rows, read_seconds);
  const exec::Stage& write = *stages.back();
  if (job.first == FirstStep::kOutput) return;
  const double steps_end = stages[stages.size() - 2]->stats().end;
  log::info("{} in {:.2f} s", steps_done(plan), steps_end - read_end);
  if (!plan.output.path.empty())
    log::info("wrote {} in {:.2f} s", plan.output.path, write.stats().end - steps_end);
}

}  // namespace

void run_table_job(const comm::Communicator& comm, const RawConfig& config,
                   const RunOptions& options) {
  const TablePlan plan =
      comm::run_phase(comm, "checking the job config", [&] { return plan_table_job(config); });
  check_outputs(comm, config, plan);
  Inputs inputs = open_inputs(comm, config, plan);
  const ops::MemoryBudget memory = memory_budget(comm, config, plan);
  BoundJob job = comm::run_phase(comm, "checking columns and types", [&] {
    if (!plan.join) return bind_job(comm, config, plan, inputs.probe->schema(), nullptr, memory);
    const bool build_left = plan.join->options.build_side == ops::JoinSide::kLeft;
    const table::Schema& left = (build_left ? inputs.build : inputs.probe)->schema();
    const table::Schema& right = (build_left ? inputs.probe : inputs.build)->schema();
    return bind_job(comm, config, plan, left, &right, memory);
  });
  if (!plan.join) {
    select_input_columns(*inputs.probe, job);
  } else if (!job.left_read.empty()) {
    const bool build_left = plan.join->options.build_side == ops::JoinSide::kLeft;
    (build_left ? inputs.build : inputs.probe)->select_columns(job.left_read);
    (build_left ? inputs.probe : inputs.build)->select_columns(job.right_read);
  }
  std::unique_ptr<io::TableSink> sink =
      options.explain ? nullptr : open_table_output(comm, config, plan.output, job.result_schema);

  exec::Pipeline pipeline(comm);
  const WriteStage& write = add_table_stages(pipeline, comm, plan, job, *inputs.probe,
                                             inputs.build.get(), sink.get(), memory);
  if (options.explain) {
    return print_explain(comm,
                         explain_table_job(comm, config, plan, job, *inputs.probe,
                                           inputs.build.get(), memory),
                         pipeline);
  }
  run_with_progress(comm, pipeline, options, config);
  log_stages(comm, plan, job, inputs, pipeline);
  print_summary(comm, write.head(), write.rows(), plan.output);
  report_pipeline(comm, pipeline, options);
}

}  // namespace rankflow::job
