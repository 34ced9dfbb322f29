// group_rows: partition (the key owner of each row), one exchange, then on the owner a
// GroupTable numbers the groups in order of first appearance, the groups are ordered by key
// (RowOrder over each group's first row) and a counting pass lays the rows out group by group.
#include "rankflow/ops/group_rows.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <numeric>

#include "column_lookup.hpp"
#include "group_table.hpp"
#include "key_encoder.hpp"
#include "rankflow/comm/exchange.hpp"
#include "rankflow/comm/phase.hpp"
#include "rankflow/table/row_codec.hpp"
#include "row_order.hpp"

namespace rankflow::ops {
namespace {

struct Plan {
  std::vector<std::size_t> key_columns;
  std::vector<table::ColumnType> key_types;
};

Plan make_plan(const table::Schema& schema, const GroupRowsOptions& options) {
  if (options.keys.empty()) throw ConfigError("{}: no key columns given", options.what);
  Plan plan;
  plan.key_columns = find_columns(schema, options.keys, options.what);
  for (std::size_t column : plan.key_columns) plan.key_types.push_back(schema.field(column).type);
  return plan;
}

void check_row_count(std::size_t rows, const std::string& what) {
  if (rows > std::numeric_limits<std::uint32_t>::max())
    throw DataError("{}: {} rows on one rank; at most {} are supported: use more ranks", what, rows,
                    std::numeric_limits<std::uint32_t>::max());
}

// The owner rank of every row's key.
std::vector<std::uint32_t> destinations(const comm::Communicator& comm, const table::Table& local,
                                        const Plan& plan, const GroupRowsOptions& options) {
  std::vector<std::uint32_t> dest(local.num_rows(), 0);
  if (options.skew_to_one_rank || local.num_rows() == 0) return dest;
  KeyEncoder encoder(plan.key_types);
  encoder.encode(local, plan.key_columns);
  for (std::size_t row = 0; row < dest.size(); ++row)
    dest[row] = static_cast<std::uint32_t>(owner_rank(encoder.hashes()[row], comm.size()));
  return dest;
}

// The received rows (input order) laid out group by group, groups in key order.
GroupedRows lay_out(table::Table received, const Plan& plan) {
  GroupedRows out;
  out.key_columns = plan.key_columns;
  const std::size_t rows = received.num_rows();
  KeyEncoder encoder(plan.key_types);
  encoder.encode(received, plan.key_columns);
  GroupTable table(encoder.is_fixed(), encoder.fixed_width());
  std::vector<std::uint32_t> group_of(rows);
  std::vector<std::uint32_t> first_row;
  for (std::size_t row = 0; row < rows; ++row) {
    group_of[row] =
        table.find_or_insert(encoder.key(row), encoder.key_size(row), encoder.hashes()[row]);
    if (group_of[row] == first_row.size()) first_row.push_back(static_cast<std::uint32_t>(row));
  }
  // Groups in key order: compare each group's first row.
  std::vector<SortKey> ascending(plan.key_columns.size());
  const RowOrder order(received, plan.key_columns, ascending);
  std::vector<std::uint32_t> by_key(first_row.size());
  std::iota(by_key.begin(), by_key.end(), 0u);
  std::stable_sort(by_key.begin(), by_key.end(), [&](std::uint32_t left, std::uint32_t right) {
    return order.less(first_row[left], first_row[right]);
  });
  std::vector<std::uint64_t> position(by_key.size());  // a group's place in key order
  for (std::size_t place = 0; place < by_key.size(); ++place) position[by_key[place]] = place;
  // Counting sort of the rows by their group's place (stable: rows keep input order).
  out.offsets.assign(by_key.size() + 1, 0);
  for (std::size_t row = 0; row < rows; ++row) ++out.offsets[position[group_of[row]] + 1];
  std::partial_sum(out.offsets.begin(), out.offsets.end(), out.offsets.begin());
  std::vector<std::uint64_t> cursor(out.offsets.begin(), out.offsets.end() - 1);
  std::vector<std::uint32_t> permutation(rows);
  for (std::size_t row = 0; row < rows; ++row)
    permutation[cursor[position[group_of[row]]]++] = static_cast<std::uint32_t>(row);
  out.rows = table::take(std::move(received), permutation.data(), permutation.size());
  return out;
}

}  // namespace

table::Table GroupedRows::group(std::size_t group) const {
  table::Table out(rows.schema());
  out.append_rows(rows, offsets[group], group_rows(group));
  return out;
}

std::string GroupedRows::describe_group(std::size_t group) const {
  std::string text;
  const auto row = static_cast<std::size_t>(offsets[group]);
  for (std::size_t column : key_columns) {
    const table::Column& values = rows.column(column);
    text += (text.empty() ? "" : ", ") + rows.schema().field(column).name + "=" +
            (values.is_valid(row) ? values.format(row) : std::string("null"));
  }
  return text;
}

GroupedRows group_rows(const comm::Communicator& comm, const table::Table& local,
                       const GroupRowsOptions& options) {
  const auto ranks = static_cast<std::size_t>(comm.size());
  table::PartitionedRows parts;
  std::vector<std::uint64_t> incoming(ranks, 0);
  const Plan plan = comm::run_phase(comm, options.what + ": partitioning", [&] {
    Plan made = make_plan(local.schema(), options);
    check_row_count(local.num_rows(), options.what);
    const std::vector<std::uint32_t> dest = destinations(comm, local, made, options);
    table::encode_partitioned(local, dest.data(), ranks, parts);
    incoming = parts.counts;
    return made;
  });
  comm.allreduce_inplace(incoming.data(), incoming.size(), comm::ReduceOp::kSum);
  const auto me = static_cast<std::size_t>(comm.rank());
  // Held at the peak: the input, its encoding, what arrives and the result (about as much).
  check_memory(comm, options.memory, options.what,
               {local.memory_bytes() + parts.bytes.size() + 2 * incoming[me], 0});
  comm::ExchangeBuffer recv;
  comm::exchange_bytes(comm, parts.bytes.data(), parts.counts, recv, options.exchange_round_bytes);
  parts = table::PartitionedRows();
  return comm::run_phase(comm, options.what + ": grouping", [&] {
    table::Table received(local.schema());
    table::decode_all(recv.data.data(), recv.data.data() + recv.data.size(), received);
    recv = comm::ExchangeBuffer();
    check_row_count(received.num_rows(), options.what);
    return lay_out(std::move(received), plan);
  });
}

}  // namespace rankflow::ops
