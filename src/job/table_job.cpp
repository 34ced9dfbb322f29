#include "table_job.hpp"

#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <optional>

#include "rankflow/comm/phase.hpp"
#include "rankflow/core/log.hpp"
#include "rankflow/job/schema.hpp"
#include "rankflow/ops/filter.hpp"
#include "row_pipeline.hpp"
#include "table_io.hpp"
#include "table_plan.hpp"
#include "table_summary.hpp"

namespace rankflow::job {
namespace {

// The job bound to its input's schema: everything that can be checked before reading.
struct BoundJob {
  RowPipeline rows;
  std::optional<ops::GroupBy> groupby;
  table::Schema result_schema;
};

// What the reading phase leaves behind.
struct ReadResult {
  table::Table rows;           // every row (for a sort without group-by) or the first rows
  std::uint64_t streamed = 0;  // rows written straight to the output
};

bool streams(const TablePlan& plan) { return !plan.groupby && plan.output.sort.empty(); }

std::string join_list(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

std::vector<std::string> names_of(const table::Schema& schema) {
  std::vector<std::string> names;
  for (const table::Field& field : schema.fields()) names.push_back(field.name);
  return names;
}

// " (did you mean 'category'?); the columns are: ..." for a name that is not a column.
std::string unknown_column_hint(const std::string& name, const table::Schema& schema) {
  const std::vector<std::string> names = names_of(schema);
  std::string hint;
  for (const std::string& candidate : names)
    if (edit_distance(name, candidate) <= 2 && hint.empty())
      hint = " (did you mean '" + candidate + "'?)";
  return hint + "; the columns are: " + join_list(names);
}

// Group keys and aggregated columns must be columns of the input or derived ones. Checked
// here, against every column, because the group-by itself sees only the needed ones.
void check_group_columns(const RawConfig& config, const ops::GroupByOptions& options,
                         const table::Schema& schema) {
  for (const std::string& key : options.keys)
    if (!schema.find(key))
      throw key_error(config, "groupby", "keys",
                      fmt::format("no column '{}'{}", key, unknown_column_hint(key, schema)));
  for (const ops::AggregateSpec& spec : options.aggregates)
    if (!spec.column.empty() && !schema.find(spec.column))
      throw key_error(
          config, "groupby", "aggregate",
          fmt::format("{}({}): no column '{}'{}", ops::aggregate_function_name(spec.function),
                      spec.column, spec.column, unknown_column_hint(spec.column, schema)));
}

std::vector<std::string> group_columns(const ops::GroupByOptions& options) {
  std::vector<std::string> names = options.keys;
  for (const ops::AggregateSpec& spec : options.aggregates)
    if (!spec.column.empty()) names.push_back(spec.column);
  return names;
}

BoundJob bind_job(const comm::Communicator& comm, const RawConfig& config, const TablePlan& plan,
                  const table::Schema& input) {
  const std::vector<std::string> needed =
      plan.groupby ? group_columns(*plan.groupby) : std::vector<std::string>{};
  BoundJob job{
      RowPipeline(config, plan, input, plan.groupby ? &needed : nullptr), std::nullopt, {}};
  if (plan.groupby) {
    check_group_columns(config, *plan.groupby, job.rows.full_schema());
    try {
      job.groupby.emplace(comm, job.rows.output_schema(), *plan.groupby);
    } catch (const Error& error) {
      if (error.kind() != ErrorKind::kConfig) throw;
      throw key_error(config, "groupby", "aggregate", error.what());
    }
  }
  job.result_schema = job.groupby ? job.groupby->output_schema() : job.rows.output_schema();
  if (!plan.output.sort.empty()) {
    try {
      ops::validate_sort_keys(job.result_schema, plan.output.sort);
    } catch (const Error& error) {
      if (error.kind() != ErrorKind::kConfig) throw;
      throw key_error(config, "output", "sort", error.what());
    }
  }
  return job;
}

// Appends the first rows of `block` to `head` until it holds `limit` rows.
void keep_head(const table::Table& block, std::uint64_t limit, table::Table& head) {
  for (std::size_t row = 0; row < block.num_rows() && head.num_rows() < limit; ++row)
    head.append_row(block, row);
}

void read_rows(io::TableSource& source, BoundJob& job, const TablePlan& plan, io::TableSink* sink,
               ReadResult& read) {
  table::Table block;
  read.rows = table::Table(job.rows.output_schema());
  while (source.next(block)) {
    const table::Table& rows = job.rows.process(block);
    if (job.groupby) {
      job.groupby->consume(rows);
    } else if (!streams(plan)) {
      ops::append_rows(rows, nullptr, read.rows);  // the sort needs them all
    } else {
      if (sink != nullptr) sink->write(rows);
      read.streamed += rows.num_rows();
      keep_head(rows, kTableRows, read.rows);
    }
  }
}

void log_reading(const comm::Communicator& comm, const io::TableSource& source,
                 const RowCounts& counts, double seconds) {
  const io::SourceStats stats = source.stats();
  std::uint64_t totals[4] = {counts.read, counts.kept, stats.bytes, stats.skipped_rows};
  comm.allreduce_inplace(totals, 4, comm::ReduceOp::kSum);
  log::info("read {} rows ({:.1f} MB) from {} in {:.2f} s; {} kept by the filter", totals[0],
            static_cast<double>(totals[2]) / 1e6, source.describe(), seconds, totals[1]);
  if (totals[3] > 0) log::warn("skipped {} bad rows (on_bad_rows = skip)", totals[3]);
}

table::Table finish_result(const comm::Communicator& comm, const TablePlan& plan, BoundJob& job,
                           ReadResult& read) {
  table::Table result = job.groupby ? job.groupby->finish() : std::move(read.rows);
  if (!plan.output.sort.empty()) {
    ops::SortOptions options;
    options.exchange_round_bytes = plan.exchange_round_bytes;
    result = ops::sort(comm, result, plan.output.sort, options);
  }
  return result;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

void run_table_job(const comm::Communicator& comm, const RawConfig& config) {
  const TablePlan plan =
      comm::run_phase(comm, "checking the job config", [&] { return plan_table_job(config); });
  std::unique_ptr<io::TableSource> source = open_table_input(comm, config, plan.inputs.front());
  BoundJob job = comm::run_phase(comm, "checking columns and types",
                                 [&] { return bind_job(comm, config, plan, source->schema()); });
  source->select_columns(job.rows.input_columns_read());  // unread columns are not parsed
  std::unique_ptr<io::TableSink> sink =
      open_table_output(comm, config, plan.output, job.result_schema);

  const auto start = std::chrono::steady_clock::now();
  ReadResult read;
  comm::run_phase(comm, "reading the input",
                  [&] { read_rows(*source, job, plan, sink.get(), read); });
  log_reading(comm, *source, job.rows.counts(), seconds_since(start));

  if (streams(plan)) {
    if (sink) sink->finish();
    print_summary(comm, read.rows, read.streamed, plan.output);
    return;
  }
  auto step = std::chrono::steady_clock::now();
  const table::Table result = finish_result(comm, plan, job, read);
  log::info("{} in {:.2f} s",
            plan.groupby ? (plan.output.sort.empty() ? "grouped" : "grouped and sorted") : "sorted",
            seconds_since(step));
  if (sink) {
    step = std::chrono::steady_clock::now();
    comm::run_phase(comm, "writing the output", [&] { sink->write(result); });
    sink->finish();
    log::info("wrote {} in {:.2f} s", plan.output.path, seconds_since(step));
  }
  print_summary(comm, result, result.num_rows(), plan.output);
}

}  // namespace rankflow::job
