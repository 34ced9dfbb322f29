// Sample sort:
//
//   1. each rank sorts its rows by (keys, row) (stable local sort)
//   2. each rank takes a regular sample of its sorted rows, each sample carrying
//      (keys, rank, row, weight = rows it stands for); every rank gets every sample
//   3. every rank sorts the samples by (keys, rank, row) and picks the same P - 1 splitters at
//      equal steps of cumulative weight; (keys, rank, row) is unique, so equal keys split too
//   4. rows go to the bucket their (keys, rank, row) falls in: one exchange_bytes of rows
//   5. each rank merges the runs it received (ordered by source rank, so ties keep input order),
//      straight from the received bytes (sort_merge.hpp)
#include "rankflow/ops/sort.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <numeric>

#include "radix_sort.hpp"
#include "rankflow/comm/exchange.hpp"
#include "rankflow/comm/phase.hpp"
#include "rankflow/core/error.hpp"
#include "rankflow/core/text.hpp"
#include "rankflow/table/row_codec.hpp"
#include "row_order.hpp"
#include "sort_merge.hpp"
#include "sort_parts.hpp"

namespace rankflow::ops {
namespace {

using table::Column;
using table::ColumnType;
using table::Table;

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!word.empty()) words.push_back(word);
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(word);
  for (std::string& each : words) each = lower(std::move(each));
  return words;
}

SortKey parse_sort_key(const std::string& item) {
  const std::string text = trim(item);
  if (text.empty()) throw ConfigError("sort: a key is empty (two commas in a row?)");
  SortKey key;
  // The column is the first word, or a quoted name; modifiers follow.
  std::size_t name_end;
  if (text.front() == '"' || text.front() == '`') {
    name_end = text.find(text.front(), 1);
    if (name_end == std::string::npos)
      throw ConfigError("sort key '{}': the quoted column name is not closed", text);
    key.column = text.substr(1, name_end - 1);
    ++name_end;
  } else {
    name_end = 0;
    while (name_end < text.size() && !std::isspace(static_cast<unsigned char>(text[name_end])))
      ++name_end;
    key.column = text.substr(0, name_end);
  }
  const std::vector<std::string> words = words_of(text.substr(name_end));
  std::size_t idx = 0;
  if (idx < words.size() && (words[idx] == "asc" || words[idx] == "desc"))
    key.descending = words[idx++] == "desc";
  if (idx + 1 < words.size() && words[idx] == "nulls" &&
      (words[idx + 1] == "first" || words[idx + 1] == "last")) {
    key.nulls_first = words[idx + 1] == "first";
    idx += 2;
  }
  if (idx != words.size())
    throw ConfigError("sort key '{}': expected 'column [asc|desc] [nulls first|nulls last]'", text);
  return key;
}

}  // namespace

namespace sort_detail {

std::size_t samples_per_rank(std::size_t rows, int ranks) {
  // 16 per rank keeps buckets within a few percent of N/P; the cap keeps the sample that
  // every rank holds near 2^20 rows at any rank count.
  const auto per_rank = static_cast<std::size_t>(ranks);
  const std::size_t wanted =
      std::max<std::size_t>(4, std::min(16 * per_rank, (std::size_t{1} << 20) / per_rank));
  return std::min(rows, wanted);
}

// One fixed-width key: a radix sort of order-preserving 64-bit keys, nulls kept aside.
std::vector<std::uint32_t> radix_order(const Column& column, const SortKey& key) {
  std::vector<KeyedRow> items;
  std::vector<KeyedRow> scratch;
  std::vector<std::uint32_t> nulls;
  items.reserve(column.size() - column.null_count());
  sortable_keys(column, key.descending, items, nulls);
  radix_sort(items, scratch);
  std::vector<KeyedRow>().swap(scratch);
  std::vector<std::uint32_t> order;
  order.reserve(column.size());
  if (key.nulls_first) order.insert(order.end(), nulls.begin(), nulls.end());
  for (const KeyedRow& item : items) order.push_back(item.row);
  if (!key.nulls_first) order.insert(order.end(), nulls.begin(), nulls.end());
  return order;
}

// The stable order of the local rows by keys.
std::vector<std::uint32_t> local_order(const Table& local, const SortPlan& plan) {
  if (plan.keys.size() == 1 && local.column(plan.key_columns[0]).type() != ColumnType::kString)
    return radix_order(local.column(plan.key_columns[0]), plan.keys[0]);
  std::vector<std::uint32_t> order(local.num_rows());
  std::iota(order.begin(), order.end(), 0u);
  const RowOrder row_order(local, plan.key_columns, plan.keys);
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t left, std::uint32_t right) {
    return row_order.less(left, right);
  });
  return order;
}

