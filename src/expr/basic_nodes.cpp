// Constants, column references, casts and broadcasts; the validity helpers.
#include <algorithm>

#include "nodes.hpp"
#include "rankflow/table/table.hpp"

namespace rankflow::expr {
namespace {

constexpr std::int64_t kMicrosPerDay = 86'400'000'000;

class ColumnNode final : public EvalNode {
 public:
  ColumnNode(std::size_t column_idx, ValueType type) : EvalNode(type), column_idx_(column_idx) {}

  Vector evaluate(const table::Table& block, std::size_t) override {
    const table::Column& column = block.column(column_idx_);
    Vector vector;
    switch (storage_of(type())) {
      case Storage::kI64:
        vector.i64 = column.i64();
        break;
      case Storage::kF64:
        vector.f64 = column.f64();
        break;
      case Storage::kU8:
        vector.u8 = column.u8();
        break;
      case Storage::kString:
        vector.strings = &column;
        break;
    }
    vector.valid = column.validity();
    return vector;
  }

 private:
  std::size_t column_idx_;
};

ValueType cast_target(CastKind kind) {
  switch (kind) {
    case CastKind::kIntToFloat:
      return ValueType::kFloat64;
    case CastKind::kDateToTimestamp:
      return ValueType::kTimestamp;
    case CastKind::kTimestampToDate:
      break;
  }
  return ValueType::kDate;
}

// Floor division, so that instants before 1970 fall on the right day.
std::int64_t floor_days(std::int64_t micros) {
  const std::int64_t days = micros / kMicrosPerDay;
  return days - ((micros % kMicrosPerDay) < 0 ? 1 : 0);
}

class CastNode final : public EvalNode {
 public:
  CastNode(NodePtr child, CastKind kind)
      : EvalNode(cast_target(kind)), child_(std::move(child)), kind_(kind) {}

  Vector evaluate(const table::Table& block, std::size_t rows) override {
    const Vector in = child_->evaluate(block, rows);
    const std::size_t count = in.constant ? 1 : rows;
    Vector out;
    out.constant = in.constant;
    out.valid = in.valid;
    const std::int64_t* src = in.i64;
    if (kind_ == CastKind::kIntToFloat) {
      buffers_.f64.resize(count);
      double* dst = buffers_.f64.data();
      for (std::size_t row = 0; row < count; ++row) dst[row] = static_cast<double>(src[row]);
      out.f64 = dst;
      return out;
    }
    buffers_.i64.resize(count);
    std::int64_t* dst = buffers_.i64.data();
    if (kind_ == CastKind::kDateToTimestamp) {
      // Wrapping (unsigned) multiply: a corrupt day count must not be undefined behaviour.
      for (std::size_t row = 0; row < count; ++row)
        dst[row] = static_cast<std::int64_t>(static_cast<std::uint64_t>(src[row]) *
                                             static_cast<std::uint64_t>(kMicrosPerDay));
    } else {
      for (std::size_t row = 0; row < count; ++row) dst[row] = floor_days(src[row]);
    }
    out.i64 = dst;
    return out;
  }

 private:
  NodePtr child_;
  CastKind kind_;
  Buffers buffers_;
};

class BroadcastNode final : public EvalNode {
 public:
  explicit BroadcastNode(NodePtr constant)
      : EvalNode(constant->type()), constant_(std::move(constant)) {}

  Vector evaluate(const table::Table& block, std::size_t rows) override {
    const Vector in = constant_->evaluate(block, rows);
    Vector out;
    if (in.valid != nullptr) {
      buffers_.valid.assign(rows, in.valid[0]);
      out.valid = buffers_.valid.data();
    }
    switch (storage_of(type())) {
      case Storage::kI64:
        buffers_.i64.assign(rows, in.i64[0]);
        out.i64 = buffers_.i64.data();
        break;
      case Storage::kF64:
        buffers_.f64.assign(rows, in.f64[0]);
        out.f64 = buffers_.f64.data();
        break;
      case Storage::kU8:
        buffers_.u8.assign(rows, in.u8[0]);
        out.u8 = buffers_.u8.data();
        break;
      case Storage::kString:
        strings_.clear();
        for (std::size_t row = 0; row < rows; ++row) strings_.append_string(in.str);
        out.strings = &strings_;
        break;
    }
    return out;
  }

