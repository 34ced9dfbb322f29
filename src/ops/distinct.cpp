// Distinct: a GroupTable of the keys seen so far decides, row by row, whether a row is the
// first of its key; kept rows are appended in order, so kept row i is group i. finish() sends
// kept row i to the owner of group i's hash and does the same again on what arrives.
#include "rankflow/ops/distinct.hpp"

#include <numeric>

#include "column_lookup.hpp"
#include "group_table.hpp"
#include "key_encoder.hpp"
#include "rankflow/comm/exchange.hpp"
#include "rankflow/comm/phase.hpp"
#include "rankflow/table/row_codec.hpp"

namespace rankflow::ops {

struct Distinct::State {
  State(const comm::Communicator& communicator, const table::Schema& input_schema,
        DistinctOptions distinct_options)
      : comm(&communicator),
        options(std::move(distinct_options)),
        input(input_schema),
        kept(input_schema),
        groups(true, 0) {}

  // Appends the rows of `block` whose key is new to `out`.
  void keep_first(const table::Table& block, table::Table& out);

  const comm::Communicator* comm;
  DistinctOptions options;
  table::Schema input;
  std::vector<std::size_t> key_columns;
  KeyEncoder encoder;
  table::Table kept;
  GroupTable groups;
  std::vector<std::uint32_t> new_rows;
  bool finished = false;
};

void Distinct::State::keep_first(const table::Table& block, table::Table& out) {
  encoder.encode(block, key_columns);
  new_rows.clear();
  for (std::size_t row = 0; row < block.num_rows(); ++row) {
    const std::size_t before = groups.size();
    groups.find_or_insert(encoder.key(row), encoder.key_size(row), encoder.hashes()[row]);
    if (groups.size() != before) new_rows.push_back(static_cast<std::uint32_t>(row));
  }
  if (new_rows.size() == block.num_rows()) {
    out.append_rows(block, 0, block.num_rows());
  } else if (!new_rows.empty()) {
    const table::Table taken = table::take(block, new_rows.data(), new_rows.size());
    out.append_rows(taken, 0, taken.num_rows());
  }
}

Distinct::Distinct(const comm::Communicator& comm, const table::Schema& input,
                   DistinctOptions options)
    : state_(std::make_unique<State>(comm, input, std::move(options))) {
  State& state = *state_;
  if (state.options.columns.empty()) {
    state.key_columns.resize(input.size());
    std::iota(state.key_columns.begin(), state.key_columns.end(), std::size_t{0});
  } else {
    state.key_columns = find_columns(input, state.options.columns, "distinct");
  }
  if (state.key_columns.empty()) throw ConfigError("distinct: the table has no columns");
  std::vector<table::ColumnType> types;
  for (std::size_t column : state.key_columns) types.push_back(input.field(column).type);
  state.encoder = KeyEncoder(types);
  state.groups = GroupTable(state.encoder.is_fixed(), state.encoder.fixed_width());
}

Distinct::~Distinct() = default;
Distinct::Distinct(Distinct&&) noexcept = default;

void Distinct::consume(const table::Table& block) {
  State& state = *state_;
  if (state.finished) throw DataError("internal: Distinct::consume after finish");
  if (block.num_rows() == 0) return;
  if (!(block.schema() == state.input))
    throw DataError("internal: a distinct block has columns [{}], expected [{}]",
                    block.schema().describe(), state.input.describe());
  state.keep_first(block, state.kept);
}

table::Table Distinct::finish() {
  State& state = *state_;
  const comm::Communicator& comm = *state.comm;
  const auto ranks = static_cast<std::size_t>(comm.size());
  table::PartitionedRows parts;
  std::vector<std::uint64_t> incoming(ranks, 0);
  comm::run_phase(comm, "distinct: partitioning", [&] {
    if (state.finished) throw DataError("internal: Distinct::finish called twice");
    state.finished = true;
    std::vector<std::uint32_t> dest(state.kept.num_rows());
    for (std::uint32_t group = 0; group < dest.size(); ++group)
      dest[group] =
          state.options.skew_to_one_rank
              ? 0u
              : static_cast<std::uint32_t>(owner_rank(state.groups.hash(group), comm.size()));
    table::encode_partitioned(state.kept, dest.data(), ranks, parts);
    incoming = parts.counts;
  });
  comm.allreduce_inplace(incoming.data(), incoming.size(), comm::ReduceOp::kSum);
  const auto me = static_cast<std::size_t>(comm.rank());
  // Held at the peak: the kept rows, their encoding, what arrives, and the result (<= that).
  check_memory(comm, state.options.memory, "distinct",
               {state.kept.memory_bytes() + parts.bytes.size() + 2 * incoming[me], 0});
  comm::ExchangeBuffer recv;
  comm::exchange_bytes(comm, parts.bytes.data(), parts.counts, recv,
                       state.options.exchange_round_bytes);
  parts = table::PartitionedRows();
  return comm::run_phase(comm, "distinct: keeping each key's first row", [&] {
    state.kept = table::Table(state.input);
    state.groups.clear();
    table::Table received(state.input);
    table::Table out(state.input);
    table::decode_all(recv.data.data(), recv.data.data() + recv.data.size(), received);
    state.keep_first(received, out);
    return out;
  });
}

table::Table distinct(const comm::Communicator& comm, const table::Table& local,
                      const DistinctOptions& options) {
  Distinct op = comm::run_phase(comm, "distinct: planning",
                                [&] { return Distinct(comm, local.schema(), options); });
  comm::run_phase(comm, "distinct: reading", [&] { op.consume(local); });
  return op.finish();
}

}  // namespace rankflow::ops
