// RowOrder: the order of rows by sort keys, comparable across two tables of the same key types
// (local rows against splitters, received runs against each other). Used by sort; top-k and
// merges of sorted runs use it too.
//
// Per key: nulls first or last whatever the direction; NaN above +inf (value_ops.hpp); strings
// bytewise. Nothing here is collective.
#pragma once

#include <cstddef>
#include <vector>

#include "rankflow/ops/sort.hpp"
#include "rankflow/table/table.hpp"

namespace rankflow::ops {

class RowOrder {
 public:
  // `columns[k]` is the index in `table` of the column of keys[k].
  RowOrder(const table::Table& table, const std::vector<std::size_t>& columns,
           const std::vector<SortKey>& keys);

  // < 0, 0 or > 0 as row `left_row` of `left` sorts before, with, or after row `right_row` of
  // `right` (two RowOrders over the same key types and directions).
  static int compare(const RowOrder& left, std::size_t left_row, const RowOrder& right,
                     std::size_t right_row);
  bool less(std::size_t left_row, std::size_t right_row) const {
    return compare(*this, left_row, *this, right_row) < 0;
  }

 private:
  struct Key {
    const table::Column* column;
    bool descending;
    bool nulls_first;
  };
  std::vector<Key> keys_;
};

}  // namespace rankflow::ops
