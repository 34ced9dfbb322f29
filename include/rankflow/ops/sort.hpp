// Distributed sort: a sample sort (splitters from a regular sample, one exchange, local sort).
// The result is globally ordered: every row on rank r sorts before every row on rank r+1.
// Stable with respect to input order (rank, then row) for equal keys.
#pragma once

#include <string>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/table/table.hpp"

namespace rankflow::ops {

struct SortKey {
  std::string column;
  bool descending = false;
  bool nulls_first = false;
};

// Parses "value desc, key" (and "nulls first|last"); throws ConfigError.
std::vector<SortKey> parse_sort_keys(const std::string& text);

// Collective over `comm`. `local` is this rank's part of the table.
table::Table sort(const comm::Communicator& comm, const table::Table& local,
                  const std::vector<SortKey>& keys);

}  // namespace rankflow::ops
