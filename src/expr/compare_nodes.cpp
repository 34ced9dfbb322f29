// = != < <= > >= over int64 (date, timestamp), float64, bool and string blocks; string min/max.
#include <cstring>

#include "kernels.hpp"
#include "nodes.hpp"
#include "rankflow/table/table.hpp"

namespace rankflow::expr {
namespace {

template <typename L, typename R, typename Fn>
void compare_loop(L lhs, R rhs, std::uint8_t* out, std::size_t rows, Fn fn) {
  for (std::size_t row = 0; row < rows; ++row) out[row] = fn(lhs[row], rhs[row]) ? 1 : 0;
}

// Works for numbers and for std::string_view (bytewise, which for UTF-8 is code point order).
template <typename L, typename R>
void compare(BinaryOp op, L lhs, R rhs, std::uint8_t* out, std::size_t rows) {
  using T = decltype(lhs[0]);
  switch (op) {
    case BinaryOp::kEq:
      compare_loop(lhs, rhs, out, rows, [](T a, T b) { return a == b; });
      break;
    case BinaryOp::kNe:
      compare_loop(lhs, rhs, out, rows, [](T a, T b) { return a != b; });
      break;
    case BinaryOp::kLt:
      compare_loop(lhs, rhs, out, rows, [](T a, T b) { return a < b; });
      break;
    case BinaryOp::kLe:
      compare_loop(lhs, rhs, out, rows, [](T a, T b) { return a <= b; });
      break;
    case BinaryOp::kGt:
      compare_loop(lhs, rhs, out, rows, [](T a, T b) { return a > b; });
      break;
    case BinaryOp::kGe:
      compare_loop(lhs, rhs, out, rows, [](T a, T b) { return a >= b; });
      break;
    default:
      break;
  }
}

// `column = 'misc'` (or !=) with a constant of at most 8 bytes, the common category filter:
// one 8-byte load, mask and compare per row instead of a length branch and a memcmp call
// (about 8x faster on short keys). Rows too close to the end of the character buffer for an
// 8-byte load take the plain path. False when the fast path does not apply.
bool short_string_equals(const table::Column& column, std::string_view constant, bool negate,
                         std::uint8_t* out, std::size_t rows) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  constexpr std::size_t kWord = sizeof(std::uint64_t);
  if (constant.size() > kWord) return false;
  const char* chars = column.chars().data();
  const std::uint64_t* offsets = column.offsets().data();
  const std::uint64_t total = column.chars().size();
  const std::uint64_t length = constant.size();
  std::uint64_t want = 0;
  std::memcpy(&want, constant.data(), constant.size());
  const std::uint64_t mask =
      length == kWord ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * length)) - 1;
  const std::uint8_t flip = negate ? 1 : 0;
  std::size_t row = 0;
  for (; row < rows && offsets[row] + kWord <= total; ++row) {
    std::uint64_t word = 0;
    std::memcpy(&word, chars + offsets[row], kWord);
    const bool equal = (offsets[row + 1] - offsets[row] == length) & ((word & mask) == want);
    out[row] = static_cast<std::uint8_t>(equal ? 1 : 0) ^ flip;
  }
  for (; row < rows; ++row)
    out[row] = static_cast<std::uint8_t>(column.str(row) == constant ? 1 : 0) ^ flip;
  return true;
#else
  (void)column, (void)constant, (void)negate, (void)out, (void)rows;
  return false;
#endif
}

class CompareNode final : public EvalNode {
 public:
  CompareNode(BinaryOp op, Storage storage, NodePtr left, NodePtr right)
      : EvalNode(ValueType::kBool),
        op_(op),
        storage_(storage),
        left_(std::move(left)),
        right_(std::move(right)) {}

  Vector evaluate(const table::Table& block, std::size_t rows) override {
    const Vector lhs = left_->evaluate(block, rows);
    const Vector rhs = right_->evaluate(block, rows);
    const bool constant = lhs.constant && rhs.constant;
    const std::size_t count = constant ? 1 : rows;
    buffers_.u8.resize(count);
    std::uint8_t* out = buffers_.u8.data();
    auto run = [&](auto a, auto b) { compare(op_, a, b, out, count); };
    switch (storage_) {
      case Storage::kI64:
        with_accessors<std::int64_t>(lhs, rhs, run);
        break;
      case Storage::kF64:
        with_accessors<double>(lhs, rhs, run);
        break;
      case Storage::kU8:
        with_accessors<std::uint8_t>(lhs, rhs, run);
        break;
      case Storage::kString:
        if (!string_fast_path(lhs, rhs, out, count))
          with_accessors<std::string_view>(lhs, rhs, run);
        break;
    }
    Vector result;
    result.constant = constant;
    result.u8 = out;
    result.valid = and_validity(lhs, rhs, count, buffers_.valid);
    return result;
  }

 private:
  bool string_fast_path(const Vector& lhs, const Vector& rhs, std::uint8_t* out,
                        std::size_t rows) const {
    if ((op_ != BinaryOp::kEq && op_ != BinaryOp::kNe) || lhs.constant == rhs.constant)
      return false;
    const Vector& column = lhs.constant ? rhs : lhs;
    const std::string_view constant = lhs.constant ? lhs.str : rhs.str;
    return short_string_equals(*column.strings, constant, op_ == BinaryOp::kNe, out, rows);
  }

  BinaryOp op_;
  Storage storage_;
  NodePtr left_;
  NodePtr right_;
  Buffers buffers_;
};

class StringMinMaxNode final : public EvalNode {
 public:
  StringMinMaxNode(bool is_max, NodePtr left, NodePtr right)
      : EvalNode(ValueType::kString),
        is_max_(is_max),
        left_(std::move(left)),
        right_(std::move(right)) {}

  Vector evaluate(const table::Table& block, std::size_t rows) override {
    const Vector lhs = left_->evaluate(block, rows);
    const Vector rhs = right_->evaluate(block, rows);
    const bool constant = lhs.constant && rhs.constant;
    const std::size_t count = constant ? 1 : rows;
    const std::uint8_t* valid = and_validity(lhs, rhs, count, buffers_.valid);
    strings_.clear();
    with_accessors<std::string_view>(lhs, rhs, [&](auto a, auto b) {
      for (std::size_t row = 0; row < count; ++row) {
        if (valid != nullptr && valid[row] == 0) {
          strings_.append_string({});
          continue;
        }
        strings_.append_string(is_max_ ? kernel::max(a[row], b[row]) : kernel::min(a[row], b[row]));
      }
    });
    Vector result;
    result.strings = &strings_;
    result.valid = valid;
    if (constant) {  // folding: the binder copies element 0 out right away
      result.constant = true;
      result.str = strings_.str(0);
    }
    return result;
  }

 private:
  bool is_max_;
  NodePtr left_;
  NodePtr right_;
  Buffers buffers_;
  table::Column strings_{table::ColumnType::kString};
};

}  // namespace

NodePtr make_compare(BinaryOp op, Storage storage, NodePtr left, NodePtr right) {
  return std::make_unique<CompareNode>(op, storage, std::move(left), std::move(right));
}

NodePtr make_string_min_max(bool is_max, NodePtr left, NodePtr right) {
  return std::make_unique<StringMinMaxNode>(is_max, std::move(left), std::move(right));
}

}  // namespace rankflow::expr
