#include "expr_oracle.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "rankflow/table/datetime.hpp"

namespace rankflow::oracle {
namespace {

// Exact 128-bit integers (a GCC/Clang extension; tests only) make the int64 wrapping rules
// checkable without restating them in 64-bit arithmetic.
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

using expr::BinaryOp;
using expr::Function;
using expr::Node;
using expr::NodeKind;
using expr::ValueType;

ExprValue null_of(ValueType type) {
  ExprValue value;
  value.type = type;
  return value;
}
ExprValue of_int(ValueType type, std::int64_t number) {
  ExprValue value;
  value.type = type;
  value.null = false;
  value.i64 = number;
  return value;
}
ExprValue of_float(double number) {
  ExprValue value;
  value.type = ValueType::kFloat64;
  value.null = false;
  value.f64 = number;
  return value;
}
ExprValue of_bool(bool flag) {
  ExprValue value;
  value.type = ValueType::kBool;
  value.null = false;
  value.boolean = flag;
  return value;
}
ExprValue of_string(std::string text) {
  ExprValue value;
  value.type = ValueType::kString;
  value.null = false;
  value.str = std::move(text);
  return value;
}

bool numeric(ValueType type) { return type == ValueType::kInt64 || type == ValueType::kFloat64; }
bool datetime(ValueType type) { return type == ValueType::kDate || type == ValueType::kTimestamp; }

// Two's complement truncation of an exact 128-bit result.
std::int64_t truncate(Int128 value) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(static_cast<UInt128>(value)));
}

double as_float(const ExprValue& value) {
  return value.type == ValueType::kFloat64 ? value.f64 : static_cast<double>(value.i64);
}

// Floor division and modulo on exact integers.
Int128 floor_div(Int128 a, Int128 b) {
  Int128 quotient = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) quotient -= 1;
  return quotient;
}

ExprValue arithmetic(BinaryOp op, const ExprValue& a, const ExprValue& b) {
  ValueType type = ValueType::kInt64;
  if (op == BinaryOp::kDiv || a.type == ValueType::kFloat64 || b.type == ValueType::kFloat64)
    type = ValueType::kFloat64;
  else if (a.type == ValueType::kNull && b.type == ValueType::kNull)
    type = ValueType::kNull;
  if (a.null || b.null) return null_of(type);
  if (type == ValueType::kFloat64) {
    const double x = as_float(a);
    const double y = as_float(b);
    switch (op) {
      case BinaryOp::kAdd:
        return of_float(x + y);
      case BinaryOp::kSub:
        return of_float(x - y);
      case BinaryOp::kMul:
        return of_float(x * y);
      case BinaryOp::kDiv:
        return y == 0 ? null_of(type) : of_float(x / y);
      case BinaryOp::kIntDiv:
        return y == 0 ? null_of(type) : of_float(std::floor(x / y));
      default: {
        if (y == 0) return null_of(type);
        double remainder = std::fmod(x, y);
        if (remainder != 0 && (remainder < 0) != (y < 0)) remainder += y;
        return of_float(remainder);
      }
    }
  }
  const Int128 x = a.i64;
  const Int128 y = b.i64;
  switch (op) {
    case BinaryOp::kAdd:
      return of_int(type, truncate(x + y));
    case BinaryOp::kSub:
      return of_int(type, truncate(x - y));
    case BinaryOp::kMul:
      return of_int(type, truncate(x * y));
    case BinaryOp::kIntDiv:
      return y == 0 ? null_of(type) : of_int(type, truncate(floor_div(x, y)));
    default:
      return y == 0 ? null_of(type) : of_int(type, truncate(x - floor_div(x, y) * y));
  }
}