// Samples as a table: the key columns, then rank, row and weight (int64).
Table sample_schema_table(const Table& local, const SortPlan& plan) {
  table::Schema schema;
  for (std::size_t key_idx = 0; key_idx < plan.key_columns.size(); ++key_idx)
    schema.add(
        {"k" + std::to_string(key_idx), local.schema().field(plan.key_columns[key_idx]).type});
  schema.add({"rank", ColumnType::kInt64});
  schema.add({"row", ColumnType::kInt64});
  schema.add({"weight", ColumnType::kInt64});
  return Table(schema);
}

Table take_samples(const Table& local, const SortPlan& plan,
                   const std::vector<std::uint32_t>& order, int rank, int ranks) {
  Table samples = sample_schema_table(local, plan);
  const std::size_t rows = order.size();
  const std::size_t count = samples_per_rank(rows, ranks);
  const std::size_t keys = plan.key_columns.size();
  for (std::size_t sample = 0; sample < count; ++sample) {
    const std::size_t begin = sample * rows / count;
    const std::size_t end = (sample + 1) * rows / count;
    const std::uint32_t row = order[(begin + end) / 2];
    for (std::size_t key_idx = 0; key_idx < keys; ++key_idx)
      samples.column(key_idx).append_from(local.column(plan.key_columns[key_idx]), row);
    samples.column(keys).append_i64(rank);
    samples.column(keys + 1).append_i64(row);
    samples.column(keys + 2).append_i64(static_cast<std::int64_t>(end - begin));
  }
  return samples;
}

// (keys, rank, row) of row `left_row` of `left`, whose input position is (left_rank,
// left_input_row), against sample `sample` of `samples`.
int compare_to_sample(const RowOrder& left, std::size_t left_row, std::int64_t left_rank,
                      std::int64_t left_input_row, const RowOrder& samples_order,
                      const Table& samples, std::size_t keys, std::size_t sample) {
  const int order = RowOrder::compare(left, left_row, samples_order, sample);
  if (order != 0) return order;
  const std::int64_t rank = samples.column(keys).i64()[sample];
  if (left_rank != rank) return left_rank < rank ? -1 : 1;
  const std::int64_t sample_row = samples.column(keys + 1).i64()[sample];
  return (left_input_row > sample_row) - (left_input_row < sample_row);
}

// Splitters: sample indices at equal steps of cumulative weight (P - 1 of them; none when there
// are no samples). Every rank computes the same ones from the same samples.
std::vector<std::size_t> choose_splitters(const Table& samples, const RowOrder& samples_order,
                                          std::size_t keys, int ranks) {
  const std::size_t count = samples.num_rows();
  if (count == 0) return {};
  std::vector<std::uint32_t> order(count);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](std::uint32_t left, std::uint32_t right) {
    return compare_to_sample(samples_order, left, samples.column(keys).i64()[left],
                             samples.column(keys + 1).i64()[left], samples_order, samples, keys,
                             right) < 0;
  });
  const std::int64_t* weights = samples.column(keys + 2).i64();
  double total = 0;
  for (std::size_t idx = 0; idx < count; ++idx) total += static_cast<double>(weights[idx]);
  std::vector<std::size_t> splitters;
  double cumulative = 0;
  std::size_t position = 0;
  for (int bucket = 1; bucket < ranks; ++bucket) {
    const double target = total * bucket / ranks;
    while (position + 1 < count &&
           cumulative + static_cast<double>(weights[order[position]]) < target)
      cumulative += static_cast<double>(weights[order[position++]]);
    splitters.push_back(order[position]);
  }
  return splitters;
}

