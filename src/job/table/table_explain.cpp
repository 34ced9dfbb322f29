// `rankflow explain` for table jobs: the facts binding decided, before any row is read.
#include <fmt/format.h>

#include "rankflow/exec/profile.hpp"
#include "table_stages.hpp"

namespace rankflow::job {
namespace {

// "a, b (2 of 6 columns)": the columns of `schema` flagged in `read` (empty: all).
std::string columns_read(const table::Schema& schema, const std::vector<bool>& read) {
  std::string names;
  std::size_t count = 0;
  for (std::size_t idx = 0; idx < schema.size(); ++idx) {
    if (!read.empty() && (idx >= read.size() || !read[idx])) continue;
    names += (names.empty() ? "" : ", ") + schema.field(idx).name;
    ++count;
  }
  return fmt::format("{} ({} of {} column{})", names.empty() ? "none" : names, count,
                     schema.size(), schema.size() == 1 ? "" : "s");
}

std::string budget_text(const ops::MemoryBudget& memory) {
  if (memory.bytes_per_rank == 0) return "none";
  return fmt::format("{} per rank ({})", human_bytes(memory.bytes_per_rank), memory.origin);
}

}  // namespace

std::vector<std::string> explain_table_job(const comm::Communicator& comm,
                                           const RawConfig& config, const TablePlan& plan,
                                           const BoundJob& job, const io::TableSource& probe,
                                           const io::TableSource* build,
                                           const ops::MemoryBudget& memory) {
  std::vector<std::string> facts;
  facts.push_back(fmt::format("job {}: a table job on {} rank{}", config.source(), comm.size(),
                              comm.size() == 1 ? "" : "s"));
  if (!plan.join) {
    facts.push_back("input: " + probe.describe());
    facts.push_back("  columns read: " + columns_read(probe.schema(), job.rows->input_columns_read()));
    if (job.row_major_first)
      facts.push_back("  the group-by folds the 2-D dataset's rows as read (no column copies)");
  } else {
    const bool build_left = plan.join->options.build_side == ops::JoinSide::kLeft;
    const io::TableSource& left = build_left ? *build : probe;
    const io::TableSource& right = build_left ? probe : *build;
    facts.push_back("left input: " + left.describe());
    facts.push_back("  columns read: " + columns_read(left.schema(), job.left_read));
    facts.push_back("right input: " + right.describe());
    facts.push_back("  columns read: " + columns_read(right.schema(), job.right_read));
    const ops::JoinOptions& options = plan.join->options;
    std::string strategy = ops::join_strategy_name(options.strategy);
    if (options.strategy == ops::JoinStrategy::kAuto)
      strategy += fmt::format(
          ": broadcast when the built side's total is at most {} ([join] broadcast_threshold), "
          "else shuffle by key hash; decided on every rank alike once its size is known",
          human_bytes(options.broadcast_threshold_bytes));
    facts.push_back(fmt::format("join: {} on the {} side built; strategy {}",
                                ops::join_how_name(options.how), build_left ? "left" : "right",
                                strategy));
  }
  if (const ConfigEntry* where = config.find("filter", "where"))
    facts.push_back("filter (applied block by block as rows are read): " + where->value);
  facts.push_back("memory budget: " + budget_text(memory));
  if (plan.groupby || plan.distinct || !plan.output.sort.empty())
    facts.push_back(fmt::format("partitioning: rows move to the rank that owns their key "
                                "(hash) or their range (sort), in exchange rounds of {}",
                                human_bytes(plan.exchange_round_bytes)));
  facts.push_back(plan.output.path.empty()
                      ? std::string("output: the result on stdout only")
                      : fmt::format("output: {} ({}), written under a temporary name and "
                                    "renamed when complete",
                                    plan.output.path, plan.output.format));
  return facts;
}

}  // namespace rankflow::job
