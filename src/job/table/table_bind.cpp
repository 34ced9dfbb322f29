#include "table_bind.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "rankflow/job/schema.hpp"

namespace rankflow::job {
namespace {

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

// Runs `make` (an operator's constructor, local); its ConfigError becomes one naming the key.
template <typename Make>
auto checked(const RawConfig& config, const std::string& section, const std::string& key,
             Make make) {
  try {
    return make();
  } catch (const Error& error) {
    if (error.kind() != ErrorKind::kConfig) throw;
    throw key_error(config, section, key, error.what());
  }
}

std::string join_key_name(const ops::JoinOptions& options) {
  return options.on.empty() ? "left_on" : "on";
}

// The joined columns that the steps after the join read, in the join's output order; empty
// when they read every column (no group-by: the output holds them all).
std::vector<std::string> join_columns(const TablePlan& plan, const table::Schema& joined) {
  if (!plan.groupby) return {};
  std::set<std::string> wanted;
  for (const std::string& name : group_columns(*plan.groupby)) wanted.insert(name);
  if (plan.where)
    for (const std::string& name : plan.where->columns()) wanted.insert(name);
  // A derived column refers only to columns before it: one backward pass closes the set.
  for (auto column = plan.derive.rbegin(); column != plan.derive.rend(); ++column)
    if (wanted.count(column->name) != 0)
      for (const std::string& name : column->expression.columns()) wanted.insert(name);
  std::vector<std::string> names;
  for (const table::Field& field : joined.fields())
    if (wanted.count(field.name) != 0) names.push_back(field.name);
  // Row counts live in the columns: keep one even when nothing is read (count() alone).
  if (names.empty() && joined.size() > 0) names.push_back(joined.field(0).name);
  return names;
}

// Per column of one side of a join: is it a key, or behind one of `output` (under its own
// name, or suffixed when another column of the same name clashed)?
std::vector<bool> side_columns_read(const table::Schema& side, const std::vector<std::string>& keys,
                                    const std::string& suffix,
                                    const std::vector<std::string>& output) {
  const std::set<std::string> wanted(output.begin(), output.end());
  std::vector<bool> read(side.size(), false);
  for (std::size_t idx = 0; idx < side.size(); ++idx) {
    const std::string& name = side.field(idx).name;
    read[idx] = std::find(keys.begin(), keys.end(), name) != keys.end() ||
                wanted.count(name) != 0 || wanted.count(name + suffix) != 0;
  }
  return read;
}

// Plans the join and returns its output schema: the pipeline's input. The column names of the
// filter, derived columns and group-by are checked against every joined column first, so that
// an unknown name's message lists them all.
const table::Schema& bind_join(const comm::Communicator& comm, const RawConfig& config,
                               const TablePlan& plan, const table::Schema& left,
                               const table::Schema& right, const ops::MemoryBudget& memory,
                               BoundJob& job) {
  ops::JoinOptions options = plan.join->options;
  options.memory = memory;
  const std::string key = join_key_name(options);
  job.join.emplace(checked(config, "join", key,
                           [&] { return ops::HashJoin(comm, left, right, options); }));
  const std::vector<std::string> needed =
      plan.groupby ? group_columns(*plan.groupby) : std::vector<std::string>{};
  const RowPipeline all(config, plan, job.join->output_schema(),
                        plan.groupby ? &needed : nullptr);
  if (plan.groupby) check_group_columns(config, *plan.groupby, all.full_schema());
  options.output_columns = join_columns(plan, job.join->output_schema());
  if (!options.output_columns.empty() &&
      options.output_columns.size() < job.join->output_schema().size()) {
    job.join.reset();
    job.join.emplace(checked(config, "join", key,
                             [&] { return ops::HashJoin(comm, left, right, options); }));
    // Columns no output comes from need not be parsed (projection pushdown into the sources).
    job.left_read = side_columns_read(left, options.on.empty() ? options.left_on : options.on,
                                      options.left_suffix, options.output_columns);
    job.right_read = side_columns_read(right, options.on.empty() ? options.right_on : options.on,
                                       options.right_suffix, options.output_columns);
  }
  return job.join->output_schema();
}

FirstStep first_step(const TablePlan& plan) {
  if (plan.groupby) return FirstStep::kGroupBy;
  if (plan.distinct) return FirstStep::kDistinct;
  if (plan.top) return FirstStep::kTop;
  if (!plan.output.sort.empty()) return FirstStep::kSort;
  if (plan.limit) return FirstStep::kLimit;
  return FirstStep::kOutput;
}

// [distinct], [top], [sort] and [limit] against the result's schema.
void bind_result_steps(const comm::Communicator& comm, const RawConfig& config,
                       const TablePlan& plan, const ops::MemoryBudget& memory, BoundJob& job) {
  const table::Schema& schema = job.result_schema;
  if (plan.distinct) {
    ops::DistinctOptions options = *plan.distinct;
    options.memory = memory;
    job.distinct.emplace(checked(config, "distinct", "columns",
                                 [&] { return ops::Distinct(comm, schema, options); }));
  }
  if (plan.top) {
    for (const std::string& name : plan.top->per)
      if (!schema.find(name))
        throw key_error(config, "top", "per",
                        fmt::format("no column '{}'{}", name, unknown_column_hint(name, schema)));
    job.top.emplace(
        checked(config, "top", "by", [&] { return ops::TopK(comm, schema, *plan.top); }));
  }
  if (!plan.output.sort.empty())
    checked(config, plan.output.sort_section, plan.output.sort_key, [&] {
      ops::validate_sort_keys(schema, plan.output.sort);
      return 0;
    });
  if (plan.limit) job.limit.emplace(comm, schema, *plan.limit);
}

}  // namespace

BoundJob bind_job(const comm::Communicator& comm, const RawConfig& config, const TablePlan& plan,
                  const table::Schema& input, const table::Schema* right,
                  const ops::MemoryBudget& memory) {
  BoundJob job;
  const table::Schema& rows_in =
      plan.join ? bind_join(comm, config, plan, input, *right, memory, job) : input;
  const std::vector<std::string> needed =
      plan.groupby ? group_columns(*plan.groupby) : std::vector<std::string>{};
  job.rows = std::make_unique<RowPipeline>(config, plan, rows_in, plan.groupby ? &needed : nullptr);
  if (plan.groupby) {
    check_group_columns(config, *plan.groupby, job.rows->full_schema());
    job.groupby.emplace(checked(config, "groupby", "aggregate", [&] {
      return ops::GroupBy(comm, job.rows->output_schema(), *plan.groupby);
    }));
  }
  job.result_schema = job.groupby ? job.groupby->output_schema() : job.rows->output_schema();
  bind_result_steps(comm, config, plan, memory, job);
  job.first = first_step(plan);
  return job;
}

}  // namespace rankflow::job
