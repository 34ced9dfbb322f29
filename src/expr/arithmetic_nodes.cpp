// + - * / // % min max over int64 (and date/timestamp for min/max) and float64 blocks.
#include "kernels.hpp"
#include "nodes.hpp"

namespace rankflow::expr {
namespace {

// One loop per (operator, element type, constant-or-column on each side): every instantiation
// is a plain indexed loop the compiler can vectorize.
template <typename Fn, typename L, typename R, typename T>
void binary_loop(L lhs, R rhs, T* out, std::size_t rows, Fn fn) {
  for (std::size_t row = 0; row < rows; ++row) out[row] = fn(lhs[row], rhs[row]);
}

// Rows whose divisor is zero become null: mask[row] = (rhs[row] != 0).
template <typename R>
void nonzero_mask(R rhs, std::uint8_t* mask, std::size_t rows) {
  for (std::size_t row = 0; row < rows; ++row) mask[row] = rhs[row] != 0 ? 1 : 0;
}

template <typename T>
struct Ops;

template <>
struct Ops<std::int64_t> {
  template <typename L, typename R>
  static void run(ArithOp op, L lhs, R rhs, std::int64_t* out, std::size_t rows) {
    using I = std::int64_t;
    switch (op) {
      case ArithOp::kAdd:
        binary_loop(lhs, rhs, out, rows, [](I a, I b) { return kernel::add(a, b); });
        break;
      case ArithOp::kSub:
        binary_loop(lhs, rhs, out, rows, [](I a, I b) { return kernel::sub(a, b); });
        break;
      case ArithOp::kMul:
        binary_loop(lhs, rhs, out, rows, [](I a, I b) { return kernel::mul(a, b); });
        break;
      case ArithOp::kIntDiv:
        binary_loop(lhs, rhs, out, rows, kernel::int_div);
        break;
      case ArithOp::kMod:
        binary_loop(lhs, rhs, out, rows, kernel::int_mod);
        break;
      case ArithOp::kMin:
        binary_loop(lhs, rhs, out, rows, kernel::min<I>);
        break;
      case ArithOp::kMax:
        binary_loop(lhs, rhs, out, rows, kernel::max<I>);
        break;
      case ArithOp::kDiv:
        break;  // the binder makes `/` float64
    }
  }
};

template <>
struct Ops<double> {
  template <typename L, typename R>
  static void run(ArithOp op, L lhs, R rhs, double* out, std::size_t rows) {
    switch (op) {
      case ArithOp::kAdd:
        binary_loop(lhs, rhs, out, rows, [](double a, double b) { return a + b; });
        break;
      case ArithOp::kSub:
        binary_loop(lhs, rhs, out, rows, [](double a, double b) { return a - b; });
        break;
      case ArithOp::kMul:
        binary_loop(lhs, rhs, out, rows, [](double a, double b) { return a * b; });
        break;
      case ArithOp::kDiv:
        binary_loop(lhs, rhs, out, rows, kernel::float_div);
        break;
      case ArithOp::kIntDiv:
        binary_loop(lhs, rhs, out, rows, kernel::float_int_div);
        break;
      case ArithOp::kMod:
        binary_loop(lhs, rhs, out, rows, kernel::float_mod);
        break;
      case ArithOp::kMin:
        binary_loop(lhs, rhs, out, rows, kernel::min<double>);
        break;
      case ArithOp::kMax:
        binary_loop(lhs, rhs, out, rows, kernel::max<double>);
        break;
    }
  }
};

template <typename T>
class ArithmeticNode final : public EvalNode {
 public:
  ArithmeticNode(ArithOp op, ValueType type, NodePtr left, NodePtr right)
      : EvalNode(type), op_(op), left_(std::move(left)), right_(std::move(right)) {}

  Vector evaluate(const table::Table& block, std::size_t rows) override {
    const Vector lhs = left_->evaluate(block, rows);
    const Vector rhs = right_->evaluate(block, rows);
    const bool constant = lhs.constant && rhs.constant;  // only while folding
    const std::size_t count = constant ? 1 : rows;
    std::vector<T>& values = buffer();
    values.resize(count);
    with_accessors<T>(lhs, rhs,
                      [&](auto a, auto b) { Ops<T>::run(op_, a, b, values.data(), count); });
    Vector out;
    out.constant = constant;
    set_data(out, values.data());
    out.valid = and_validity(lhs, rhs, count, buffers_.valid);
    if (op_ == ArithOp::kDiv || op_ == ArithOp::kIntDiv || op_ == ArithOp::kMod) {
      // Division by zero is null; the mask is built apart so the arithmetic loop stays simple.
      buffers_.u8.resize(count);
      with_accessor<T>(rhs, [&](auto b) { nonzero_mask(b, buffers_.u8.data(), count); });
      out.valid = mask_validity(out.valid, buffers_.u8, count);
    }
    return out;
  }

 private:
  std::vector<T>& buffer() {
    if constexpr (std::is_same_v<T, double>)
      return buffers_.f64;
    else
      return buffers_.i64;
  }
  static void set_data(Vector& out, const T* data) {
    if constexpr (std::is_same_v<T, double>)
      out.f64 = data;
    else
      out.i64 = data;
  }

  ArithOp op_;
  NodePtr left_;
  NodePtr right_;
  Buffers buffers_;
};

}  // namespace

NodePtr make_arithmetic(ArithOp op, ValueType type, NodePtr left, NodePtr right) {
  if (type == ValueType::kFloat64)
    return std::make_unique<ArithmeticNode<double>>(op, type, std::move(left), std::move(right));
  return std::make_unique<ArithmeticNode<std::int64_t>>(op, type, std::move(left),
                                                        std::move(right));
}

}  // namespace rankflow::expr
