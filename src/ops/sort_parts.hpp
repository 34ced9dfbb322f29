// The steps of the sample sort (sort.cpp) that the external sort (external_sort.cpp) shares:
// the plan, the stable local order, the regular sample with its weights and the splitters, so
// that both cut the global order at the same kind of (keys, rank, row) points.
#pragma once

#include <cstdint>
#include <vector>

#include "rankflow/ops/sort.hpp"
#include "rankflow/table/table.hpp"
#include "row_order.hpp"

namespace rankflow::ops::sort_detail {

struct SortPlan {
  std::vector<std::size_t> key_columns;  // in the input
  std::vector<SortKey> keys;
};

// Throws ConfigError for keys that name no column.
SortPlan plan_sort(const table::Schema& schema, const std::vector<SortKey>& keys);

// Samples a rank takes of `rows` sorted rows.
std::size_t samples_per_rank(std::size_t rows, int ranks);

// The stable order of the rows of `local` by the plan's keys.
std::vector<std::uint32_t> local_order(const table::Table& local, const SortPlan& plan);

// Samples as a table: the key columns, then rank, row and weight (int64).
table::Table sample_schema_table(const table::Table& local, const SortPlan& plan);


// A regular sample of `local` in `order`, with weights.
table::Table take_samples(const table::Table& local, const SortPlan& plan,
                          const std::vector<std::uint32_t>& order, int rank, int ranks);

// (keys, rank, row) of a row against sample `sample`: <0, 0, >0.
int compare_to_sample(const RowOrder& left, std::size_t left_row, std::int64_t left_rank,
                      std::int64_t left_input_row, const RowOrder& samples_order,
                      const table::Table& samples, std::size_t keys, std::size_t sample);

// P - 1 sample indices at equal steps of cumulative weight; the same on every rank.
std::vector<std::size_t> choose_splitters(const table::Table& samples,
                                          const RowOrder& samples_order, std::size_t keys,
                                          int ranks);

}  // namespace rankflow::ops::sort_detail