// bounds[d] .. bounds[d + 1]: the positions in `order` of the rows bound for rank d.
std::vector<std::uint64_t> partition_bounds(const Table& local, const SortPlan& plan,
                                            const std::vector<std::uint32_t>& order,
                                            const Table& samples,
                                            const std::vector<std::size_t>& splitters, int rank,
                                            int ranks) {
  const std::size_t keys = plan.key_columns.size();
  std::vector<std::size_t> sample_columns(keys);
  std::iota(sample_columns.begin(), sample_columns.end(), std::size_t{0});
  const RowOrder local_rows(local, plan.key_columns, plan.keys);
  const RowOrder sample_rows(samples, sample_columns, plan.keys);
  std::vector<std::uint64_t> bounds{0};
  for (std::size_t splitter : splitters) {
    auto first_above = std::partition_point(order.begin(), order.end(), [&](std::uint32_t row) {
      return compare_to_sample(local_rows, row, rank, static_cast<std::int64_t>(row), sample_rows,
                               samples, keys, splitter) <= 0;
    });
    bounds.push_back(static_cast<std::uint64_t>(first_above - order.begin()));
  }
  bounds.resize(static_cast<std::size_t>(ranks) + 1, order.size());
  return bounds;
}

SortPlan plan_sort(const table::Schema& schema, const std::vector<SortKey>& keys) {
  validate_sort_keys(schema, keys);
  SortPlan plan;
  plan.keys = keys;
  for (const SortKey& key : keys) plan.key_columns.push_back(*schema.find(key.column));
  return plan;
}

}  // namespace sort_detail

namespace {

using namespace sort_detail;

// Every rank's samples to every rank: this rank's sample encoded once per destination.
void encode_samples(const Table& local, const SortPlan& plan,
                    const std::vector<std::uint32_t>& order, const comm::Communicator& comm,
                    std::vector<std::byte>& send, std::vector<std::uint64_t>& counts) {
  const int ranks = comm.size();
  const Table samples = take_samples(local, plan, order, comm.rank(), ranks);
  std::vector<std::uint32_t> all(samples.num_rows());
  std::iota(all.begin(), all.end(), 0u);
  const std::uint64_t size = table::encoded_size(samples, all.data(), all.size());
  send.resize(static_cast<std::size_t>(size) * static_cast<std::size_t>(ranks));
  for (int dest = 0; dest < ranks; ++dest)
    table::encode_rows(samples, all.data(), all.size(),
                       send.data() + static_cast<std::size_t>(dest) * size);
  counts.assign(static_cast<std::size_t>(ranks), size);
}

// From every rank's samples (received), the same splitters on every rank, and this rank's
// bucket bounds in its sorted order.
std::vector<std::uint64_t> bucket_bounds(const Table& local, const SortPlan& plan,
                                         const std::vector<std::uint32_t>& order,
                                         const comm::ExchangeBuffer& recv,
                                         const comm::Communicator& comm) {
  Table samples = sample_schema_table(local, plan);
  table::decode_all(recv.data.data(), recv.data.data() + recv.data.size(), samples);
  const std::size_t key_count = plan.key_columns.size();
  std::vector<std::size_t> sample_columns(key_count);
  std::iota(sample_columns.begin(), sample_columns.end(), std::size_t{0});
  const RowOrder samples_order(samples, sample_columns, plan.keys);
  const std::vector<std::size_t> splitters =
      choose_splitters(samples, samples_order, key_count, comm.size());
  return partition_bounds(local, plan, order, samples, splitters, comm.rank(), comm.size());
}

// The rows of each bucket, in sorted order, as one row-codec chunk per destination.
void encode_buckets(const Table& local, const std::vector<std::uint32_t>& order,
                    const std::vector<std::uint64_t>& bounds, std::vector<std::byte>& send,
                    std::vector<std::uint64_t>& counts) {
  std::uint64_t total = 0;
  for (std::size_t dest = 0; dest < counts.size(); ++dest) {
    counts[dest] =
        table::encoded_size(local, order.data() + bounds[dest], bounds[dest + 1] - bounds[dest]);
    total += counts[dest];
  }
  send.resize(static_cast<std::size_t>(total));
  std::byte* out = send.data();
  for (std::size_t dest = 0; dest < counts.size(); ++dest)
    out = table::encode_rows(local, order.data() + bounds[dest], bounds[dest + 1] - bounds[dest],
                             out);
}

}  // namespace

