// Evaluation nodes: the bound, typed form of an expression. Internal to expr/.
//
// Each node computes its value for a whole block in one call (one virtual call per node per
// block, never per row) with a typed loop from kernels; constants are read through Same<T>
// accessors, so `qty > 5` never materializes a column of fives.
#pragma once

#include <memory>
#include <string>

#include "rankflow/expr/ast.hpp"
#include "vector.hpp"

namespace rankflow::expr {

class EvalNode {
 public:
  explicit EvalNode(ValueType type) : type_(type) {}
  virtual ~EvalNode() = default;
  EvalNode(const EvalNode&) = delete;
  EvalNode& operator=(const EvalNode&) = delete;

  ValueType type() const noexcept { return type_; }
  virtual bool is_constant() const noexcept { return false; }
  // This node's value for rows [0, rows) of `block`; valid until the next call.
  virtual Vector evaluate(const table::Table& block, std::size_t rows) = 0;

 private:
  ValueType type_;
};
using NodePtr = std::unique_ptr<EvalNode>;

// A literal or a folded constant part of an expression.
class ConstantNode final : public EvalNode {
 public:
  static std::unique_ptr<ConstantNode> null(ValueType type);
  static std::unique_ptr<ConstantNode> of_i64(ValueType type, std::int64_t value);
  static std::unique_ptr<ConstantNode> of_f64(double value);
  static std::unique_ptr<ConstantNode> of_bool(bool value);
  static std::unique_ptr<ConstantNode> of_string(std::string value);
  // Element `row` of `vector` (of type `type`) as a constant: constant folding.
  static std::unique_ptr<ConstantNode> from_vector(ValueType type, const Vector& vector,
                                                   std::size_t row);

  explicit ConstantNode(ValueType type) : EvalNode(type) {}
  bool is_constant() const noexcept override { return true; }
  bool is_null() const noexcept { return valid_ == 0; }
  std::int64_t i64() const noexcept { return i64_; }
  const std::string& str() const noexcept { return str_; }
  Vector evaluate(const table::Table& block, std::size_t rows) override;

 private:
  std::int64_t i64_ = 0;
  double f64_ = 0.0;
  std::uint8_t u8_ = 0;
  std::string str_;
  std::uint8_t valid_ = 1;
};

enum class CastKind : std::uint8_t { kIntToFloat, kDateToTimestamp, kTimestampToDate };
enum class ArithOp : std::uint8_t { kAdd, kSub, kMul, kDiv, kIntDiv, kMod, kMin, kMax };
enum class MathOp : std::uint8_t { kAbs, kSqrt, kLog, kExp, kRound, kNegate };
enum class DatePart : std::uint8_t { kYear, kMonth, kDay };

NodePtr make_column(std::size_t column_idx, ValueType type);
NodePtr make_cast(NodePtr child, CastKind kind);
// Materializes a constant as a vector, for kernels that only take vectors (and, or, not...).
NodePtr make_broadcast(NodePtr constant);

// `type` is int64 or float64 for arithmetic; min/max also take date and timestamp.
NodePtr make_arithmetic(ArithOp op, ValueType type, NodePtr left, NodePtr right);
// Both sides have storage `storage`; the result is bool.
NodePtr make_compare(BinaryOp op, Storage storage, NodePtr left, NodePtr right);
NodePtr make_string_min_max(bool is_max, NodePtr left, NodePtr right);

NodePtr make_logic(BinaryOp op, NodePtr left, NodePtr right);  // kAnd, kOr
NodePtr make_not(NodePtr child);
NodePtr make_is_null(NodePtr child, bool negated);

// abs, negate, round: int64 or float64; sqrt, log, exp: float64. round uses `digits`.
NodePtr make_math(MathOp op, ValueType type, NodePtr child, std::int64_t digits = 0);
NodePtr make_date_part(DatePart part, NodePtr days);  // from date (days since the epoch)

}  // namespace rankflow::expr
