#include "rankflow/core/text.hpp"
#include "binder.hpp"

#include <fmt/format.h>

#include "messages.hpp"
#include "rankflow/table/datetime.hpp"

namespace rankflow::expr {
namespace {

constexpr std::int64_t kMicrosPerDay = 86'400'000'000;

ArithOp arith_op(BinaryOp op) {
  switch (op) {
    case BinaryOp::kSub:
      return ArithOp::kSub;
    case BinaryOp::kMul:
      return ArithOp::kMul;
    case BinaryOp::kDiv:
      return ArithOp::kDiv;
    case BinaryOp::kIntDiv:
      return ArithOp::kIntDiv;
    case BinaryOp::kMod:
      return ArithOp::kMod;
    default:
      return ArithOp::kAdd;
  }
}

std::string type_name(ValueType type) { return std::string(value_type_name(type)); }

}  // namespace

bool is_numeric(ValueType type) { return type == ValueType::kInt64 || type == ValueType::kFloat64; }
bool is_datetime(ValueType type) {
  return type == ValueType::kDate || type == ValueType::kTimestamp;
}

bool is_null_constant(const NodePtr& node) {
  return node->is_constant() && static_cast<const ConstantNode&>(*node).is_null();
}

bool all_constant(const std::vector<NodePtr>& nodes) {
  for (const NodePtr& node : nodes)
    if (!node->is_constant()) return false;
  return true;
}

NodePtr fold(NodePtr node) {
  static const table::Table kNoColumns;
  const Vector value = node->evaluate(kNoColumns, 1);
  return ConstantNode::from_vector(node->type(), value, 0);
}

NodePtr promote(NodePtr node, ValueType target) {
  const ValueType from = node->type();
  if (from == target) return node;
  if (is_null_constant(node)) return ConstantNode::null(target);
  const bool constant = node->is_constant();
  NodePtr cast;
  if (from == ValueType::kInt64 && target == ValueType::kFloat64)
    cast = make_cast(std::move(node), CastKind::kIntToFloat);
  else if (from == ValueType::kDate && target == ValueType::kTimestamp)
    cast = make_cast(std::move(node), CastKind::kDateToTimestamp);
  else if (from == ValueType::kTimestamp && target == ValueType::kDate)
    cast = make_cast(std::move(node), CastKind::kTimestampToDate);
  else
    return node;  // the binder checked compatibility; nothing to convert
  // A cast of a constant is a constant: fold it now.
  return constant ? fold(std::move(cast)) : std::move(cast);
}

NodePtr vectorize(NodePtr node, ValueType type) {
  if (!node->is_constant()) return node;
  if (is_null_constant(node)) node = ConstantNode::null(type);
  return make_broadcast(std::move(node));
}

void Binder::fail(Span span, const std::string& problem) const { fail_at(text_, span, problem); }

std::string Binder::describe(const Node& ast, ValueType type, const char* fallback) const {
  if (ast.kind == NodeKind::kColumn)
    return fmt::format("column '{}' is {}", excerpt(ast.column), type_name(type));
  return fmt::format("{} is {}", fallback, type_name(type));
}

NodePtr Binder::bind(const Node& node) {
  switch (node.kind) {
    case NodeKind::kLiteral:
      return bind_literal(node);
    case NodeKind::kColumn:
      return bind_column(node);
    case NodeKind::kUnary:
      return bind_unary(node);
    case NodeKind::kBinary:
      return bind_binary(node);
    case NodeKind::kIsNull:
      return bind_is_null(node);
    case NodeKind::kCall:
      return bind_call(node);
  }
  fail(node.span, "internal: unknown syntax node");
}

NodePtr Binder::bind_literal(const Node& node) {
  const Literal& literal = node.literal;
  switch (literal.kind) {
    case LiteralKind::kNull:
      return ConstantNode::null(ValueType::kNull);
    case LiteralKind::kBool:
      return ConstantNode::of_bool(literal.boolean);
    case LiteralKind::kInt64:
      return ConstantNode::of_i64(ValueType::kInt64, literal.i64);
    case LiteralKind::kFloat64:
      return ConstantNode::of_f64(literal.f64);
    case LiteralKind::kString:
      return ConstantNode::of_string(literal.text);
    case LiteralKind::kDate:
      return ConstantNode::of_i64(ValueType::kDate, literal.i64);
    case LiteralKind::kTimestamp:
      return ConstantNode::of_i64(ValueType::kTimestamp, literal.i64);
  }
  fail(node.span, "internal: unknown literal");
}

NodePtr Binder::bind_column(const Node& node) {
  const auto idx = schema_.find(node.column);
  if (idx) return make_column(*idx, value_type_of(schema_.field(*idx).type));
  std::vector<std::string> names;
  for (const table::Field& field : schema_.fields()) names.push_back(field.name);
  std::string hint = did_you_mean(node.column, names);
  if (hint.empty()) {
    constexpr std::size_t kShown = 30;
    std::vector<std::string> shown(
        names.begin(), names.begin() + static_cast<std::ptrdiff_t>(std::min(names.size(), kShown)));
    hint = names.empty()
               ? "; the input has no columns"
               : "; the columns are: " + join_names(shown) + (names.size() > kShown ? ", ..." : "");
  }
  fail(node.span, fmt::format("unknown column '{}'{}", excerpt(node.column), hint));
}

NodePtr Binder::bind_unary(const Node& node) {
  const Node& operand_ast = *node.children[0];
  NodePtr operand = bind(operand_ast);
  const ValueType type = operand->type();
  if (node.unary_op == UnaryOp::kNot) {
    if (type != ValueType::kBool && type != ValueType::kNull)
      fail(operand_ast.span, fmt::format("'not' needs a true/false value, but {}",
                                         describe(operand_ast, type, "its operand")));
    if (operand->is_constant())
      return fold(make_not(vectorize(std::move(operand), ValueType::kBool)));
    return make_not(std::move(operand));
  }
  if (!is_numeric(type) && type != ValueType::kNull)
    fail(operand_ast.span,
         fmt::format("'-' needs a number, but {}", describe(operand_ast, type, "its operand")));
  if (is_null_constant(operand)) return ConstantNode::null(type);
  const bool constant = operand->is_constant();
  NodePtr node_out = make_math(MathOp::kNegate, type, std::move(operand));
  return constant ? fold(std::move(node_out)) : std::move(node_out);
}

NodePtr Binder::bind_is_null(const Node& node) {
  NodePtr operand = bind(*node.children[0]);
  if (operand->is_constant())
    return ConstantNode::of_bool(is_null_constant(operand) != node.negated);
  return make_is_null(std::move(operand), node.negated);
}

NodePtr Binder::bind_binary(const Node& node) {
  if (node.binary_op == BinaryOp::kAnd || node.binary_op == BinaryOp::kOr) return bind_logic(node);
  if (is_arithmetic(node.binary_op)) return bind_arithmetic(node);
  return bind_compare(node);
}

NodePtr Binder::bind_logic(const Node& node) {
  std::vector<NodePtr> sides;
  const char* names[] = {"its left side", "its right side"};
  for (std::size_t side = 0; side < 2; ++side) {
    const Node& ast = *node.children[side];
    sides.push_back(bind(ast));
    const ValueType type = sides.back()->type();
    if (type != ValueType::kBool && type != ValueType::kNull)
      fail(ast.span, fmt::format("'{}' needs true/false values, but {}{}",
                                 binary_op_text(node.binary_op), describe(ast, type, names[side]),
                                 is_numeric(type) ? " (write 'x != 0' to test a number)" : ""));
  }
  const bool constant = all_constant(sides);
  NodePtr result = make_logic(node.binary_op, vectorize(std::move(sides[0]), ValueType::kBool),
                              vectorize(std::move(sides[1]), ValueType::kBool));
  return constant ? fold(std::move(result)) : std::move(result);
}

NodePtr Binder::bind_arithmetic(const Node& node) {
  const BinaryOp op = node.binary_op;
  std::vector<NodePtr> sides;
  const char* names[] = {"the left side", "the right side"};
  for (std::size_t side = 0; side < 2; ++side) {
    const Node& ast = *node.children[side];
    sides.push_back(bind(ast));
    const ValueType type = sides.back()->type();
    if (is_numeric(type) || type == ValueType::kNull) continue;
    const char* hint = type == ValueType::kString && op == BinaryOp::kAdd
                           ? " (strings cannot be added)"
                       : is_datetime(type) ? " (date arithmetic is not supported yet)"
                                           : "";
    fail(ast.span, fmt::format("'{}' needs numbers, but {}{}", binary_op_text(op),
                               describe(ast, type, names[side]), hint));
  }
  const ValueType left = sides[0]->type();
  const ValueType right = sides[1]->type();
  ValueType result = ValueType::kInt64;
  if (op == BinaryOp::kDiv || left == ValueType::kFloat64 || right == ValueType::kFloat64)
    result = ValueType::kFloat64;
  else if (left == ValueType::kNull && right == ValueType::kNull)
    result = ValueType::kNull;
  if (is_null_constant(sides[0]) || is_null_constant(sides[1])) return ConstantNode::null(result);
  const bool constant = all_constant(sides);
  NodePtr out = make_arithmetic(arith_op(op), result, promote(std::move(sides[0]), result),
                                promote(std::move(sides[1]), result));
  return constant ? fold(std::move(out)) : std::move(out);
}

void Binder::coerce_datetime_string(const Node& ast, NodePtr& side, ValueType target) {
  const std::string& value = static_cast<const ConstantNode&>(*side).str();
  std::int64_t parsed = 0;
  if (target == ValueType::kDate) {
    if (!table::parse_date(value, &parsed))
      fail(ast.span, fmt::format("'{}' is not a date (expected YYYY-MM-DD)", excerpt(value)));
  } else if (!table::parse_timestamp(value, &parsed)) {
    if (!table::parse_date(value, &parsed))
      fail(ast.span, fmt::format("'{}' is not a timestamp (expected YYYY-MM-DD or "
                                 "YYYY-MM-DDTHH:MM:SS, optional .fraction and Z or +HH:MM)",
                                 excerpt(value)));
    parsed *= kMicrosPerDay;  // a date alone means midnight
  }
  side = ConstantNode::of_i64(target, parsed);
}

NodePtr Binder::bind_compare(const Node& node) {
  NodePtr left = bind(*node.children[0]);
  NodePtr right = bind(*node.children[1]);
  if (is_null_constant(left) || is_null_constant(right))
    return ConstantNode::null(ValueType::kBool);
  // A date or timestamp compared with a string constant: the string is read as a date (once).
  if (is_datetime(left->type()) && right->type() == ValueType::kString && right->is_constant())
    coerce_datetime_string(*node.children[1], right, left->type());
  if (is_datetime(right->type()) && left->type() == ValueType::kString && left->is_constant())
    coerce_datetime_string(*node.children[0], left, right->type());
  const ValueType lt = left->type();
  const ValueType rt = right->type();
  ValueType common = lt;
  if (is_numeric(lt) && is_numeric(rt)) {
    common = lt == rt ? lt : ValueType::kFloat64;
  } else if (is_datetime(lt) && is_datetime(rt)) {
    common = lt == rt ? lt : ValueType::kTimestamp;
  } else if (lt != rt) {
    const bool datetime_vs_string = (is_datetime(lt) && rt == ValueType::kString) ||
                                    (is_datetime(rt) && lt == ValueType::kString);
    fail(node.op_span,
         fmt::format(
             "'{}' cannot compare {} with {}{}", binary_op_text(node.binary_op), type_name(lt),
             type_name(rt),
             datetime_vs_string ? " (compare with a literal such as date '2024-01-31')" : ""));
  }
  const bool constant = left->is_constant() && right->is_constant();
  NodePtr out = make_compare(node.binary_op, storage_of(common), promote(std::move(left), common),
                             promote(std::move(right), common));
  return constant ? fold(std::move(out)) : std::move(out);
}

}  // namespace rankflow::expr
