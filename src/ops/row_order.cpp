#include "row_order.hpp"

#include "value_ops.hpp"

namespace rankflow::ops {
namespace {

template <typename T>
int three_way(const T& left, const T& right) {
  return (right < left) - (left < right);
}

int compare_values(const table::Column& left, std::size_t left_row, const table::Column& right,
                   std::size_t right_row) {
  switch (left.type()) {
    case table::ColumnType::kFloat64: {
      const double a = left.f64()[left_row];
      const double b = right.f64()[right_row];
      return total_less(b, a) - total_less(a, b);
    }
    case table::ColumnType::kBool:
      return three_way(left.u8()[left_row], right.u8()[right_row]);
    case table::ColumnType::kString: {
      const int order = left.str(left_row).compare(right.str(right_row));
      return (order > 0) - (order < 0);
    }
    default:
      return three_way(left.i64()[left_row], right.i64()[right_row]);
  }
}

}  // namespace

RowOrder::RowOrder(const table::Table& table, const std::vector<std::size_t>& columns,
                   const std::vector<SortKey>& keys) {
  keys_.reserve(keys.size());
  for (std::size_t key_idx = 0; key_idx < keys.size(); ++key_idx)
    keys_.push_back(
        {&table.column(columns[key_idx]), keys[key_idx].descending, keys[key_idx].nulls_first});
}

int RowOrder::compare(const RowOrder& left, std::size_t left_row, const RowOrder& right,
                      std::size_t right_row) {
  for (std::size_t key_idx = 0; key_idx < left.keys_.size(); ++key_idx) {
    const Key& key = left.keys_[key_idx];
    const table::Column& left_column = *key.column;
    const table::Column& right_column = *right.keys_[key_idx].column;
    const bool left_valid = left_column.is_valid(left_row);
    const bool right_valid = right_column.is_valid(right_row);
    if (!left_valid || !right_valid) {
      if (left_valid == right_valid) continue;
      const int null_side = key.nulls_first ? -1 : 1;  // where a null goes
      return left_valid ? -null_side : null_side;
    }
    const int order = compare_values(left_column, left_row, right_column, right_row);
    if (order != 0) return key.descending ? -order : order;
  }
  return 0;
}

}  // namespace rankflow::ops
