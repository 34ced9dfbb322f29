// Parsing `aggregate = sum(revenue), count(), quantile(value, 0.9) as p90`.
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "rankflow/core/error.hpp"
#include "rankflow/core/text.hpp"
#include "rankflow/ops/groupby.hpp"

namespace rankflow::ops {
namespace {

struct FunctionName {
  const char* name;
  AggregateFunction function;
};

constexpr FunctionName kFunctions[] = {
    {"sum", AggregateFunction::kSum},       {"mean", AggregateFunction::kMean},
    {"min", AggregateFunction::kMin},       {"max", AggregateFunction::kMax},
    {"count", AggregateFunction::kCount},   {"var", AggregateFunction::kVar},
    {"std", AggregateFunction::kStd},       {"first", AggregateFunction::kFirst},
    {"last", AggregateFunction::kLast},     {"nunique", AggregateFunction::kNunique},
    {"median", AggregateFunction::kMedian}, {"quantile", AggregateFunction::kQuantile},
};

// A column name or alias: bare, or quoted with "..." or `...` when it holds spaces or commas.
std::string unquote(const std::string& text) {
  if (text.size() >= 2 && (text.front() == '"' || text.front() == '`') &&
      text.back() == text.front())
    return text.substr(1, text.size() - 2);
  return text;
}

std::string function_list() {
  std::string out;
  for (const FunctionName& entry : kFunctions)
    out += (out.empty() ? "" : ", ") + std::string(entry.name);
  return out + " (count() counts rows)";
}

AggregateFunction lookup(const std::string& item, const std::string& name) {
  const std::string wanted = lower(name);
  for (const FunctionName& entry : kFunctions)
    if (wanted == entry.name) return entry.function;
  const std::string hint = wanted == "avg" || wanted == "average" ? " (did you mean 'mean'?)"
                           : wanted == "size"                     ? " (did you mean 'count()'?)"
                                                                  : "";
  throw ConfigError("aggregate '{}': unknown function '{}'{}; functions are: {}", item, name, hint,
                    function_list());
}

double parse_quantile(const std::string& item, const std::string& text) {
  char* end = nullptr;
  const double p = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(p >= 0.0 && p <= 1.0))
    throw ConfigError("aggregate '{}': the quantile '{}' must be a number between 0 and 1", item,
                      text);
  return p;
}

// Fills function, column and quantile from "name(arguments)".
void parse_call(const std::string& item, const std::string& call, AggregateSpec& spec) {
  const std::size_t open = call.find('(');
  if (open == std::string::npos || call.back() != ')' || trim(call.substr(0, open)).empty())
    throw ConfigError("aggregate '{}': expected function(column), e.g. sum(revenue) or count()",
                      item);
  const std::string name = trim(call.substr(0, open));
  spec.function = lookup(item, name);
  const std::vector<std::string> arguments =
      split_list(call.substr(open + 1, call.size() - open - 2));
  for (const std::string& argument : arguments)
    if (argument.empty()) throw ConfigError("aggregate '{}': an argument is empty", item);
  const std::string fn = lower(name);
  if (spec.function == AggregateFunction::kCount && arguments.empty()) {
    spec.function = AggregateFunction::kCountAll;
    return;
  }
  const std::size_t wanted = spec.function == AggregateFunction::kQuantile ? 2 : 1;
  if (arguments.size() != wanted) {
    const char* usage = spec.function == AggregateFunction::kQuantile ? "quantile(column, p)"
                        : spec.function == AggregateFunction::kCount  ? "count() or count(column)"
                                                                      : nullptr;
    throw ConfigError("aggregate '{}': {} takes {}", item, fn,
                      usage != nullptr ? std::string("the form ") + usage
                                       : std::string("one column: ") + fn + "(column)");
  }
  spec.column = unquote(arguments[0]);
  if (spec.function == AggregateFunction::kQuantile)
    spec.quantile = parse_quantile(item, arguments[1]);
}

// Splits "call as alias" at a top-level " as " after the closing parenthesis.
void split_alias(const std::string& item, std::string& call, std::string& alias) {
  const std::size_t close = item.rfind(')');
  call = item;
  alias.clear();
  if (close == std::string::npos) return;
  const std::string rest = trim(item.substr(close + 1));
  if (rest.empty()) {
    call = trim(item.substr(0, close + 1));
    return;
  }
  const std::string keyword = lower(rest.substr(0, 2));
  if (keyword != "as" || rest.size() < 3 || !std::isspace(static_cast<unsigned char>(rest[2])))
    throw ConfigError("aggregate '{}': unexpected '{}' after ')'; to rename, write '... as name'",
                      item, rest);
  alias = unquote(trim(rest.substr(2)));
  if (alias.empty()) throw ConfigError("aggregate '{}': 'as' needs a name", item);
  call = trim(item.substr(0, close + 1));
}

}  // namespace

std::string aggregate_function_name(AggregateFunction function) {
  if (function == AggregateFunction::kCountAll) return "count";
  for (const FunctionName& entry : kFunctions)
    if (entry.function == function) return entry.name;
  return "unknown";
}

AggregateSpec parse_aggregate(const std::string& text) {
  const std::string item = trim(text);
  if (item.empty()) throw ConfigError("aggregate: an item is empty (two commas in a row?)");
  std::string call;
  std::string alias;
  split_alias(item, call, alias);
  AggregateSpec spec;
  parse_call(item, call, spec);
  if (!alias.empty()) {
    spec.output_name = alias;
  } else if (spec.function == AggregateFunction::kCountAll) {
    spec.output_name = "count";
  } else if (spec.function == AggregateFunction::kQuantile) {
    spec.output_name = fmt::format("quantile_{}_{}", spec.quantile, spec.column);
  } else {
    spec.output_name = aggregate_function_name(spec.function) + "_" + spec.column;
  }
  return spec;
}

std::vector<AggregateSpec> parse_aggregates(const std::string& text) {
  if (trim(text).empty())
    throw ConfigError("aggregate: no aggregate given; e.g. aggregate = sum(value), count()");
  std::vector<AggregateSpec> specs;
  for (const std::string& item : split_list(text)) specs.push_back(parse_aggregate(item));
  return specs;
}

}  // namespace rankflow::ops
