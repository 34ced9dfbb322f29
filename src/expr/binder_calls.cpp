// Binding function calls: abs, sqrt, log, exp, min, max, round, year, month, day.
#include <fmt/format.h>

#include "binder.hpp"

namespace rankflow::expr {
namespace {

std::string type_name(ValueType type) { return std::string(value_type_name(type)); }

// The type min/max compare their arguments in, or kNull when they are not of one kind.
ValueType common_min_max_type(ValueType acc, ValueType next) {
  if (acc == ValueType::kNull) return next;
  if (next == ValueType::kNull) return acc;
  if (is_numeric(acc) && is_numeric(next)) return acc == next ? acc : ValueType::kFloat64;
  if (is_datetime(acc) && is_datetime(next)) return acc == next ? acc : ValueType::kTimestamp;
  if (acc == ValueType::kString && next == ValueType::kString) return acc;
  return ValueType::kNull;
}

NodePtr maybe_fold(NodePtr node, bool constant) {
  return constant ? fold(std::move(node)) : std::move(node);
}

}  // namespace

NodePtr Binder::bind_call(const Node& node) {
  const Function function = node.function;
  if (function == Function::kMin || function == Function::kMax) return bind_min_max(node);
  if (function == Function::kRound) return bind_round(node);
  if (function == Function::kYear || function == Function::kMonth || function == Function::kDay)
    return bind_date_part(node);

  const Node& arg_ast = *node.children[0];
  NodePtr arg = bind(arg_ast);
  const ValueType type = arg->type();
  if (!is_numeric(type) && type != ValueType::kNull)
    fail(arg_ast.span, fmt::format("{} needs a number, but {}", function_name(function),
                                   describe(arg_ast, type, "its argument")));
  if (function == Function::kAbs) {
    if (is_null_constant(arg)) return ConstantNode::null(type);
    const bool constant = arg->is_constant();
    return maybe_fold(make_math(MathOp::kAbs, type, std::move(arg)), constant);
  }
  // sqrt, log and exp compute in float64.
  if (is_null_constant(arg)) return ConstantNode::null(ValueType::kFloat64);
  const bool constant = arg->is_constant();
  const MathOp op = function == Function::kSqrt  ? MathOp::kSqrt
                    : function == Function::kLog ? MathOp::kLog
                                                 : MathOp::kExp;
  return maybe_fold(
      make_math(op, ValueType::kFloat64, promote(std::move(arg), ValueType::kFloat64)), constant);
}

NodePtr Binder::bind_min_max(const Node& node) {
  const bool is_max = node.function == Function::kMax;
  std::vector<NodePtr> args;
  ValueType common = ValueType::kNull;
  for (const auto& arg_ast : node.children) {
    args.push_back(bind(*arg_ast));
    const ValueType type = args.back()->type();
    const ValueType next = common_min_max_type(common, type);
    if (type == ValueType::kBool || (next == ValueType::kNull && type != ValueType::kNull))
      fail(arg_ast->span,
           fmt::format("{} needs arguments of one kind (numbers, strings, or dates and "
                       "timestamps), but {}{}",
                       function_name(node.function), describe(*arg_ast, type, "this argument"),
                       common == ValueType::kNull ? "" : " after " + type_name(common)));
    common = next;
  }
  for (const NodePtr& arg : args)
    if (is_null_constant(arg)) return ConstantNode::null(common);  // nulls propagate
  const bool constant = all_constant(args);
  NodePtr acc = promote(std::move(args[0]), common);
  for (std::size_t idx = 1; idx < args.size(); ++idx) {
    NodePtr next = promote(std::move(args[idx]), common);
    if (common == ValueType::kString)
      acc = make_string_min_max(is_max, std::move(acc), std::move(next));
    else
      acc = make_arithmetic(is_max ? ArithOp::kMax : ArithOp::kMin, common, std::move(acc),
                            std::move(next));
  }
  return maybe_fold(std::move(acc), constant);
}

NodePtr Binder::bind_round(const Node& node) {
  const Node& value_ast = *node.children[0];
  NodePtr value = bind(value_ast);
  const ValueType type = value->type();
  if (!is_numeric(type) && type != ValueType::kNull)
    fail(value_ast.span,
         fmt::format("round needs a number, but {}", describe(value_ast, type, "its argument")));
  std::int64_t digits = 0;
  if (node.children.size() == 2) {
    const Node& digits_ast = *node.children[1];
    NodePtr digits_node = bind(digits_ast);
    if (!digits_node->is_constant() || digits_node->type() != ValueType::kInt64 ||
        is_null_constant(digits_node))
      fail(digits_ast.span, "round's digits must be a whole-number constant such as 2 or -1");
    digits = static_cast<const ConstantNode&>(*digits_node).i64();
  }
  if (is_null_constant(value)) return ConstantNode::null(type);
  const bool constant = value->is_constant();
  return maybe_fold(make_math(MathOp::kRound, type, std::move(value), digits), constant);
}

NodePtr Binder::bind_date_part(const Node& node) {
  const Node& arg_ast = *node.children[0];
  NodePtr arg = bind(arg_ast);
  const ValueType type = arg->type();
  if (!is_datetime(type) && type != ValueType::kNull)
    fail(arg_ast.span,
         fmt::format("{} needs a date or timestamp, but {}{}", function_name(node.function),
                     describe(arg_ast, type, "its argument"),
                     type == ValueType::kString ? " (a column of ISO dates needs type date in the "
                                                  "input's schema)"
                                                : ""));
  if (is_null_constant(arg)) return ConstantNode::null(ValueType::kInt64);
  const bool constant = arg->is_constant();
  const DatePart part = node.function == Function::kYear    ? DatePart::kYear
                        : node.function == Function::kMonth ? DatePart::kMonth
                                                            : DatePart::kDay;
  return maybe_fold(make_date_part(part, promote(std::move(arg), ValueType::kDate)), constant);
}

}  // namespace rankflow::expr
