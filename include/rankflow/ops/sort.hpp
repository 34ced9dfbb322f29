// Distributed sort: a sample sort (splitters from a regular sample, one exchange, local merge).
//
// The result is globally ordered: every row on rank r sorts before every row on rank r+1.
// Stable with respect to input order (rank, then row) for equal keys. Balanced even when many
// rows share a key: samples and splitters carry the (key, rank, row) triple, so a run of equal
// keys is split between ranks like any other run.
//
// Order: ascending or descending per key; nulls last unless `nulls_first` (whatever the
// direction, as pandas' na_position); NaN is a value that orders above +inf (as DuckDB and
// PostgreSQL); strings compare bytewise (UTF-8 code point order).
//
// Collective over `comm`: every rank calls sort(), also ranks with no rows. It agrees on errors
// itself (comm::run_phase around its local parts). Memory: each rank holds its input (until
// it is encoded, when the caller gives it away), the encoded rows it sends, the rows it
// receives, and the sorted output, copied once from the received bytes in merged order (about
// 3x its share at the peak); over options.memory, every rank stops with one error before the
// exchange.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/ops/memory_budget.hpp"
#include "rankflow/table/table.hpp"

namespace rankflow::ops {

class Scratch;  // ops/spill.hpp

struct SortKey {
  std::string column;
  bool descending = false;
  bool nulls_first = false;
};

// Parses "value desc, key" (each item: column [asc|desc] [nulls first|nulls last]);
// throws ConfigError quoting the item.
std::vector<SortKey> parse_sort_keys(const std::string& text);

// Throws ConfigError when a key names no column of `schema` (or is given twice).
void validate_sort_keys(const table::Schema& schema, const std::vector<SortKey>& keys);

struct SortOptions {
  std::uint64_t exchange_round_bytes = 1ull << 30;  // comm::exchange_bytes rounds
  // Checked before the rows move (ops/memory_budget.hpp): a sort whose share of the table does
  // not fit stops with an error saying how much it needs.
  MemoryBudget memory;
  // Where an external sort (ops/external_sort.hpp) spills when the rows do not fit `memory`;
  // null: it never spills (and the budget is checked as above).
  std::shared_ptr<Scratch> scratch;
  std::size_t spill_block_bytes = std::size_t{1} << 20;  // bytes per spilled chunk, at most
  std::size_t output_block_rows = std::size_t{1} << 16;  // rows per block of a merged result
};

// Collective over `comm`. `local` is this rank's part of the table, in input order.
table::Table sort(const comm::Communicator& comm, const table::Table& local,
                  const std::vector<SortKey>& keys, const SortOptions& options = {});
// The same, for a caller done with its table: it is freed as soon as its rows are encoded for
// the exchange, so the input and the output are never held together.
table::Table sort(const comm::Communicator& comm, table::Table&& local,
                  const std::vector<SortKey>& keys, const SortOptions& options = {});

}  // namespace rankflow::ops
