// The plan of a table job: what the config asks for, checked as far as it can be without data.
// Internal to job/.
//
//   [input] / [input.NAME]... -> [join] -> [filter] where -> [derive] name = expr, ...
//     -> [groupby] -> [distinct] -> [top] -> [sort] by (or [output] sort) -> [limit]
//     -> [output] path (and a summary on stdout)
//
// Every step but the input is optional; a job with two named inputs joins them ([join] left,
// right). The filter applies to the joined rows (docs/pipeline.md: the order of steps).
//
// plan_table_job is local (no MPI, no files): `rankflow submit` runs it on a login node through
// validate_job. Everything that needs the inputs' schema (column names and types in
// expressions, aggregates, sort keys) is checked by bind_table_job (table_job.hpp) once the
// inputs are open, before any row is read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rankflow/core/error.hpp"
#include "rankflow/expr/ast.hpp"
#include "rankflow/job/config.hpp"
#include "rankflow/ops/distinct.hpp"
#include "rankflow/ops/groupby.hpp"
#include "rankflow/ops/join.hpp"
#include "rankflow/ops/sort.hpp"
#include "rankflow/ops/spill.hpp"
#include "rankflow/ops/top_k.hpp"

namespace rankflow::job {

struct DerivedColumn {
  std::string name;  // the key in [derive]
  expr::Expression expression;
};

struct OutputPlan {
  std::string path;                // empty: the result is only summarized on stdout
  std::string format;              // "csv" (or "hdf5")
  std::vector<ops::SortKey> sort;  // empty: ranks' parts in rank order, unordered within
  std::string table = "auto";      // stdout: auto (when at most 50 rows), on (the first 50), off
  std::string sort_section = "output";  // where `sort` came from: [sort] by or [output] sort
  std::string sort_key = "sort";
};

// [join]: the two inputs' config sections and the operator's options (output_columns are
// chosen later, from what the steps after the join read).
struct JoinStep {
  std::string left;   // "input.sales"
  std::string right;  // "input.dim"
  ops::JoinOptions options;
};

struct TablePlan {
  std::vector<std::string> inputs;  // config sections: "input" or "input.NAME"
  std::optional<JoinStep> join;
  std::optional<expr::Expression> where;
  std::vector<DerivedColumn> derive;
  std::optional<ops::GroupByOptions> groupby;
  std::optional<ops::DistinctOptions> distinct;
  std::optional<ops::TopKOptions> top;
  std::optional<std::uint64_t> limit;
  OutputPlan output;  // output.sort: [sort] by or [output] sort
  std::uint64_t exchange_round_bytes = std::uint64_t{1} << 30;  // [job]: group-by and sort
  // [job] memory_per_rank: bytes, 0 for none, or nullopt for auto (the node's available memory
  // shared by its ranks, worked out when the job starts).
  std::optional<std::uint64_t> memory_per_rank;
  // [job] scratch, max_scratch_per_rank: where operators spill past the budget.
  ops::ScratchOptions scratch;
};

// True when the config describes a table job (it has an [input] or an [input.NAME] section and
// no array-job section).
bool is_table_job(const RawConfig& config);

// Local. Throws ConfigError naming the file, section and key.
TablePlan plan_table_job(const RawConfig& config);
// plan_table_job for validate_job: everything checkable without data.
inline void validate_table_job(const RawConfig& config) { plan_table_job(config); }

// The steps after the input (table_plan_steps.cpp): [join] (checked against the job's inputs),
// [distinct], [top], [sort] / [output] sort, [limit], [job] memory_per_rank, scratch and
// max_scratch_per_rank. Local.
std::optional<JoinStep> plan_join(const RawConfig& config, const std::vector<std::string>& inputs);
void plan_result_steps(const RawConfig& config, TablePlan& plan);

// [output] alone (also for api::Frame::write): path, format, sort, CSV keys. Local.
OutputPlan plan_output(const RawConfig& config);

// A ConfigError for an expression key, without repeating its value: the message of an
// expression error already shows the text with a caret under the problem.
//   job.ini: [filter] where: unknown column 'qyt' (did you mean 'qty'?) at position 1
//       qyt > 5
//       ^~~
Error key_error(const RawConfig& config, const std::string& section, const std::string& key,
                const std::string& problem);

// Runs `parse` on the value of section.key; its ConfigError becomes one naming the key. (A
// missing key's error names it already: wrapped, it said "[top] by: job.ini: [top] by: ...".)
template <typename Parse>
auto parse_key(const RawConfig& config, const Section& section, const std::string& key,
               Parse parse) {
  const std::string text = section.require(key);
  try {
    return parse(text);
  } catch (const Error& error) {
    if (error.kind() != ErrorKind::kConfig) throw;
    throw key_error(config, section.name(), key, error.what());
  }
}

}  // namespace rankflow::job
