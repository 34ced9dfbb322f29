// TopK: candidates per group (one group when there is no `per`), cut back to the best k of each
// group whenever they exceed about 2k per group. After a cut, a group's k-th candidate is its
// threshold: a later row that does not sort strictly before it cannot be in the result (ties
// go to the earlier row), so it is not even copied.
#include "rankflow/ops/top_k.hpp"

#include <algorithm>
#include <numeric>

#include "column_lookup.hpp"
#include "group_table.hpp"
#include "join_index.hpp"
#include "key_encoder.hpp"
#include "rankflow/comm/exchange.hpp"
#include "rankflow/comm/phase.hpp"
#include "rankflow/table/row_codec.hpp"
#include "row_order.hpp"

namespace rankflow::ops {

struct TopK::State {
  State(const comm::Communicator& communicator, const table::Schema& input_schema,
        TopKOptions top_options)
      : comm(&communicator),
        options(std::move(top_options)),
        input(input_schema),
        groups(true, 0),
        candidates(input_schema) {}

  void reset();
  void add(const table::Table& block);
  void cut();
  std::uint64_t group_count() const { return grouped ? groups.size() : 1; }

  const comm::Communicator* comm;
  TopKOptions options;
  table::Schema input;
  std::vector<std::size_t> order_columns;
  std::vector<std::size_t> group_columns;
  bool grouped = false;
  KeyEncoder group_encoder;
  GroupTable groups;
  table::Table candidates;
  std::vector<std::uint32_t> candidate_group;
  std::vector<std::uint32_t> threshold;  // per group: its k-th candidate after the last cut
  std::vector<std::uint32_t> block_groups;
  std::vector<std::uint32_t> selected;
  bool finished = false;
};

void TopK::State::reset() {
  candidates = table::Table(input);
  candidate_group.clear();
  groups.clear();
  threshold.assign(grouped ? 0 : 1, kNoRow);
}

void TopK::State::add(const table::Table& block) {
  const std::size_t rows = block.num_rows();
  if (rows == 0 || options.k == 0) return;
  block_groups.assign(rows, 0);
  if (grouped) {
    group_encoder.encode(block, group_columns);
    for (std::size_t row = 0; row < rows; ++row) {
      block_groups[row] = groups.find_or_insert(group_encoder.key(row), group_encoder.key_size(row),
                                                group_encoder.hashes()[row]);
      if (block_groups[row] >= threshold.size()) threshold.push_back(kNoRow);
    }
  }
  const RowOrder block_order(block, order_columns, options.by);
  const RowOrder candidate_order(candidates, order_columns, options.by);
  selected.clear();
  for (std::size_t row = 0; row < rows; ++row) {
    const std::uint32_t bar = threshold[block_groups[row]];
    if (bar == kNoRow || RowOrder::compare(block_order, row, candidate_order, bar) < 0) {
      selected.push_back(static_cast<std::uint32_t>(row));
      candidate_group.push_back(block_groups[row]);
    }
  }
  if (selected.size() == rows) {
    candidates.append_rows(block, 0, rows);
  } else if (!selected.empty()) {
    const table::Table taken = table::take(block, selected.data(), selected.size());
    candidates.append_rows(taken, 0, taken.num_rows());
  }
  if (candidates.num_rows() > 2 * options.k * group_count() + 4096) cut();
}

void TopK::State::cut() {
  std::vector<std::uint32_t> order(candidates.num_rows());
  std::iota(order.begin(), order.end(), 0u);
  const RowOrder row_order(candidates, order_columns, options.by);
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t left, std::uint32_t right) {
    if (candidate_group[left] != candidate_group[right])
      return candidate_group[left] < candidate_group[right];
    return row_order.less(left, right);
  });
  std::vector<std::uint64_t> taken(group_count(), 0);
  std::vector<std::uint32_t> keep;
  std::vector<std::uint32_t> keep_group;
  std::fill(threshold.begin(), threshold.end(), kNoRow);
  for (std::uint32_t row : order) {
    const std::uint32_t group = candidate_group[row];
    if (taken[group] == options.k) continue;
    if (++taken[group] == options.k) threshold[group] = static_cast<std::uint32_t>(keep.size());
    keep.push_back(row);
    keep_group.push_back(group);
  }
  table::Table kept = table::take(candidates, keep.data(), keep.size());
  candidates = kept.num_columns() == 0 ? table::Table(input) : std::move(kept);
  candidate_group.swap(keep_group);
}

TopK::TopK(const comm::Communicator& comm, const table::Schema& input, TopKOptions options)
    : state_(std::make_unique<State>(comm, input, std::move(options))) {
  State& state = *state_;
  if (state.options.by.empty()) throw ConfigError("top: 'by' names no column");
  std::vector<std::string> by_names;
  for (const SortKey& key : state.options.by) by_names.push_back(key.column);
  state.order_columns = find_columns(input, by_names, "top: by");
  state.group_columns = find_columns(input, state.options.per, "top: per");
  state.grouped = !state.group_columns.empty();
  std::vector<table::ColumnType> types;
  for (std::size_t column : state.group_columns) types.push_back(input.field(column).type);
  state.group_encoder = KeyEncoder(types);
  state.groups = GroupTable(state.group_encoder.is_fixed(), state.group_encoder.fixed_width());
  state.reset();
}

TopK::~TopK() = default;
TopK::TopK(TopK&&) noexcept = default;

void TopK::consume(const table::Table& block) {
  State& state = *state_;
  if (state.finished) throw DataError("internal: TopK::consume after finish");
  if (!(block.schema() == state.input))
    throw DataError("internal: a top block has columns [{}], expected [{}]",
                    block.schema().describe(), state.input.describe());
  state.add(block);
}

table::Table TopK::finish() {
  State& state = *state_;
  const comm::Communicator& comm = *state.comm;
  const auto ranks = static_cast<std::size_t>(comm.size());
  table::PartitionedRows parts;
  comm::run_phase(comm, "top: choosing local candidates", [&] {
    if (state.finished) throw DataError("internal: TopK::finish called twice");
    state.finished = true;
    state.cut();
    std::vector<std::uint32_t> dest(state.candidates.num_rows(), 0);
    if (state.grouped && !state.options.skew_to_one_rank)
      for (std::size_t row = 0; row < dest.size(); ++row)
        dest[row] = static_cast<std::uint32_t>(
            owner_rank(state.groups.hash(state.candidate_group[row]), comm.size()));
    table::encode_partitioned(state.candidates, dest.data(), ranks, parts);
  });
  comm::ExchangeBuffer recv;
  comm::exchange_bytes(comm, parts.bytes.data(), parts.counts, recv,
                       state.options.exchange_round_bytes);
  return comm::run_phase(comm, "top: merging candidates", [&] {
    table::Table received(state.input);
    table::decode_all(recv.data.data(), recv.data.data() + recv.data.size(), received);
    state.reset();
    state.add(received);
    state.cut();
    return std::move(state.candidates);
  });
}

table::Table top_k(const comm::Communicator& comm, const table::Table& local,
                   const TopKOptions& options) {
  TopK op =
      comm::run_phase(comm, "top: planning", [&] { return TopK(comm, local.schema(), options); });
  comm::run_phase(comm, "top: reading", [&] { op.consume(local); });
  return op.finish();
}

}  // namespace rankflow::ops
