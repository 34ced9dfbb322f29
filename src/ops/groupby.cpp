// GroupBy: local pre-aggregation into a GroupTable of partial states, one exchange of the
// serialized states to the rank that owns each key, merge, finalize.
//
// The exchange buffer holds one record per local group, grouped by owner rank:
//
//   | u32 key size | normalized key | state of aggregate 0 | state of aggregate 1 | ...
//
// (key layout: key_encoder.hpp; states: aggregators.hpp). Under a budget (spill_to) every
// record starts with its u64 size, so that the owner can file received records by partition
// without parsing their states.
#include "rankflow/core/text.hpp"
#include "rankflow/ops/groupby.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "gather_parts.hpp"
#include "groupby_state.hpp"
#include "rankflow/comm/exchange.hpp"
#include "rankflow/comm/phase.hpp"
#include "rankflow/core/error.hpp"
#include "rankflow/ops/spill.hpp"
#include "state_bytes.hpp"

namespace rankflow::ops {
namespace {

constexpr int kPositionRowBits = 44;  // first/last: position = rank << 44 | row

std::string column_names(const table::Schema& schema) {
  std::string names;
  for (const table::Field& field : schema.fields())
    names += (names.empty() ? "" : ", ") + field.name;
  return names;
}

std::size_t find_column(const table::Schema& schema, const std::string& name,
                        const std::string& what) {
  auto idx = schema.find(name);
  if (!idx)
    throw ConfigError("{}: no column '{}'; the columns are: {}", what, name, column_names(schema));
  return *idx;
}

std::string describe(const AggregateSpec& spec) {
  const std::string name = aggregate_function_name(spec.function);
  if (spec.function == AggregateFunction::kCountAll) return "count()";
  if (spec.function == AggregateFunction::kQuantile)
    return fmt::format("quantile({}, {})", spec.column, spec.quantile);
  return name + "(" + spec.column + ")";
}

}  // namespace


void GroupBy::State::claim_name(const std::string& name, const std::string& what) {
  if (output.find(name))
    throw ConfigError(
        "groupby: two output columns are named '{}' ({}); rename one with "
        "'... as name'",
        name, what);
}

// Per input column: how many aggregates the fused numeric summary would serve, whether min or
// max is among them, and the name of the first sum or mean (an int64 overflow is reported under
// that name).
void GroupBy::State::count_fused_uses(std::vector<int>& uses, std::vector<bool>& extremes,
                                      std::vector<std::string>& sum_name) const {
  uses.assign(input.size(), 0);
  extremes.assign(input.size(), false);
  sum_name.assign(input.size(), "");
  for (const AggregateSpec& spec : options.aggregates) {
    auto idx = input.find(spec.column);
    if (spec.function == AggregateFunction::kCountAll || !idx ||
        !is_fused(spec.function, input.field(*idx).type))
      continue;
    ++uses[*idx];
    if (spec.function == AggregateFunction::kMin || spec.function == AggregateFunction::kMax)
      extremes[*idx] = true;
    if (spec.function == AggregateFunction::kSum && sum_name[*idx].empty())
      sum_name[*idx] = spec.output_name;
  }
}

void GroupBy::State::plan_aggregates() {
  std::vector<int> fused_uses;
  std::vector<bool> extremes;
  std::vector<std::string> sum_name;
  count_fused_uses(fused_uses, extremes, sum_name);
  std::vector<std::size_t> fused_state(input.size(), kNoColumn);
  for (const AggregateSpec& spec : options.aggregates) {
    const std::string what = "aggregate " + describe(spec);
    table::ColumnType type = table::ColumnType::kInt64;
    std::size_t idx = kNoColumn;
    if (spec.function != AggregateFunction::kCountAll) {
      idx = find_column(input, spec.column, what);
      type = input.field(idx).type;
    }
    if (spec.function == AggregateFunction::kQuantile &&
        !(spec.quantile >= 0.0 && spec.quantile <= 1.0))
      throw ConfigError("{}: the quantile must be between 0 and 1", what);
    if (spec.output_name.empty()) throw ConfigError("{}: the output name is empty", what);
    claim_name(spec.output_name, what);
    output.add({spec.output_name, aggregate_output_type(spec, type)});
    if (const std::size_t part = row_major_part(idx); part != kNoColumn) {
      outputs.push_back({row_major_state(), spec.function, part});
      continue;
    }
    // One state per column serves its sum/mean/min/max/count; a count(col) alone does not need
    // the 32-byte summary.
    const bool fused = idx != kNoColumn && is_fused(spec.function, type) &&
                       !(fused_uses[idx] == 1 && spec.function == AggregateFunction::kCount);
    if (fused && fused_state[idx] != kNoColumn) {
      outputs.push_back({fused_state[idx], spec.function});
      continue;
    }
    if (fused) fused_state[idx] = aggregators.size();
    aggregators.push_back(
        fused ? make_numeric_summary(type, !sum_name[idx].empty(), extremes[idx], sum_name[idx])
              : make_aggregator(spec, type, options.ddof));
    aggregate_columns.push_back(idx);
    outputs.push_back({aggregators.size() - 1, spec.function});
  }
}

// The index of input column `column` among the row-major ones, or kNoColumn.
std::size_t GroupBy::State::row_major_part(std::size_t column) const {
  if (column == kNoColumn) return kNoColumn;
  for (std::size_t part = 0; part < row_major.size(); ++part)
    if (row_major[part].column == column) return part;
  return kNoColumn;
}

// The one aggregator of the row-major columns, made at its first use (row_major_applies has
// checked that it serves every aggregate of them).
std::size_t GroupBy::State::row_major_state() {
  if (row_major_aggregator != kNoColumn) return row_major_aggregator;
  bool extremes = false;
  for (const AggregateSpec& spec : options.aggregates) {
    const auto idx = input.find(spec.column);
    extremes =
        extremes ||
        (idx && row_major_part(*idx) != kNoColumn &&
         (spec.function == AggregateFunction::kMin || spec.function == AggregateFunction::kMax));
  }
  std::vector<std::size_t> offsets;
  for (const RowMajorColumn& column : row_major) offsets.push_back(column.offset);
  aggregators.push_back(make_row_major_summary(std::move(offsets), row_major_stride, extremes));
  aggregate_columns.push_back(kNoColumn);
  row_major_aggregator = aggregators.size() - 1;
  return row_major_aggregator;
}

// Float64 columns, distinct, inside the row, no key among them, every aggregate of them fused.
bool GroupBy::State::row_major_applies(const std::vector<RowMajorColumn>& columns,
                                       std::size_t stride) const {
  if (columns.empty() || stats.rows > 0 || !row_major.empty()) return false;
  std::vector<bool> seen(input.size(), false);
  for (const RowMajorColumn& column : columns) {
    if (column.column >= input.size() || seen[column.column] || column.offset >= stride ||
        input.field(column.column).type != table::ColumnType::kFloat64)
      return false;
    seen[column.column] = true;
  }
  for (std::size_t key : key_columns)
    if (seen[key]) return false;
  for (const AggregateSpec& spec : options.aggregates) {
    const auto idx = input.find(spec.column);
    if (spec.function != AggregateFunction::kCountAll && idx && seen[*idx] &&
        !is_fused(spec.function, table::ColumnType::kFloat64))
      return false;
  }
  return true;
}

void GroupBy::State::validate_and_plan() {
  if (options.ddof < 0) throw ConfigError("groupby: ddof must be 0 or more, not {}", options.ddof);
  for (const std::string& key : options.keys) {
    const std::size_t idx = find_column(input, key, "groupby keys");
    claim_name(key, "a key given twice");
    key_columns.push_back(idx);
    key_types.push_back(input.field(idx).type);
    output.add({key, input.field(idx).type});
  }
  plan_aggregates();
  encoder = KeyEncoder(key_types);
  groups = GroupTable(encoder.is_fixed(), encoder.fixed_width(), encoder.is_word());
}

// gids[row] = the group of each row of the block. Lookups are prefetched a few rows ahead:
// with 100k groups the table does not fit in cache, and the rows' lookups are independent.
void GroupBy::State::find_groups(const table::Table& block) {
  constexpr std::size_t kAhead = 8;
  const std::size_t rows = block.num_rows();
  gids.resize(rows);
  std::uint32_t* out = gids.data();
  if (groups.word_mode() && table::stores_i64(key_types[0])) {
    find_groups_direct(block.column(key_columns[0]), rows);
    return;
  }
  if (key_types.size() == 1 && key_types[0] == table::ColumnType::kString && strings.active()) {
    find_groups_strings(block.column(key_columns[0]), rows);
    return;
  }
  if (groups.word_mode()) {
    encoder.encode_words(block, key_columns[0]);
    const std::uint64_t* hashes = encoder.hashes();
    const std::uint64_t* words = encoder.words();
    const std::uint8_t* present = encoder.present();
    for (std::size_t row = 0; row < rows; ++row) {
      if (row + kAhead < rows) __builtin_prefetch(groups.slot_address(hashes[row + kAhead]));
      out[row] = groups.find_or_insert_word(present[row] != 0, words[row], hashes[row]);
    }
    return;
  }
  encoder.encode(block, key_columns);
  const std::uint64_t* hashes = encoder.hashes();
  for (std::size_t row = 0; row < rows; ++row) {
    if (row + kAhead < rows) __builtin_prefetch(groups.slot_address(hashes[row + kAhead]));
    out[row] = groups.find_or_insert(encoder.key(row), encoder.key_size(row), hashes[row]);
  }
}

// One int64-storage key: the direct index where the values allow, the word table elsewhere.
void GroupBy::State::find_groups_direct(const table::Column& key, std::size_t rows) {
  const std::int64_t* values = key.i64();
  const std::uint8_t* valid = key.validity();
  if (!direct.planned()) direct.plan(values, valid, rows);
  std::uint32_t* out = gids.data();
  for (std::size_t row = 0; row < rows; ++row) {
    const bool present = valid == nullptr || valid[row] != 0;
    std::uint32_t* slot = present ? direct.slot(values[row]) : nullptr;
    if (slot != nullptr && *slot != 0) {
      out[row] = *slot - 1;
      continue;
    }
    const auto word = static_cast<std::uint64_t>(values[row]);
    out[row] = groups.find_or_insert_word(present, word, hash_word_key(present, word));
    if (slot != nullptr) *slot = out[row] + 1;
  }
}

// One string key: the cache of recent strings, else the string normalized and looked up (and
// remembered). Null keys go through the table each time (their key is [ 0 | u32 0 ]).
void GroupBy::State::find_groups_strings(const table::Column& key, std::size_t rows) {
  const std::uint8_t* valid = key.validity();
  const std::uint64_t* offsets = key.offsets().data();
  const char* chars = key.chars().data();
  std::uint32_t* out = gids.data();
  std::size_t hits = 0;
  std::size_t misses = 0;
  for (std::size_t row = 0; row < rows; ++row) {
    const bool present = valid == nullptr || valid[row] != 0;
    const char* text = chars + offsets[row];
    const std::size_t size = present ? offsets[row + 1] - offsets[row] : 0;
    if (present) {
      const std::uint32_t id = strings.find(text, size, groups);
      if (id != StringGroupCache::kMiss) {
        out[row] = id;
        ++hits;
        continue;
      }
      ++misses;
    }
    if (size > std::numeric_limits<std::uint32_t>::max())
      throw DataError("a key string of {} is too long (limit 4 GiB)", human_bytes(size));
    const auto length = static_cast<std::uint32_t>(size);
    string_key.resize(5 + size);
    string_key[0] = present ? 1 : 0;
    std::memcpy(string_key.data() + 1, &length, 4);
    if (size > 0) std::memcpy(string_key.data() + 5, text, size);
    out[row] = groups.find_or_insert(string_key.data(), static_cast<std::uint32_t>(5 + size),
                                     hash_key(string_key.data(), string_key.size()));
    if (present) strings.remember(text, size, out[row]);
  }
  stats.cached_rows += hits;
  strings.observe(rows, misses);
}

void GroupBy::State::serialize(std::vector<std::byte>& send, std::vector<std::uint64_t>& counts) {
  const auto ranks = static_cast<std::size_t>(comm->size());
  const std::size_t group_count = groups.size();
  for (auto& aggregator : aggregators) aggregator->prepare_write(group_count);
  std::vector<std::uint32_t> owner(group_count);
  std::vector<std::uint64_t> record_size(group_count);
  counts.assign(ranks, 0);
  for (std::uint32_t gid = 0; gid < group_count; ++gid) {
    owner[gid] = options.skew_to_one_rank
                     ? 0u
                     : static_cast<std::uint32_t>(owner_rank(groups.hash(gid), comm->size()));
    std::uint64_t size = (spill ? 8 : 0) + 4 + groups.key_size(gid);
    for (const auto& aggregator : aggregators) size += aggregator->state_size(gid);
    record_size[gid] = size;
    counts[owner[gid]] += size;
  }
  std::vector<std::uint64_t> cursor = comm::exclusive_scan(counts);
  send.resize(static_cast<std::size_t>(cursor.back() + counts.back()));
  for (std::uint32_t gid = 0; gid < group_count; ++gid) {
    std::byte* out = send.data() + cursor[owner[gid]];
    if (spill) out = bytes::put(out, record_size[gid]);
    out = bytes::put(out, groups.key_size(gid));
    if (groups.key_size(gid) > 0) std::memcpy(out, groups.key(gid), groups.key_size(gid));
    out += groups.key_size(gid);
    for (const auto& aggregator : aggregators) out = aggregator->write_state(gid, out);
    cursor[owner[gid]] += record_size[gid];
  }
  stats.local_groups += group_count;
  stats.bytes_sent += send.size();
  if (!send.empty())
    table_per_state_byte = std::max(table_per_state_byte, static_cast<double>(used_bytes()) /
                                                              static_cast<double>(send.size()));
}

std::size_t GroupBy::State::used_bytes() const {
  std::size_t bytes = groups.used_bytes();
  for (const auto& aggregator : aggregators) bytes += aggregator->used_bytes();
  return bytes;
}

void GroupBy::State::merge_begin() {
  groups.clear();
  for (auto& aggregator : aggregators) aggregator->clear();
}

void GroupBy::State::merge_records(const std::byte* in, const std::byte* end) {
  stats.bytes_received += static_cast<std::uint64_t>(end - in);
  while (in < end) {
    if (spill) in += 8;  // the record's size
    const auto key_size = bytes::get<std::uint32_t>(in);
    const auto* key = reinterpret_cast<const std::uint8_t*>(in);
    in += key_size;
    const std::size_t before = groups.size();
    const std::uint32_t gid = groups.find_or_insert(key, key_size, hash_key(key, key_size));
    if (groups.size() != before)
      for (auto& aggregator : aggregators) aggregator->resize(groups.size());
    for (auto& aggregator : aggregators) in = aggregator->merge_state(gid, in);
  }
  if (in != end) throw DataError("internal: group-by partial states overran the exchange buffer");
}

void GroupBy::State::merge_end() {
  // Without keys every row is in one group, also when there is no row: as in SQL (and pandas'
  // agg), the result is one row (count() 0, sum null), made by the rank that would own it.
  // The key is 0 bytes long; the buffer is larger only because the table's word and fixed-width
  // paths, unreachable here, read 8 bytes (GCC -O3 warns about them otherwise).
  if (!key_types.empty() || groups.size() != 0) return;
  static constexpr std::uint8_t kNoKey[16] = {};
  const std::uint64_t no_key_hash = hash_key(kNoKey, 0);
  const int no_key_owner = options.skew_to_one_rank ? 0 : owner_rank(no_key_hash, comm->size());
  if (comm->rank() != no_key_owner) return;
  groups.find_or_insert(kNoKey, 0, no_key_hash);
  for (auto& aggregator : aggregators) aggregator->resize(groups.size());
}

table::Table GroupBy::State::finalize() {
  const std::size_t group_count = groups.size();
  std::vector<table::Column> keys;
  for (table::ColumnType type : key_types) {
    keys.emplace_back(type);
    keys.back().reserve(group_count);
  }
  for (std::uint32_t gid = 0; gid < group_count; ++gid) encoder.decode(groups.key(gid), keys);
  table::Table out;
  for (std::size_t key_idx = 0; key_idx < keys.size(); ++key_idx)
    out.add_column(output.field(key_idx).name, std::move(keys[key_idx]));
  for (std::size_t out_idx = 0; out_idx < outputs.size(); ++out_idx) {
    const Output& spec = outputs[out_idx];
    out.add_column(
        output.field(keys.size() + out_idx).name,
        aggregators[spec.aggregator]->finalize_part(group_count, spec.function, spec.part));
  }
  stats.groups += group_count;
  return out;
}

GroupBy::GroupBy(const comm::Communicator& comm, const table::Schema& input, GroupByOptions options)
    : state_(std::make_unique<State>(comm, input, std::move(options))) {
  state_->validate_and_plan();
}

GroupBy::~GroupBy() = default;
GroupBy::GroupBy(GroupBy&&) noexcept = default;

const table::Schema& GroupBy::output_schema() const { return state_->output; }
const GroupByStats& GroupBy::stats() const { return state_->stats; }

void GroupBy::consume(const table::Table& block) {
  State& state = *state_;
  if (state.finished) throw DataError("internal: GroupBy::consume after finish");
  const std::size_t rows = block.num_rows();
  if (rows == 0) return;
  if (!(block.schema() == state.input))
    throw DataError("internal: a group-by block has columns [{}], expected [{}]",
                    block.schema().describe(), state.input.describe());
  if (state.stats.rows + rows >= (std::uint64_t{1} << kPositionRowBits))
    throw DataError("more than 2^44 rows on one rank: use more ranks");

  state.find_groups(block);

  const std::uint64_t first_position =
      (static_cast<std::uint64_t>(state.comm->rank()) << kPositionRowBits) + state.stats.rows;
  for (std::size_t agg_idx = 0; agg_idx < state.aggregators.size(); ++agg_idx) {
    Aggregator& aggregator = *state.aggregators[agg_idx];
    aggregator.resize(state.groups.size());
    const std::size_t column_idx = state.aggregate_columns[agg_idx];
    aggregator.update(column_idx == kNoColumn ? nullptr : &block.column(column_idx),
                      state.gids.data(), rows, first_position);
  }
  state.stats.rows += rows;
  if (state.spill && state.used_bytes() >= state.spill_at) state.spill_generation();
}

bool GroupBy::use_row_major(const std::vector<RowMajorColumn>& columns, std::size_t stride) {
  State& state = *state_;
  if (!state.row_major_applies(columns, stride)) return false;
  // Plan again with these columns served by one row-major state: same outputs, same order.
  state.row_major = columns;
  state.row_major_stride = stride;
  state.output = table::Schema();
  state.key_columns.clear();
  state.key_types.clear();
  state.aggregators.clear();
  state.aggregate_columns.clear();
  state.outputs.clear();
  state.validate_and_plan();
  return true;
}

void GroupBy::consume(const table::Table& block, const double* rows) {
  State& state = *state_;
  if (state.row_major_aggregator == kNoColumn)
    throw DataError("internal: GroupBy::consume with rows, but use_row_major was not accepted");
  state.aggregators[state.row_major_aggregator]->set_rows(rows);
  consume(block);
}

void GroupBy::exchange() {
  State& state = *state_;
  const comm::Communicator& comm = *state.comm;
  std::vector<std::byte> send;
  std::vector<std::uint64_t> counts;
  comm::run_phase(comm, "group-by: serializing partial states", [&] {
    if (state.finished) throw DataError("internal: GroupBy::finish called twice");
    state.finished = true;
    state.serialize(send, counts);
  });
  if (state.spill && state.exchange_through_scratch(send, counts)) return;
  comm::ExchangeBuffer recv;
  comm::exchange_bytes(comm, send.data(), counts, recv, state.options.exchange_round_bytes);
  std::vector<std::byte>().swap(send);
  state.result = comm::run_phase(comm, "group-by: merging partial states", [&] {
    state.merge_begin();
    state.merge_records(recv.data.data(), recv.data.data() + recv.data.size());
    state.merge_end();
    return state.finalize();
  });
}

void GroupBy::produce(const std::function<bool(table::Table&)>& emit) {
  State& state = *state_;
  if (!state.finished) throw DataError("internal: GroupBy::produce before exchange");
  if (!state.through_scratch) {
    table::Table out = std::move(state.result);
    state.result = table::Table();
    emit(out);
    return;
  }
  PartitionSpill& spill = *state.spill;
  bool emitted = false;
  for (std::size_t partition = 0; partition < spill.partitions(); ++partition) {
    state.merge_begin();
    spill.for_each_in_partition(partition, [&](const std::byte* in, const std::byte* end) {
      state.merge_records(in, end);
    });
    state.merge_end();
    if (state.groups.size() == 0) continue;
    table::Table out = state.finalize();
    emitted = true;
    if (!emit(out)) break;
  }
  if (!emitted) {
    state.merge_begin();
    table::Table out = state.finalize();
    emit(out);
  }
  spill.release();
  state.merge_begin();
  state.stats.bytes_spilled = spill.bytes_spilled();
  state.stats.bytes_read_back = spill.bytes_read_back();
}

table::Table GroupBy::finish() {
  exchange();
  table::Table all;
  comm::run_phase(*state_->comm, "group-by: merging spilled partial states", [&] {
    all = gather_parts(table::Table(), [this](const auto& emit) { produce(emit); });
  });
  return all;
}

}  // namespace rankflow::ops
