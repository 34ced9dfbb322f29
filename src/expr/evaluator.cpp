#include "rankflow/expr/evaluator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "binder.hpp"
#include "messages.hpp"

namespace rankflow::expr {

std::string_view value_type_name(ValueType type) noexcept {
  switch (type) {
    case ValueType::kNull:
      return "null";
    case ValueType::kBool:
      return "bool";
    case ValueType::kInt64:
      return "int64";
    case ValueType::kFloat64:
      return "float64";
    case ValueType::kString:
      return "string";
    case ValueType::kDate:
      return "date";
    case ValueType::kTimestamp:
      return "timestamp";
  }
  return "unknown";
}

ValueType value_type_of(table::ColumnType type) noexcept {
  switch (type) {
    case table::ColumnType::kInt64:
      return ValueType::kInt64;
    case table::ColumnType::kFloat64:
      return ValueType::kFloat64;
    case table::ColumnType::kBool:
      return ValueType::kBool;
    case table::ColumnType::kString:
      return ValueType::kString;
    case table::ColumnType::kDate:
      return ValueType::kDate;
    case table::ColumnType::kTimestamp:
      return ValueType::kTimestamp;
  }
  return ValueType::kNull;
}

namespace {

table::ColumnType column_type_for(ValueType type) {
  switch (type) {
    case ValueType::kInt64:
      return table::ColumnType::kInt64;
    case ValueType::kFloat64:
      return table::ColumnType::kFloat64;
    case ValueType::kString:
      return table::ColumnType::kString;
    case ValueType::kDate:
      return table::ColumnType::kDate;
    case ValueType::kTimestamp:
      return table::ColumnType::kTimestamp;
    default:
      return table::ColumnType::kBool;
  }
}

// Copies fixed-width values (a column or one constant repeated) into `dst`.
template <typename T>
void copy_values(const T* src, bool constant, T* dst, std::size_t rows) {
  if (constant)
    std::fill(dst, dst + rows, src[0]);
  else if (rows > 0)
    std::memcpy(dst, src, rows * sizeof(T));
}

void fill_strings(const Vector& value, std::size_t rows, table::Column& out) {
  for (std::size_t row = 0; row < rows; ++row) {
    const std::size_t idx = value.constant ? 0 : row;
    if (value.valid != nullptr && value.valid[idx] == 0)
      out.append_null();
    else
      out.append_string(value.constant ? value.str : value.strings->str(row));
  }
}

// Null rows hold the zero value, as the Column contract requires.
template <typename T>
void zero_nulls(T* values, const std::uint8_t* valid, std::size_t rows) {
  for (std::size_t row = 0; row < rows; ++row) values[row] = valid[row] ? values[row] : T{};
}

void to_column(const Vector& value, ValueType type, std::size_t rows, table::Column& out) {
  const table::ColumnType column_type = column_type_for(type);
  if (out.type() != column_type) out = table::Column(column_type);
  out.clear();
  if (column_type == table::ColumnType::kString) {
    fill_strings(value, rows, out);
    return;
  }
  out.resize_fixed(rows);
  if (type == ValueType::kNull) {  // only Use::kAny and kPredicate allow it: a bool null column
    std::fill(out.mutable_u8(), out.mutable_u8() + rows, std::uint8_t{0});
    std::fill(out.mutable_validity(), out.mutable_validity() + rows, std::uint8_t{0});
    return;
  }
  const Storage storage = storage_of(type);
  if (storage == Storage::kI64)
    copy_values(value.i64, value.constant, out.mutable_i64(), rows);
  else if (storage == Storage::kF64)
    copy_values(value.f64, value.constant, out.mutable_f64(), rows);
  else
    copy_values(value.u8, value.constant, out.mutable_u8(), rows);
  if (value.valid == nullptr) return;
  std::uint8_t* valid = out.mutable_validity();
  copy_values(value.valid, value.constant, valid, rows);
  if (storage == Storage::kI64)
    zero_nulls(out.mutable_i64(), valid, rows);
  else if (storage == Storage::kF64)
    zero_nulls(out.mutable_f64(), valid, rows);
  else
    zero_nulls(out.mutable_u8(), valid, rows);
}

void collect_columns(const Node& node, const table::Schema& schema,
                     std::vector<std::pair<std::size_t, table::ColumnType>>* used) {
  if (node.kind == NodeKind::kColumn) {
    const auto idx = schema.find(node.column);
    if (idx) used->emplace_back(*idx, schema.field(*idx).type);
  }
  for (const auto& child : node.children) collect_columns(*child, schema, used);
}

}  // namespace

struct Evaluator::Impl {
  Expression expression;
  NodePtr root;
  // The columns the expression reads, to check that a block fits the bound schema.
  std::vector<std::pair<std::size_t, table::ColumnType>> used;

  void check_block(const table::Table& block) const {
    for (const auto& [column_idx, type] : used)
      if (column_idx >= block.num_columns() || block.column(column_idx).type() != type)
        throw DataError(
            "internal: a block does not have the schema the expression '{}' was "
            "bound to",
            expression.text());
  }
};

Evaluator::Evaluator(const Expression& expression, const table::Schema& schema, Use use)
    : impl_(std::make_unique<Impl>()) {
  impl_->expression = expression;
  impl_->root = Binder(expression.text(), schema).bind(expression.root());
  collect_columns(expression.root(), schema, &impl_->used);
  const ValueType result = impl_->root->type();
  if (use == Use::kPredicate && result != ValueType::kBool && result != ValueType::kNull)
    fail_at(expression.text(), expression.root().span,
            fmt::format("a filter needs a true/false condition, but this expression is {}{}",
                        value_type_name(result),
                        is_numeric(result) ? " (compare it, e.g. 'qty > 0')" : ""));
  if (use == Use::kColumn && result == ValueType::kNull)
    fail_at(expression.text(), expression.root().span,
            "this expression is always null, so its column type is unknown");
}

Evaluator::~Evaluator() = default;
Evaluator::Evaluator(Evaluator&&) noexcept = default;
Evaluator& Evaluator::operator=(Evaluator&&) noexcept = default;

ValueType Evaluator::type() const noexcept { return impl_->root->type(); }
table::ColumnType Evaluator::column_type() const noexcept { return column_type_for(type()); }
const Expression& Evaluator::expression() const noexcept { return impl_->expression; }

void Evaluator::evaluate(const table::Table& block, table::Column& out) {
  impl_->check_block(block);
  const std::size_t rows = block.num_rows();
  const Vector value = impl_->root->evaluate(block, rows);
  to_column(value, type(), rows, out);
}

std::size_t Evaluator::select(const table::Table& block, std::vector<std::uint8_t>& selection) {
  impl_->check_block(block);
  const std::size_t rows = block.num_rows();
  selection.resize(rows);
  std::uint8_t* out = selection.data();
  const Vector value = impl_->root->evaluate(block, rows);
  if (value.constant) {
    const bool keep = value.valid == nullptr && type() == ValueType::kBool && value.u8[0] != 0;
    std::fill(out, out + rows, static_cast<std::uint8_t>(keep ? 1 : 0));
    return keep ? rows : 0;
  }
  const std::uint8_t* truth = value.u8;
  if (value.valid == nullptr) {
    if (rows > 0) std::memcpy(out, truth, rows);  // an empty block may have no buffers at all
  } else {
    for (std::size_t row = 0; row < rows; ++row) out[row] = truth[row] & value.valid[row];
  }
  std::size_t selected = 0;
  for (std::size_t row = 0; row < rows; ++row) selected += out[row];
  return selected;
}

}  // namespace rankflow::expr
