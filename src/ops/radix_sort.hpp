// Stable LSD radix sort of (64-bit key, row) pairs, and the order-preserving 64-bit keys of
// fixed-width columns: the fast path of sort for a single int64/date/timestamp/float64/bool key.
// A byte position where every key agrees is skipped, so narrow ranges cost fewer passes.
#pragma once

#include <cstdint>
#include <vector>

#include "rankflow/table/column.hpp"

namespace rankflow::ops {

struct KeyedRow {
  std::uint64_t key;
  std::uint32_t row;
};

// Sorts `items` by key, keeping the input order of equal keys; `scratch` is reused.
void radix_sort(std::vector<KeyedRow>& items, std::vector<KeyedRow>& scratch);

// Appends (key, row) for every present row of `column` (ascending: unsigned order of the key is
// the column's order, NaN above +inf and -0.0 equal to 0.0; descending: the complement), and
// the null rows, in order, to `nulls`.
void sortable_keys(const table::Column& column, bool descending, std::vector<KeyedRow>& items,
                   std::vector<std::uint32_t>& nulls);

}  // namespace rankflow::ops
