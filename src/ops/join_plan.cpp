#include "join_plan.hpp"

#include <algorithm>

#include "rankflow/core/error.hpp"

namespace rankflow::ops {
namespace {

using table::Schema;

struct NameOf {
  const char* name;
  int value;
};

std::string names_of(const Schema& schema) {
  std::string names;
  for (const table::Field& field : schema.fields())
    names += (names.empty() ? "" : ", ") + field.name;
  return names;
}

std::size_t key_column(const Schema& schema, const std::string& name, const char* side) {
  auto idx = schema.find(name);
  if (!idx)
    throw ConfigError("join: the {} side has no key column '{}'; its columns are: {}", side, name,
                      names_of(schema));
  return *idx;
}

void resolve_keys(const Schema& left, const Schema& right, const JoinOptions& options,
                  JoinPlan& plan) {
  std::vector<std::string> left_names = options.left_on;
  std::vector<std::string> right_names = options.right_on;
  if (!options.on.empty()) {
    if (!left_names.empty() || !right_names.empty())
      throw ConfigError("join: give either 'on' or 'left_on' and 'right_on', not both");
    left_names = right_names = options.on;
  }
  if (left_names.empty() || right_names.empty())
    throw ConfigError(
        "join: no key columns: set 'on' (the same names on both sides) or "
        "'left_on' and 'right_on'");
  if (left_names.size() != right_names.size())
    throw ConfigError("join: left_on names {} columns and right_on {}; they pair up one to one",
                      left_names.size(), right_names.size());
  for (std::size_t key_idx = 0; key_idx < left_names.size(); ++key_idx) {
    const std::size_t left_idx = key_column(left, left_names[key_idx], "left");
    const std::size_t right_idx = key_column(right, right_names[key_idx], "right");
    for (std::size_t other = 0; other < key_idx; ++other)
      if (plan.left_keys[other] == left_idx && plan.right_keys[other] == right_idx)
        throw ConfigError("join: the key pair '{}' = '{}' is given twice", left_names[key_idx],
                          right_names[key_idx]);
    const table::ColumnType left_type = left.field(left_idx).type;
    const table::ColumnType right_type = right.field(right_idx).type;
    if (left_type != right_type)
      throw ConfigError(
          "join: key '{}' is {} on the left but '{}' is {} on the right; join keys must have "
          "the same type (set the type in one input's schema)",
          left_names[key_idx], table::column_type_name(left_type), right_names[key_idx],
          table::column_type_name(right_type));
    plan.left_keys.push_back(left_idx);
    plan.right_keys.push_back(right_idx);
    plan.key_types.push_back(left_type);
  }
}

// The right column merged into left column `left_idx` (a key named alike on both sides).
std::optional<std::size_t> shared_key(const JoinPlan& plan, std::size_t left_idx) {
  for (std::size_t key_idx = 0; key_idx < plan.left_keys.size(); ++key_idx) {
    if (plan.left_keys[key_idx] != left_idx) continue;
    const std::size_t right_idx = plan.right_keys[key_idx];
    if (plan.left.field(left_idx).name == plan.right.field(right_idx).name) return right_idx;
  }
  return std::nullopt;
}

void plan_columns(const JoinOptions& options, JoinPlan& plan) {
  std::vector<bool> right_merged(plan.right.size(), false);
  for (std::size_t left_idx = 0; left_idx < plan.left.size(); ++left_idx) {
    JoinOutputColumn column;
    column.left_column = left_idx;
    if (auto right_idx = shared_key(plan, left_idx); right_idx && !plan.left_only()) {
      column.from = JoinOutputColumn::From::kKey;
      column.right_column = *right_idx;
      right_merged[*right_idx] = true;
    }
    plan.columns.push_back(column);
  }
  if (!plan.left_only()) {
    for (std::size_t right_idx = 0; right_idx < plan.right.size(); ++right_idx) {
      if (right_merged[right_idx]) continue;
      JoinOutputColumn column;
      column.from = JoinOutputColumn::From::kRight;
      column.right_column = right_idx;
      plan.columns.push_back(column);
    }
  }
  // Names: a name found on both sides (and not merged) gets each side's suffix.
  auto clashes = [&](const std::string& name, const Schema& other, bool other_is_right) {
    auto idx = other.find(name);
    if (!idx || plan.left_only()) return false;
    return !(other_is_right ? right_merged[*idx] : shared_key(plan, *idx).has_value());
  };
  for (const JoinOutputColumn& column : plan.columns) {
    std::string name;
    table::ColumnType type;
    if (column.from == JoinOutputColumn::From::kRight) {
      name = plan.right.field(column.right_column).name;
      type = plan.right.field(column.right_column).type;
      if (clashes(name, plan.left, false)) name += options.right_suffix;
    } else {
      name = plan.left.field(column.left_column).name;
      type = plan.left.field(column.left_column).type;
      if (column.from == JoinOutputColumn::From::kLeft && clashes(name, plan.right, true))
        name += options.left_suffix;
    }
    if (plan.output.find(name))
      throw ConfigError(
          "join: two output columns are named '{}'; choose other suffixes "
          "(left_suffix = '{}', right_suffix = '{}') or rename a column",
          name, options.left_suffix, options.right_suffix);
    plan.output.add({name, type});
  }
}

// Keeps the output columns named in `names` (in output order).
void keep_output_columns(const std::vector<std::string>& names, JoinPlan& plan) {
  for (const std::string& name : names)
    if (!plan.output.find(name))
      throw ConfigError("join: no output column '{}'; the join's output columns are: {}", name,
                        names_of(plan.output));
  table::Schema output;
  std::vector<JoinOutputColumn> columns;
  for (std::size_t idx = 0; idx < plan.columns.size(); ++idx) {
    const table::Field& field = plan.output.field(idx);
    if (std::find(names.begin(), names.end(), field.name) == names.end()) continue;
    output.add(field);
    columns.push_back(plan.columns[idx]);
  }
  plan.output = output;
  plan.columns = columns;
}

}  // namespace

JoinHow parse_join_how(const std::string& text) {
  static const NameOf names[] = {{"inner", 0}, {"left", 1},       {"right", 2}, {"full", 3},
                                 {"outer", 3}, {"full_outer", 3}, {"semi", 4},  {"anti", 5}};
  for (const NameOf& name : names)
    if (text == name.name) return static_cast<JoinHow>(name.value);
  throw ConfigError(
      "join: how = '{}' is not a join; choose inner, left, right, full (or outer), "
      "semi or anti",
      text);
}

std::string join_how_name(JoinHow how) {
  const char* names[] = {"inner", "left", "right", "full", "semi", "anti"};
  return names[static_cast<int>(how)];
}

JoinStrategy parse_join_strategy(const std::string& text) {
  if (text == "auto") return JoinStrategy::kAuto;
  if (text == "shuffle") return JoinStrategy::kShuffle;
  if (text == "broadcast") return JoinStrategy::kBroadcast;
  throw ConfigError("join: strategy = '{}'; choose auto, shuffle or broadcast", text);
}

std::string join_strategy_name(JoinStrategy strategy) {
  const char* names[] = {"auto", "shuffle", "broadcast"};
  return names[static_cast<int>(strategy)];
}

JoinPlan plan_join(const Schema& left, const Schema& right, const JoinOptions& options) {
  JoinPlan plan;
  plan.how = options.how;
  plan.left = left;
  plan.right = right;
  resolve_keys(left, right, options, plan);
  if (options.left_suffix == options.right_suffix)
    throw ConfigError("join: left_suffix and right_suffix are both '{}'; they must differ",
                      options.left_suffix);
  plan_columns(options, plan);
  if (!options.output_columns.empty()) keep_output_columns(options.output_columns, plan);
  return plan;
}

}  // namespace rankflow::ops
