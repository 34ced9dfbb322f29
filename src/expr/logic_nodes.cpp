// and, or, not (SQL three-valued logic) and `is [not] null`.
//
// Truth tables, with N for null:      and | T F N      or | T F N
//                                     T   | T F N      T  | T T T
//                                     F   | F F F      F  | T F N
//                                     N   | N F N      N  | T N N
// computed without branches: the value is a & b (a | b), and a row is present when both sides
// are present or one side alone decides (false for and, true for or). A null row's value byte
// may hold anything; the formulas never let it through.
#include "nodes.hpp"

namespace rankflow::expr {
namespace {

constexpr std::uint8_t kAllValid = 1;

// Operands here are always vectors (the binder broadcasts constants).
std::uint8_t valid_at(const std::uint8_t* valid, std::size_t row) {
  return valid == nullptr ? kAllValid : valid[row];
}

class LogicNode final : public EvalNode {
 public:
  LogicNode(BinaryOp op, NodePtr left, NodePtr right)
      : EvalNode(ValueType::kBool), op_(op), left_(std::move(left)), right_(std::move(right)) {}

  Vector evaluate(const table::Table& block, std::size_t rows) override {
    const Vector lhs = left_->evaluate(block, rows);
    const Vector rhs = right_->evaluate(block, rows);
    buffers_.u8.resize(rows);
    std::uint8_t* out = buffers_.u8.data();
    const std::uint8_t* a = lhs.u8;
    const std::uint8_t* b = rhs.u8;
    Vector result;
    result.u8 = out;
    if (lhs.valid == nullptr && rhs.valid == nullptr) {
      if (op_ == BinaryOp::kAnd)
        for (std::size_t row = 0; row < rows; ++row) out[row] = a[row] & b[row];
      else
        for (std::size_t row = 0; row < rows; ++row) out[row] = a[row] | b[row];
      return result;
    }
    buffers_.valid.resize(rows);
    std::uint8_t* valid = buffers_.valid.data();
    const bool is_and = op_ == BinaryOp::kAnd;
    for (std::size_t row = 0; row < rows; ++row) {
      const std::uint8_t av = valid_at(lhs.valid, row);
      const std::uint8_t bv = valid_at(rhs.valid, row);
      // For and, a present false decides; for or, a present true decides.
      const std::uint8_t a_decides = av & (is_and ? (a[row] ^ 1) : a[row]);
      const std::uint8_t b_decides = bv & (is_and ? (b[row] ^ 1) : b[row]);
      out[row] = is_and ? (a[row] & b[row]) : (a[row] | b[row]);
      valid[row] = (av & bv) | a_decides | b_decides;
    }
    result.valid = valid;
    return result;
  }

 private:
  BinaryOp op_;
  NodePtr left_;
  NodePtr right_;
  Buffers buffers_;
};

class NotNode final : public EvalNode {
 public:
  explicit NotNode(NodePtr child) : EvalNode(ValueType::kBool), child_(std::move(child)) {}

  Vector evaluate(const table::Table& block, std::size_t rows) override {
    const Vector in = child_->evaluate(block, rows);
    buffers_.u8.resize(rows);
    std::uint8_t* out = buffers_.u8.data();
    for (std::size_t row = 0; row < rows; ++row) out[row] = in.u8[row] ^ 1;
    Vector result;
    result.u8 = out;
    result.valid = in.valid;
    return result;
  }

 private:
  NodePtr child_;
  Buffers buffers_;
};

class IsNullNode final : public EvalNode {
 public:
  IsNullNode(NodePtr child, bool negated)
      : EvalNode(ValueType::kBool), child_(std::move(child)), negated_(negated) {}

  Vector evaluate(const table::Table& block, std::size_t rows) override {
    const Vector in = child_->evaluate(block, rows);
    buffers_.u8.resize(rows);
    std::uint8_t* out = buffers_.u8.data();
    const std::uint8_t flip = negated_ ? 0 : 1;  // is null: 1 where not valid
    if (in.valid == nullptr) {
      std::fill(out, out + rows, static_cast<std::uint8_t>(flip ^ 1));
    } else {
      for (std::size_t row = 0; row < rows; ++row) out[row] = in.valid[row] ^ flip;
    }
    Vector result;
    result.u8 = out;
    return result;
  }

 private:
  NodePtr child_;
  bool negated_;
  Buffers buffers_;
};

}  // namespace

NodePtr make_logic(BinaryOp op, NodePtr left, NodePtr right) {
  return std::make_unique<LogicNode>(op, std::move(left), std::move(right));
}
NodePtr make_not(NodePtr child) { return std::make_unique<NotNode>(std::move(child)); }
NodePtr make_is_null(NodePtr child, bool negated) {
  return std::make_unique<IsNullNode>(std::move(child), negated);
}

}  // namespace rankflow::expr
