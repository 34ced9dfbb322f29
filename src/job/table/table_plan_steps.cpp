// The plan of the steps that follow a table job's input: [join], [distinct], [top], [sort],
// [limit] and the per-rank memory budget. Local: no MPI, no files (table_plan.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "rankflow/job/schema.hpp"
#include "table_plan.hpp"

namespace rankflow::job {
namespace {

std::string input_names(const std::vector<std::string>& inputs) {
  std::string out;
  for (const std::string& input : inputs)
    out += (out.empty() ? "" : ", ") + (input == "input" ? input : input.substr(6));
  return out;
}

// [join] left/right name an [input.NAME]; returns "input.NAME".
std::string input_section(const Section& join, const std::string& key,
                          const std::vector<std::string>& inputs) {
  const std::string name = join.require(key);
  const std::string section = "input." + name;
  if (std::find(inputs.begin(), inputs.end(), section) != inputs.end()) return section;
  std::string hint;
  for (const std::string& input : inputs)
    if (input != "input" && edit_distance(name, input.substr(6)) <= 2 && hint.empty())
      hint = " (did you mean '" + input.substr(6) + "'?)";
  if (name == "input" || (inputs.size() == 1 && inputs.front() == "input"))
    hint += "; a joined input is a named section, [input.NAME], and the join names it";
  throw join.error(key, fmt::format("no input named '{}'{}; the inputs are: {}", name, hint,
                                    inputs.empty() ? "(none)" : input_names(inputs)));
}

void plan_join_keys(const Section& section, ops::JoinOptions& options) {
  const bool has_on = section.has("on");
  const bool has_pair = section.has("left_on") || section.has("right_on");
  if (has_on && has_pair)
    throw section.error("on",
                        "give either on (keys named the same on both sides) or left_on "
                        "and right_on, not both");
  if (has_on) {
    options.on = section.get_list("on");
    return;
  }
  if (!section.has("left_on") || !section.has("right_on"))
    throw section.error(section.has("left_on") ? "right_on" : "on",
                        "a join needs its key columns: on = key (the same name on both sides), "
                        "or left_on = ... and right_on = ...");
  options.left_on = section.get_list("left_on");
  options.right_on = section.get_list("right_on");
  if (options.left_on.size() != options.right_on.size())
    throw section.error("right_on", fmt::format("left_on names {} columns and right_on {}: they "
                                                "pair one to one",
                                                options.left_on.size(), options.right_on.size()));
}

std::vector<ops::SortKey> sort_keys(const RawConfig& config, const Section& section,
                                    const std::string& key) {
  return parse_key(config, section, key, ops::parse_sort_keys);
}

std::optional<std::uint64_t> plan_memory(const Section& job) {
  const std::string text = job.get_or("memory_per_rank", "auto");
  if (text == "auto") return std::nullopt;
  if (text == "none") return 0;
  return job.get_bytes("memory_per_rank", 0);
}

}  // namespace

std::optional<JoinStep> plan_join(const RawConfig& config, const std::vector<std::string>& inputs) {
  if (!config.has_section("join")) return std::nullopt;
  const Section section(config, "join");
  JoinStep step;
  step.left = input_section(section, "left", inputs);
  step.right = input_section(section, "right", inputs);
  if (step.left == step.right)
    throw section.error("right",
                        "a join needs two different inputs (left and right are the "
                        "same); to join a table with itself, name it twice as two "
                        "inputs");
  ops::JoinOptions& options = step.options;
  plan_join_keys(section, options);
  if (section.has("how")) options.how = parse_key(config, section, "how", ops::parse_join_how);
  if (section.has("strategy"))
    options.strategy = parse_key(config, section, "strategy", ops::parse_join_strategy);
  options.broadcast_threshold_bytes =
      section.get_bytes("broadcast_threshold", options.broadcast_threshold_bytes);
  options.left_suffix = section.get_or("left_suffix", options.left_suffix);
  options.right_suffix = section.get_or("right_suffix", options.right_suffix);
  options.build_side = section.get_choice("build", "right", {"right", "left"}) == "left"
                           ? ops::JoinSide::kLeft
                           : ops::JoinSide::kRight;
  options.skew_to_one_rank = section.get_bool("skew_to_one_rank", false);
  return step;
}

void plan_result_steps(const RawConfig& config, TablePlan& plan) {
  const Section job(config, "job");
  plan.memory_per_rank = plan_memory(job);
  plan.scratch.dir = job.get_or("scratch", "");
  plan.scratch.max_bytes_per_rank = job.get_bytes("max_scratch_per_rank", 0);
  if (plan.join) plan.join->options.exchange_round_bytes = plan.exchange_round_bytes;
  if (config.has_section("distinct")) {
    const Section section(config, "distinct");
    ops::DistinctOptions options;
    if (section.get_or("columns", "*") != "*") options.columns = section.get_list("columns");
    options.exchange_round_bytes = plan.exchange_round_bytes;
    plan.distinct = options;
  }
  if (config.has_section("top")) {
    const Section section(config, "top");
    ops::TopKOptions options;
    options.by = sort_keys(config, section, "by");
    options.k = static_cast<std::uint64_t>(
        section.get_int("k", 0, 0, std::numeric_limits<std::int64_t>::max()));
    if (!section.has("k"))
      throw section.error("k", "required: the number of rows to keep (per group)");
    if (section.has("per")) options.per = section.get_list("per");
    options.exchange_round_bytes = plan.exchange_round_bytes;
    plan.top = options;
  }
  if (config.has_section("sort")) {
    if (!plan.output.sort.empty())
      throw Section(config, "output")
          .error("sort", "the order is given twice, here and in [sort] by; keep one");
    const Section section(config, "sort");
    plan.output.sort = sort_keys(config, section, "by");
    plan.output.sort_section = "sort";
    plan.output.sort_key = "by";
  }
  if (config.has_section("limit")) {
    const Section section(config, "limit");
    if (!section.has("n")) throw section.error("n", "required: the number of rows to keep");
    plan.limit = static_cast<std::uint64_t>(
        section.get_int("n", 0, 0, std::numeric_limits<std::int64_t>::max()));
  }
}

}  // namespace rankflow::job
