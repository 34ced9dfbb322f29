// The last step of the sample sort: the sorted runs that arrived (one per source rank, as
// row-codec chunks in an ExchangeBuffer) merged into one sorted table.
//
// Only the key columns are decoded to work out the merged order; every column is then copied
// once, in that order, straight from the received bytes into the output. Decoding every run
// into a table first and then gathering it in order would write each value twice, and fresh
// memory is what a large sort pays for most. Ties keep the earlier source first: the merge is
// stable. Nothing here is collective.
#pragma once

#include <cstdint>
#include <vector>

#include "rankflow/comm/exchange.hpp"
#include "rankflow/ops/sort.hpp"
#include "rankflow/table/table.hpp"

namespace rankflow::ops {

// Merges sorted runs [starts[s], starts[s + 1]) of the rows of `keys` pairwise (stable);
// returns the merged order.
std::vector<std::uint32_t> merge_runs(const table::Table& keys,
                                      const std::vector<std::size_t>& key_columns,
                                      const std::vector<SortKey>& sort_keys,
                                      std::vector<std::uint64_t> starts);

// `recv` holds one sorted run per source rank (rows of `schema`, sorted by `sort_keys` on
// `key_columns`). Throws DataError for more than 2^32 - 1 rows.
table::Table merge_received(const table::Schema& schema,
                            const std::vector<std::size_t>& key_columns,
                            const std::vector<SortKey>& sort_keys,
                            const comm::ExchangeBuffer& recv);

}  // namespace rankflow::ops
