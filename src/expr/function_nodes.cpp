// Unary functions: negate, abs, sqrt, log, exp, round; year, month, day.
#include <cmath>

#include "kernels.hpp"
#include "nodes.hpp"
#include "rankflow/table/datetime.hpp"

namespace rankflow::expr {
namespace {

template <typename In, typename Out, typename Fn>
void unary_loop(const In* in, Out* out, std::size_t rows, Fn fn) {
  for (std::size_t row = 0; row < rows; ++row) out[row] = fn(in[row]);
}

// 10^-digits for round(int, digits < 0); 0 when the unit exceeds int64 (every value rounds
// to 0), 1 for digits >= 0 (integers are already whole).
std::int64_t int_round_unit(std::int64_t digits) {
  if (digits >= 0) return 1;
  if (digits < -18) return 0;
  std::int64_t unit = 1;
  for (std::int64_t idx = 0; idx < -digits; ++idx) unit *= 10;
  return unit;
}

class MathNode final : public EvalNode {
 public:
  MathNode(MathOp op, ValueType type, NodePtr child, std::int64_t digits)
      : EvalNode(type),
        op_(op),
        child_(std::move(child)),
        digits_(digits),
        scale_(kernel::round_scale(digits)),
        unit_(int_round_unit(digits)) {}

  Vector evaluate(const table::Table& block, std::size_t rows) override {
    const Vector in = child_->evaluate(block, rows);
    const std::size_t count = in.constant ? 1 : rows;
    Vector out;
    out.constant = in.constant;
    out.valid = in.valid;
    if (type() == ValueType::kFloat64) {
      buffers_.f64.resize(count);
      out.f64 = buffers_.f64.data();
      run_float(in.f64, buffers_.f64.data(), count);
      if (op_ == MathOp::kSqrt || op_ == MathOp::kLog) out.valid = domain(in, count);
    } else {
      buffers_.i64.resize(count);
      out.i64 = buffers_.i64.data();
      run_int(in.i64, buffers_.i64.data(), count);
    }
    return out;
  }

 private:
  void run_float(const double* in, double* out, std::size_t rows) const {
    switch (op_) {
      case MathOp::kNegate:
        unary_loop(in, out, rows, [](double x) { return -x; });
        break;
      case MathOp::kAbs:
        unary_loop(in, out, rows, [](double x) { return std::fabs(x); });
        break;
      case MathOp::kSqrt:
        unary_loop(in, out, rows, [](double x) { return x < 0.0 ? 0.0 : std::sqrt(x); });
        break;
      case MathOp::kLog:
        unary_loop(in, out, rows, [](double x) { return x <= 0.0 ? 0.0 : std::log(x); });
        break;
      case MathOp::kExp:
        unary_loop(in, out, rows, [](double x) { return std::exp(x); });
        break;
      case MathOp::kRound: {
        const std::int64_t digits = digits_;
        const double scale = scale_;
        unary_loop(in, out, rows, [=](double x) { return kernel::round_digits(x, digits, scale); });
        break;
      }
    }
  }

  void run_int(const std::int64_t* in, std::int64_t* out, std::size_t rows) const {
    switch (op_) {
      case MathOp::kNegate:
        unary_loop(in, out, rows, kernel::neg);
        break;
      case MathOp::kAbs:
        unary_loop(in, out, rows, [](std::int64_t x) { return kernel::abs(x); });
        break;
      case MathOp::kRound: {
        const std::int64_t unit = unit_;
        if (unit == 0)
          std::fill(out, out + rows, 0);
        else
          unary_loop(in, out, rows, [=](std::int64_t x) { return kernel::round_int(x, unit); });
        break;
      }
      default:
        break;  // sqrt, log, exp are float64 only (the binder casts)
    }
  }

  // sqrt of a negative number and log of a non-positive one are null (NaN stays NaN).
  const std::uint8_t* domain(const Vector& in, std::size_t rows) {
    buffers_.u8.resize(rows);
    std::uint8_t* mask = buffers_.u8.data();
    const double* x = in.f64;
    if (op_ == MathOp::kSqrt)
      for (std::size_t row = 0; row < rows; ++row) mask[row] = x[row] < 0.0 ? 0 : 1;
    else
      for (std::size_t row = 0; row < rows; ++row) mask[row] = x[row] <= 0.0 ? 0 : 1;
    return mask_validity(in.valid, buffers_.u8, rows);
  }

  MathOp op_;
  NodePtr child_;
  std::int64_t digits_;
  double scale_;
  std::int64_t unit_;
  Buffers buffers_;
};

class DatePartNode final : public EvalNode {
 public:
  DatePartNode(DatePart part, NodePtr days)
      : EvalNode(ValueType::kInt64), part_(part), days_(std::move(days)) {}

  Vector evaluate(const table::Table& block, std::size_t rows) override {
    const Vector in = days_->evaluate(block, rows);
    const std::size_t count = in.constant ? 1 : rows;
    buffers_.i64.resize(count);
    std::int64_t* out = buffers_.i64.data();
    const std::int64_t* days = in.i64;
    for (std::size_t row = 0; row < count; ++row) {
      std::int64_t year = 0;
      unsigned month = 0;
      unsigned day = 0;
      table::civil_from_days(days[row], &year, &month, &day);
      out[row] = part_ == DatePart::kYear    ? year
                 : part_ == DatePart::kMonth ? static_cast<std::int64_t>(month)
                                             : static_cast<std::int64_t>(day);
    }
    Vector result;
    result.constant = in.constant;
    result.i64 = out;
    result.valid = in.valid;
    return result;
  }

 private:
  DatePart part_;
  NodePtr days_;
  Buffers buffers_;
};

}  // namespace

NodePtr make_math(MathOp op, ValueType type, NodePtr child, std::int64_t digits) {
  return std::make_unique<MathNode>(op, type, std::move(child), digits);
}

NodePtr make_date_part(DatePart part, NodePtr days) {
  return std::make_unique<DatePartNode>(part, std::move(days));
}

}  // namespace rankflow::expr
