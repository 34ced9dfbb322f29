// Group rows: every row moved to the rank that owns its key, and each rank's rows laid out
// group after group, so that a function can be applied to each group whole (api::Frame::
// groupby_apply; pandas' groupby(...).apply, Dask's groupby.apply after its shuffle).
//
//   before (input order)          after, on each rank: its keys' rows, group by group
//   rank 0: b1 a1 c1              rank 0: | a1 a2 a3 | c1 |        offsets 0 3 4
//   rank 1: a2 b2 a3              rank 1: | b1 b2 |               offsets 0 2
//
// The owner of a key is the one group-by, join and distinct use (ops/key_encoder.hpp: the
// hash of the normalized key bytes), and the rows travel as one comm::exchange_bytes of
// table::row_codec chunks, as every shuffle does. Keys compare as group-by's do: nulls equal
// each other (a key with nulls is a group of its own), NaN equals NaN, -0.0 equals 0.0,
// strings bytewise. On each rank the groups are in key order (ascending, per key column;
// nulls last, NaN above +inf, as ops::sort orders), and the rows of a group in input order
// (rank, then row). A rank that owns no key holds no rows.
//
// Collective over `comm`: every rank calls group_rows, also ranks with no rows; it agrees on
// errors itself (comm::run_phase). An unknown or repeated key column, or no key at all, is a
// ConfigError. Memory per rank: its input, the encoded rows, what arrives and the result
// (about 3x its share at the peak), checked against options.memory before the exchange.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/ops/memory_budget.hpp"
#include "rankflow/table/table.hpp"

namespace rankflow::ops {

struct GroupRowsOptions {
  std::vector<std::string> keys;    // the key columns, in key order (at least one)
  std::string what = "group rows";  // the start of error messages: "groupby_apply"
  std::uint64_t exchange_round_bytes = std::uint64_t{1} << 30;
  bool skew_to_one_rank = false;  // debug: every key owned by rank 0
  MemoryBudget memory;
};

struct GroupedRows {
  table::Table rows;                      // this rank's rows, group after group
  std::vector<std::size_t> key_columns;   // the key columns' indices in `rows`
  std::vector<std::uint64_t> offsets{0};  // group g: rows [offsets[g], offsets[g + 1])
  std::size_t groups() const noexcept { return offsets.size() - 1; }
  std::uint64_t group_rows(std::size_t group) const { return offsets[group + 1] - offsets[group]; }
  // The rows of one group as a table of their own (a copy).
  table::Table group(std::size_t group) const;
  // "key=3, region=north" (null as "null"): for messages that name a group.
  std::string describe_group(std::size_t group) const;
};

// Collective. `local` is this rank's part of the table.
GroupedRows group_rows(const comm::Communicator& comm, const table::Table& local,
                       const GroupRowsOptions& options);

}  // namespace rankflow::ops
