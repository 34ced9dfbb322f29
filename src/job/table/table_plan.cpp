#include "table_plan.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "config/hdf5_table_config.hpp"
#include "rankflow/job/csv_config.hpp"

namespace rankflow::job {
namespace {

std::string join_names(const std::vector<std::string>& names, const char* separator) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : separator) + name;
  return out;
}

bool is_input_section(const std::string& name) {
  return name == "input" || name.rfind("input.", 0) == 0;
}

std::vector<std::string> plan_inputs(const RawConfig& config) {
  std::vector<std::string> inputs;
  for (const std::string& section : config.sections())
    if (is_input_section(section)) inputs.push_back(section);
  if (inputs.empty())
    throw ConfigError("{}: a table job needs an [input] section with a path", config.source());
  for (const std::string& name : inputs) {
    const Section section(config, name);
    if (input_format(section) == "hdf5") {
      hdf5_source_options_from(section);  // checks every HDF5 table key
    } else {
      csv_options_from(section);  // checks every CSV key
    }
  }
  return inputs;
}

std::vector<DerivedColumn> plan_derive(const RawConfig& config) {
  std::vector<DerivedColumn> derive;
  const Section section(config, "derive");
  for (const ConfigEntry& entry : config.entries("derive")) {
    DerivedColumn column;
    column.name = entry.key;
    column.expression = parse_key(config, section, entry.key,
                                  [](const std::string& text) { return expr::parse(text); });
    derive.push_back(std::move(column));
  }
  return derive;
}

ops::GroupByOptions plan_groupby(const RawConfig& config) {
  const Section section(config, "groupby");
  ops::GroupByOptions options;
  options.keys = section.get_list("keys");
  for (std::size_t idx = 0; idx < options.keys.size(); ++idx)
    if (std::find(options.keys.begin(), options.keys.begin() + static_cast<std::ptrdiff_t>(idx),
                  options.keys[idx]) != options.keys.begin() + static_cast<std::ptrdiff_t>(idx))
      throw section.error("keys", "the key '" + options.keys[idx] + "' is given twice");
  options.aggregates = parse_key(config, section, "aggregate", ops::parse_aggregates);
  options.ddof = static_cast<int>(section.get_int("ddof", 1, 0, 1000));
  options.skew_to_one_rank = section.get_bool("skew_to_one_rank", false);
  return options;
}

// Several inputs are combined by a [join] of exactly two of them.
void check_inputs_joined(const RawConfig& config, const TablePlan& plan) {
  if (plan.inputs.size() > 1 && !plan.join)
    throw ConfigError(
        "{}: this job names {} inputs ([{}]); a table job reads one input, or joins two with a "
        "[join] section (left = NAME, right = NAME)",
        config.source(), plan.inputs.size(), join_names(plan.inputs, "], ["));
  if (plan.join && plan.inputs.size() > 2)
    for (const std::string& input : plan.inputs)
      if (input != plan.join->left && input != plan.join->right)
        throw ConfigError("{}: [{}] is not used: a job joins two inputs, [{}] and [{}]",
                          config.source(), input, plan.join->left, plan.join->right);
}

}  // namespace

OutputPlan plan_output(const RawConfig& config) {
  const Section section(config, "output");
  OutputPlan output;
  output.path = section.get_or("path", "");
  output.format = section.get_choice("format", "auto", {"auto", "csv", "hdf5"});
  if (output.format == "auto") {
    const std::string& path = output.path;
    const auto dot = path.rfind('.');
    const std::string extension = dot == std::string::npos ? "" : path.substr(dot);
    output.format =
        extension == ".h5" || extension == ".hdf5" || extension == ".he5" ? "hdf5" : "csv";
  }
  if (output.format == "hdf5" && !output.path.empty()) hdf5_sink_options_from(section);
  if (output.format == "csv" && !output.path.empty()) csv_write_options_from(section);
  if (section.has("sort")) output.sort = parse_key(config, section, "sort", ops::parse_sort_keys);
  output.table = section.get_choice("table", "auto", {"auto", "on", "off"});
  return output;
}

Error key_error(const RawConfig& config, const std::string& section, const std::string& key,
                const std::string& problem) {
  const ConfigEntry* entry = config.find(section, key);
  if (entry != nullptr && entry->origin == "--set")
    return ConfigError("--set {}.{}: {}", section, key, problem);
  const std::string& origin = entry != nullptr ? entry->origin : config.source();
  return ConfigError("{}: [{}] {}: {}", origin, section, key, problem);
}

bool is_table_job(const RawConfig& config) {
  if (config.has_section("reduce") || config.has_section("center")) return false;
  const std::vector<std::string> sections = config.sections();
  return std::any_of(sections.begin(), sections.end(), is_input_section);
}

TablePlan plan_table_job(const RawConfig& config) {
  TablePlan plan;
  plan.exchange_round_bytes =
      Section(config, "job").get_bytes("exchange_round_bytes", plan.exchange_round_bytes);
  plan.inputs = plan_inputs(config);
  plan.join = plan_join(config, plan.inputs);
  check_inputs_joined(config, plan);
  if (config.has_section("filter")) {
    const Section section(config, "filter");
    plan.where = parse_key(config, section, "where",
                           [](const std::string& text) { return expr::parse(text); });
  }
  plan.derive = plan_derive(config);
  if (config.has_section("groupby")) {
    plan.groupby = plan_groupby(config);
    plan.groupby->exchange_round_bytes = plan.exchange_round_bytes;
  }
  plan.output = plan_output(config);
  plan_result_steps(config, plan);
  return plan;
}

}  // namespace rankflow::job
