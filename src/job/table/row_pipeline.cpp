#include "row_pipeline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <utility>

#include "rankflow/ops/filter.hpp"

namespace rankflow::job {
namespace {

expr::Evaluator bind_expression(const RawConfig& config, const std::string& section, const std::string& key,
                     const expr::Expression& expression, const table::Schema& schema,
                     expr::Use use) {
  try {
    return expr::Evaluator(expression, schema, use);
  } catch (const Error& error) {
    if (error.kind() != ErrorKind::kConfig) throw;
    throw key_error(config, section, key, error.what());
  }
}

// Checks every derived column against the input and the ones before it; returns the input's
// columns followed by the derived ones.
table::Schema check_derived(const RawConfig& config, const TablePlan& plan,
                            const table::Schema& input) {
  table::Schema schema = input;
  for (const DerivedColumn& column : plan.derive) {
    if (schema.find(column.name))
      throw key_error(config, "derive", column.name,
                      fmt::format("a column named '{}' already exists{}; give the derived "
                                  "column another name",
                                  column.name, input.find(column.name) ? " in the input" : ""));
    const expr::Evaluator evaluator =
        bind_expression(config, "derive", column.name, column.expression, schema, expr::Use::kColumn);
    schema.add({column.name, evaluator.column_type()});
  }
  return schema;
}

}  // namespace

RowPipeline::RowPipeline(const RawConfig& config, const TablePlan& plan, const table::Schema& input,
                         const std::vector<std::string>* needed) {
  if (plan.where)
    where_.emplace(bind_expression(config, "filter", "where", *plan.where, input, expr::Use::kPredicate));
  full_schema_ = check_derived(config, plan, input);
  plan_projection(plan, input, needed);
}

void RowPipeline::plan_projection(const TablePlan& plan, const table::Schema& input,
                                  const std::vector<std::string>* needed) {
  std::set<std::string> wanted;
  for (const table::Field& field : full_schema_.fields())
    if (needed == nullptr || std::find(needed->begin(), needed->end(), field.name) != needed->end())
      wanted.insert(field.name);
  // A derived column refers only to columns before it: one backward pass closes the set.
  for (auto column = plan.derive.rbegin(); column != plan.derive.rend(); ++column)
    if (wanted.count(column->name) != 0)
      for (const std::string& name : column->expression.columns()) wanted.insert(name);
  for (std::size_t idx = 0; idx < input.size(); ++idx)
    if (wanted.count(input.field(idx).name) != 0) input_columns_.push_back(idx);
  // Row counts live in the columns: keep one even when nothing is read (count() alone).
  if (input_columns_.empty() && input.size() > 0) input_columns_.push_back(0);
  read_.assign(input.size(), false);
  for (std::size_t idx : input_columns_) read_[idx] = true;
  if (plan.where)
    for (const std::string& name : plan.where->columns())
      if (const auto idx = input.find(name)) read_[*idx] = true;

  table::Schema kept;
  for (std::size_t idx : input_columns_) kept.add(input.field(idx));
  kept_ = table::Table(kept);
  table::Schema schema = kept;
  for (const DerivedColumn& column : plan.derive) {
    if (wanted.count(column.name) == 0) continue;
    derive_.emplace_back(column.expression, schema, expr::Use::kColumn);  // checked above
    schema.add({column.name, derive_.back().column_type()});
  }
  result_ = table::Table(schema);
}

table::Table& RowPipeline::process(table::Table& block) {
  counts_.read += block.num_rows();
  const std::size_t inputs = input_columns_.size();
  // The needed input columns move into the result by swapping buffers: no copy, capacity
  // kept on both sides for the next block.
  if (where_) {
    where_->select(block, selection_);
    kept_.clear();
    ops::append_columns(block, input_columns_, selection_.data(), kept_);
    for (std::size_t idx = 0; idx < inputs; ++idx)
      std::swap(result_.column(idx), kept_.column(idx));
  } else {
    for (std::size_t idx = 0; idx < inputs; ++idx)
      std::swap(result_.column(idx), block.column(input_columns_[idx]));
  }
  // Derived column k reads the columns before it, never itself, so it is evaluated straight
  // into its place in the result.
  for (std::size_t idx = 0; idx < derive_.size(); ++idx)
    derive_[idx].evaluate(result_, result_.column(inputs + idx));
  counts_.kept += result_.num_rows();
  return result_;
}

}  // namespace rankflow::job