// Brings a date/timestamp compared with a string to the date/timestamp type.
ExprValue coerce(const ExprValue& value, ValueType target) {
  if (value.type != ValueType::kString || !datetime(target)) return value;
  std::int64_t parsed = 0;
  if (target == ValueType::kDate && table::parse_date(value.str, &parsed))
    return of_int(target, parsed);
  if (target == ValueType::kTimestamp && table::parse_timestamp(value.str, &parsed))
    return of_int(target, parsed);
  if (target == ValueType::kTimestamp && table::parse_date(value.str, &parsed))
    return of_int(target, parsed * 86'400'000'000);
  throw std::runtime_error("oracle: not a date: " + value.str);
}

std::int64_t as_micros(const ExprValue& value) {
  return value.type == ValueType::kDate ? value.i64 * 86'400'000'000 : value.i64;
}

template <typename T>
bool compare_values(BinaryOp op, const T& x, const T& y) {
  switch (op) {
    case BinaryOp::kEq:
      return x == y;
    case BinaryOp::kNe:
      return x != y;
    case BinaryOp::kLt:
      return x < y;
    case BinaryOp::kLe:
      return x <= y;
    case BinaryOp::kGt:
      return x > y;
    default:
      return x >= y;
  }
}

ExprValue comparison(BinaryOp op, ExprValue a, ExprValue b) {
  if (a.null || b.null) return null_of(ValueType::kBool);
  a = coerce(a, b.type);
  b = coerce(b, a.type);
  if (numeric(a.type) && (a.type == ValueType::kFloat64 || b.type == ValueType::kFloat64))
    return of_bool(compare_values(op, as_float(a), as_float(b)));
  if (datetime(a.type) && a.type != b.type)
    return of_bool(compare_values(op, as_micros(a), as_micros(b)));
  switch (a.type) {
    case ValueType::kString:
      return of_bool(compare_values(op, a.str, b.str));
    case ValueType::kBool:
      return of_bool(compare_values(op, a.boolean, b.boolean));
    default:
      return of_bool(compare_values(op, a.i64, b.i64));
  }
}

// SQL three-valued logic, spelled out case by case.
ExprValue logic(BinaryOp op, const ExprValue& a, const ExprValue& b) {
  const bool is_and = op == BinaryOp::kAnd;
  const bool decisive = !is_and;  // false decides 'and', true decides 'or'
  if ((!a.null && a.boolean == decisive) || (!b.null && b.boolean == decisive))
    return of_bool(decisive);
  if (a.null || b.null) return null_of(ValueType::kBool);
  return of_bool(is_and ? (a.boolean && b.boolean) : (a.boolean || b.boolean));
}

ValueType min_max_type(ValueType acc, ValueType next) {
  if (acc == ValueType::kNull) return next;
  if (next == ValueType::kNull || acc == next) return acc;
  if (numeric(acc) && numeric(next)) return ValueType::kFloat64;
  return ValueType::kTimestamp;  // date with timestamp
}

ExprValue convert(const ExprValue& value, ValueType type) {
  if (value.type == type) return value;
  if (value.null) return null_of(type);
  if (type == ValueType::kFloat64) return of_float(as_float(value));
  return of_int(type, as_micros(value));  // date -> timestamp
}

ExprValue min_max(bool is_max, const std::vector<ExprValue>& args) {
  ValueType type = ValueType::kNull;
  for (const ExprValue& arg : args) type = min_max_type(type, arg.type);
  for (const ExprValue& arg : args)
    if (arg.null) return null_of(type);
  ExprValue best = convert(args[0], type);
  for (std::size_t idx = 1; idx < args.size(); ++idx) {
    const ExprValue next = convert(args[idx], type);
    // The first of equal (or unordered) values wins.
    const bool take = is_max ? comparison(BinaryOp::kLt, best, next).boolean
                             : comparison(BinaryOp::kLt, next, best).boolean;
    if (take) best = next;
  }
  return best;
}

ExprValue round_value(const ExprValue& x, std::int64_t digits) {
  if (x.null) return x;
  if (x.type == ValueType::kInt64) {
    if (digits >= 0) return x;
    if (digits < -18) return of_int(x.type, 0);
    Int128 unit = 1;
    for (std::int64_t idx = 0; idx < -digits; ++idx) unit *= 10;
    const Int128 value = x.i64;
    const Int128 magnitude = value < 0 ? -value : value;
    Int128 rounded = (magnitude + unit / 2) / unit * unit;  // half away from zero
    return of_int(x.type, truncate(value < 0 ? -rounded : rounded));
  }
  const double scale = std::pow(10.0, static_cast<double>(std::llabs(digits)));
  if (digits == 0) return of_float(std::round(x.f64));
  if (digits < 0 && std::isinf(scale)) return of_float(std::isfinite(x.f64) ? 0.0 : x.f64);
  const double scaled = digits > 0 ? x.f64 * scale : x.f64 / scale;
  if (!std::isfinite(scaled)) return x;
  return of_float(digits > 0 ? std::round(scaled) / scale : std::round(scaled) * scale);
}

class RowEvaluator {
 public:
  RowEvaluator(const table::Table& table, std::size_t row) : table_(table), row_(row) {}
  ExprValue eval(const Node& node);

 private:
  ExprValue literal(const expr::Literal& literal);
  ExprValue call(const Node& node);
  ExprValue unary_math(Function function, const ExprValue& x);

  const table::Table& table_;
  std::size_t row_;
};

ExprValue RowEvaluator::literal(const expr::Literal& literal) {
  switch (literal.kind) {
    case expr::LiteralKind::kNull:
      return null_of(ValueType::kNull);
    case expr::LiteralKind::kBool:
      return of_bool(literal.boolean);
    case expr::LiteralKind::kInt64:
      return of_int(ValueType::kInt64, literal.i64);
    case expr::LiteralKind::kFloat64:
      return of_float(literal.f64);
    case expr::LiteralKind::kString:
      return of_string(literal.text);
    case expr::LiteralKind::kDate:
      return of_int(ValueType::kDate, literal.i64);
    case expr::LiteralKind::kTimestamp:
      return of_int(ValueType::kTimestamp, literal.i64);
  }
  throw std::runtime_error("oracle: literal");
}

ExprValue RowEvaluator::unary_math(Function function, const ExprValue& x) {
  if (function == Function::kAbs) {
    if (x.null) return x;
    if (x.type == ValueType::kFloat64) return of_float(std::fabs(x.f64));
    return of_int(x.type, truncate(x.i64 < 0 ? -static_cast<Int128>(x.i64) : x.i64));
  }
  if (x.null) return null_of(ValueType::kFloat64);
  const double value = as_float(x);
  if (function == Function::kSqrt)
    return value < 0 ? null_of(ValueType::kFloat64) : of_float(std::sqrt(value));
  if (function == Function::kLog)
    return value <= 0 ? null_of(ValueType::kFloat64) : of_float(std::log(value));
  return of_float(std::exp(value));
}

ExprValue RowEvaluator::call(const Node& node) {
  std::vector<ExprValue> args;
  for (const auto& child : node.children) args.push_back(eval(*child));
  switch (node.function) {
    case Function::kMin:
      return min_max(false, args);
    case Function::kMax:
      return min_max(true, args);
    case Function::kRound:
      return round_value(args[0], args.size() > 1 ? args[1].i64 : 0);
    case Function::kYear:
    case Function::kMonth:
    case Function::kDay: {
      if (args[0].null) return null_of(ValueType::kInt64);
      std::int64_t days = args[0].i64;
      if (args[0].type == ValueType::kTimestamp)
        days = static_cast<std::int64_t>(
            std::floor(static_cast<long double>(days) / 86'400'000'000.0L));
      std::int64_t year = 0;
      unsigned month = 0;
      unsigned day = 0;
      table::civil_from_days(days, &year, &month, &day);
      return of_int(ValueType::kInt64, node.function == Function::kYear    ? year
                                       : node.function == Function::kMonth ? month
                                                                           : day);
    }
    default:
      return unary_math(node.function, args[0]);
  }
}

ExprValue RowEvaluator::eval(const Node& node) {
  switch (node.kind) {
    case NodeKind::kLiteral:
      return literal(node.literal);
    case NodeKind::kColumn:
      return cell(table_.column(node.column), row_);
    case NodeKind::kIsNull:
      return of_bool(eval(*node.children[0]).null != node.negated);
    case NodeKind::kCall:
      return call(node);
    case NodeKind::kUnary: {
      ExprValue operand = eval(*node.children[0]);
      if (node.unary_op == expr::UnaryOp::kNot) {
        if (operand.null) return null_of(ValueType::kBool);
        return of_bool(!operand.boolean);
      }
      if (operand.null) return operand;
      if (operand.type == ValueType::kFloat64) return of_float(-operand.f64);
      return of_int(operand.type, truncate(-static_cast<Int128>(operand.i64)));
    }
    case NodeKind::kBinary: {
      const ExprValue a = eval(*node.children[0]);
      const ExprValue b = eval(*node.children[1]);
      if (node.binary_op == BinaryOp::kAnd || node.binary_op == BinaryOp::kOr)
        return logic(node.binary_op, a, b);
      if (expr::is_arithmetic(node.binary_op)) return arithmetic(node.binary_op, a, b);
      return comparison(node.binary_op, a, b);
    }
  }
  throw std::runtime_error("oracle: node");
}

}  // namespace

ExprValue cell(const table::Column& column, std::size_t row) {
  const ValueType type = expr::value_type_of(column.type());
  if (!column.is_valid(row)) return null_of(type);
  switch (column.type()) {
    case table::ColumnType::kFloat64:
      return of_float(column.f64()[row]);
    case table::ColumnType::kBool:
      return of_bool(column.u8()[row] != 0);
    case table::ColumnType::kString:
      return of_string(std::string(column.str(row)));
    default:
      return of_int(type, column.i64()[row]);
  }
}

ExprValue evaluate_row(const expr::Expression& expression, const table::Table& table,
                       std::size_t row) {
  return RowEvaluator(table, row).eval(expression.root());
}

std::string describe(const ExprValue& value) {
  const std::string type(expr::value_type_name(value.type));
  if (value.null) return type + " null";
  switch (value.type) {
    case ValueType::kFloat64:
      return fmt::format("{} {}", type, value.f64);
    case ValueType::kBool:
      return type + (value.boolean ? " true" : " false");
    case ValueType::kString:
      return type + " '" + value.str + "'";
    default:
      return fmt::format("{} {}", type, value.i64);
  }
}

}  // namespace rankflow::oracle