 private:
  NodePtr constant_;
  Buffers buffers_;
  table::Column strings_{table::ColumnType::kString};
};

}  // namespace

std::unique_ptr<ConstantNode> ConstantNode::null(ValueType type) {
  auto node = std::make_unique<ConstantNode>(type);
  node->valid_ = 0;
  return node;
}

std::unique_ptr<ConstantNode> ConstantNode::of_i64(ValueType type, std::int64_t value) {
  auto node = std::make_unique<ConstantNode>(type);
  node->i64_ = value;
  return node;
}

std::unique_ptr<ConstantNode> ConstantNode::of_f64(double value) {
  auto node = std::make_unique<ConstantNode>(ValueType::kFloat64);
  node->f64_ = value;
  return node;
}

std::unique_ptr<ConstantNode> ConstantNode::of_bool(bool value) {
  auto node = std::make_unique<ConstantNode>(ValueType::kBool);
  node->u8_ = value ? 1 : 0;
  return node;
}

std::unique_ptr<ConstantNode> ConstantNode::of_string(std::string value) {
  auto node = std::make_unique<ConstantNode>(ValueType::kString);
  node->str_ = std::move(value);
  return node;
}

std::unique_ptr<ConstantNode> ConstantNode::from_vector(ValueType type, const Vector& vector,
                                                        std::size_t row) {
  const std::size_t idx = vector.constant ? 0 : row;
  if (vector.valid != nullptr && vector.valid[idx] == 0) return null(type);
  switch (storage_of(type)) {
    case Storage::kI64:
      return of_i64(type, vector.i64[idx]);
    case Storage::kF64:
      return of_f64(vector.f64[idx]);
    case Storage::kU8:
      return of_bool(vector.u8[idx] != 0);
    case Storage::kString:
      break;
  }
  return of_string(std::string(vector.constant ? vector.str : vector.strings->str(idx)));
}

Vector ConstantNode::evaluate(const table::Table&, std::size_t) {
  Vector vector;
  vector.constant = true;
  vector.i64 = &i64_;
  vector.f64 = &f64_;
  vector.u8 = &u8_;
  vector.str = str_;
  vector.valid = valid_ != 0 ? nullptr : &valid_;
  return vector;
}

NodePtr make_column(std::size_t column_idx, ValueType type) {
  return std::make_unique<ColumnNode>(column_idx, type);
}
NodePtr make_cast(NodePtr child, CastKind kind) {
  return std::make_unique<CastNode>(std::move(child), kind);
}
NodePtr make_broadcast(NodePtr constant) {
  return std::make_unique<BroadcastNode>(std::move(constant));
}

const std::uint8_t* and_validity(const Vector& left, const Vector& right, std::size_t rows,
                                 std::vector<std::uint8_t>& out) {
  const std::uint8_t* lv = left.constant ? nullptr : left.valid;
  const std::uint8_t* rv = right.constant ? nullptr : right.valid;
  if (lv == nullptr) return rv;
  if (rv == nullptr) return lv;
  out.resize(rows);
  std::uint8_t* dst = out.data();
  for (std::size_t row = 0; row < rows; ++row) dst[row] = lv[row] & rv[row];
  return dst;
}

const std::uint8_t* mask_validity(const std::uint8_t* base, std::vector<std::uint8_t>& mask,
                                  std::size_t rows) {
  std::uint8_t* dst = mask.data();
  if (base != nullptr)
    for (std::size_t row = 0; row < rows; ++row) dst[row] &= base[row];
  const bool all_valid =
      std::find(mask.begin(), mask.begin() + static_cast<std::ptrdiff_t>(rows), std::uint8_t{0}) ==
      mask.begin() + static_cast<std::ptrdiff_t>(rows);
  return all_valid ? nullptr : dst;
}

}  // namespace rankflow::expr