std::vector<SortKey> parse_sort_keys(const std::string& text) {
  if (trim(text).empty()) throw ConfigError("sort: no key given; e.g. sort = value desc, key");
  std::vector<SortKey> keys;
  for (const std::string& item : split_list(text)) keys.push_back(parse_sort_key(item));
  return keys;
}

void validate_sort_keys(const table::Schema& schema, const std::vector<SortKey>& keys) {
  if (keys.empty()) throw ConfigError("sort: no key given");
  for (std::size_t idx = 0; idx < keys.size(); ++idx) {
    if (!schema.find(keys[idx].column)) {
      std::string names;
      for (const table::Field& field : schema.fields())
        names += (names.empty() ? "" : ", ") + field.name;
      throw ConfigError("sort: no column '{}'; the columns are: {}", keys[idx].column, names);
    }
    for (std::size_t other = 0; other < idx; ++other)
      if (keys[other].column == keys[idx].column)
        throw ConfigError("sort: the column '{}' is given twice", keys[idx].column);
  }
}

namespace {

// `owned`: the caller gave its table away (sort(Table&&)): it is freed once encoded.
Table sort_rows(const comm::Communicator& comm, const Table& local, Table* owned,
                const std::vector<SortKey>& keys, const SortOptions& options) {
  SortPlan plan;
  std::vector<std::uint32_t> order;
  std::vector<std::byte> send;
  std::vector<std::uint64_t> counts;
  comm::run_phase(comm, "sort: sorting locally", [&] {
    plan = plan_sort(local.schema(), keys);
    if (local.num_rows() > std::numeric_limits<std::uint32_t>::max())
      throw DataError("sort: {} rows on one rank is more than 2^32 - 1: use more ranks",
                      local.num_rows());
    order = local_order(local, plan);
    encode_samples(local, plan, order, comm, send, counts);
  });
  comm::ExchangeBuffer recv;
  comm::exchange_bytes(comm, send.data(), counts, recv, options.exchange_round_bytes);

  const table::Schema schema = local.schema();
  std::uint64_t input_bytes = local.memory_bytes();
  comm::run_phase(comm, "sort: partitioning", [&] {
    const std::vector<std::uint64_t> bounds = bucket_bounds(local, plan, order, recv, comm);
    encode_buckets(local, order, bounds, send, counts);
    std::vector<std::uint32_t>().swap(order);
  });
  if (owned != nullptr) {
    *owned = Table();  // encoded: `local` is not read again
    input_bytes = 0;
  }
  std::vector<std::uint64_t> incoming = counts;
  comm.allreduce_inplace(incoming.data(), incoming.size(), comm::ReduceOp::kSum);
  // Held at the peak: the input (unless given away), and either its encoding with the bytes
  // that arrive, or (the encoding freed) the bytes that arrived with the merged output (about
  // as large) and its order (the keys and a few bytes per row: half the bytes is ample).
  const std::uint64_t arriving = incoming[static_cast<std::size_t>(comm.rank())];
  check_memory(
      comm, options.memory, "sort",
      {input_bytes + std::max<std::uint64_t>(send.size() + arriving, arriving * 5 / 2), 0});
  comm::exchange_bytes(comm, send.data(), counts, recv, options.exchange_round_bytes);
  std::vector<std::byte>().swap(send);

  return comm::run_phase(comm, "sort: merging", [&] {
    return merge_received(schema, plan.key_columns, plan.keys, recv);
  });
}

}  // namespace

Table sort(const comm::Communicator& comm, const Table& local, const std::vector<SortKey>& keys,
           const SortOptions& options) {
  return sort_rows(comm, local, nullptr, keys, options);
}

Table sort(const comm::Communicator& comm, Table&& local, const std::vector<SortKey>& keys,
           const SortOptions& options) {
  return sort_rows(comm, local, &local, keys, options);
}

}  // namespace rankflow::ops
