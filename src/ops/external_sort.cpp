#include "rankflow/ops/external_sort.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <numeric>
#include <optional>

#include "rankflow/comm/exchange.hpp"
#include "rankflow/comm/phase.hpp"
#include "rankflow/core/error.hpp"
#include "rankflow/core/log.hpp"
#include "rankflow/ops/memory_budget.hpp"
#include "rankflow/ops/spill.hpp"
#include "rankflow/table/row_codec.hpp"
#include "row_order.hpp"
#include "sort_parts.hpp"

namespace rankflow::ops {
namespace {

using namespace sort_detail;
using table::Table;

struct ChunkRef {
  Extent at;
  std::uint64_t rows = 0;
};
// A sorted run in a spill file, in chunks.
struct Stream {
  SpillFile* file = nullptr;
  std::vector<ChunkRef> chunks;
  std::uint64_t bytes() const {
    std::uint64_t total = 0;
    for (const ChunkRef& chunk : chunks) total += chunk.at.size;
    return total;
  }
};

// What precedes a piece of a run in an exchange round.
struct PieceHeader {
  std::uint32_t run;
  std::uint32_t rows;
  std::uint64_t bytes;
};

// A cursor over one stream: its current chunk decoded.
struct Cursor {
  const Stream* stream = nullptr;
  std::size_t next = 0;
  Table block;
  std::size_t row = 0;
  std::vector<std::byte> bytes;
  std::optional<RowOrder> order;
};

std::int64_t run_row(std::size_t run, std::uint64_t position) {
  return static_cast<std::int64_t>((static_cast<std::uint64_t>(run) << 32) | position);
}

}  // namespace

struct ExternalSort::State {
  const comm::Communicator* comm;
  table::Schema schema;
  SortPlan plan;
  SortOptions options;
  std::uint64_t budget = 0;  // 0: never spill
  std::size_t chunk_bytes = 0;
  Table rows;
  std::vector<std::uint32_t> identity;  // 0, 1, 2, ...: rows of a chunk in order
  std::vector<std::byte> bytes;         // reused for encoding and reading
  std::unique_ptr<SpillFile> run_file;
  std::vector<Stream> runs;
  Table samples;
  bool finished = false;
  bool external = false;
  std::optional<Table> result;  // in memory
  std::vector<std::unique_ptr<SpillFile>> files;  // received runs, then merge passes
  std::vector<Stream> streams;                    // what produce() merges
  std::uint64_t spilled = 0;
  std::uint64_t read_back = 0;

  void spill_run();
  void append_chunk(SpillFile& file, Stream& stream, const Table& table,
                    const std::uint32_t* order, std::size_t count);
  std::vector<std::size_t> splitters();
  void send_runs(const std::vector<std::size_t>& splitters);
  bool fill_round(std::size_t& run, std::size_t& chunk, const std::vector<std::size_t>& splitters,
                  std::vector<std::vector<std::byte>>& outgoing);
  void receive_round(const comm::ExchangeBuffer& recv,
                     std::map<std::pair<std::size_t, std::uint32_t>, Stream>& received);
  void merge_passes();
  bool load(Cursor& cursor);
  bool merge(const std::vector<Stream>& inputs, const std::function<bool(Table&)>& emit);
  void log_spill();
};

void ExternalSort::State::append_chunk(SpillFile& file, Stream& stream, const Table& table,
                                       const std::uint32_t* order, std::size_t count) {
  bytes.resize(static_cast<std::size_t>(table::encoded_size(table, order, count)));
  table::encode_rows(table, order, count, bytes.data());
  stream.chunks.push_back({file.append(bytes.data(), bytes.size()), count});
  spilled += bytes.size();
}

// The buffered rows as one sorted run in the run file, sampled on the way.
void ExternalSort::State::spill_run() {
  if (rows.num_rows() == 0) return;
  if (rows.num_rows() > std::numeric_limits<std::uint32_t>::max())
    throw DataError("sort: a block of {} rows is more than 2^32 - 1", rows.num_rows());
  if (!run_file) run_file = std::make_unique<SpillFile>(*options.scratch, "sort-runs", chunk_bytes);
  const std::vector<std::uint32_t> order = local_order(rows, plan);
  const std::size_t run = runs.size();
  // The sample: as take_samples, with the row given as (run, position in the run).
  const std::size_t count = samples_per_rank(order.size(), comm->size());
  const std::size_t keys = plan.key_columns.size();
  for (std::size_t sample = 0; sample < count; ++sample) {
    const std::size_t begin = sample * order.size() / count;
    const std::size_t end = (sample + 1) * order.size() / count;
    const std::size_t middle = (begin + end) / 2;
    for (std::size_t key_idx = 0; key_idx < keys; ++key_idx)
      samples.column(key_idx).append_from(rows.column(plan.key_columns[key_idx]), order[middle]);
    samples.column(keys).append_i64(comm->rank());
    samples.column(keys + 1).append_i64(run_row(run, middle));
    samples.column(keys + 2).append_i64(static_cast<std::int64_t>(end - begin));
  }
  const std::uint64_t total = table::encoded_size(rows, order.data(), order.size());
  const std::size_t per_chunk = static_cast<std::size_t>(std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(order.size()) * chunk_bytes / std::max<std::uint64_t>(1, total)));
  Stream stream;
  stream.file = run_file.get();
  for (std::size_t first = 0; first < order.size(); first += per_chunk)
    append_chunk(*run_file, stream, rows, order.data() + first,
                 std::min(per_chunk, order.size() - first));
  runs.push_back(std::move(stream));
  rows = Table(schema);  // freed: the next run starts from nothing
}

std::vector<std::size_t> ExternalSort::State::splitters() {
  const auto ranks = static_cast<std::size_t>(comm->size());
  std::vector<std::byte> send;
  std::vector<std::uint64_t> counts(ranks, 0);
  comm::run_phase(*comm, "sort: sampling runs", [&] {
    std::vector<std::uint32_t> all(samples.num_rows());
    std::iota(all.begin(), all.end(), 0u);
    const std::uint64_t size = table::encoded_size(samples, all.data(), all.size());
    send.resize(static_cast<std::size_t>(size) * ranks);
    for (std::size_t dest = 0; dest < ranks; ++dest)
      table::encode_rows(samples, all.data(), all.size(), send.data() + dest * size);
    counts.assign(ranks, size);
  });
  comm::ExchangeBuffer recv;
  comm::exchange_bytes(*comm, send.data(), counts, recv, options.exchange_round_bytes);
  return comm::run_phase(*comm, "sort: choosing splitters", [&] {
    samples.clear();
    table::decode_all(recv.data.data(), recv.data.data() + recv.data.size(), samples);
    std::vector<std::size_t> columns(plan.key_columns.size());
    std::iota(columns.begin(), columns.end(), std::size_t{0});
    const RowOrder order(samples, columns, plan.keys);
    return choose_splitters(samples, order, columns.size(), comm->size());
  });
}

// Reads chunks of the runs from (run, chunk) on, cuts each at the splitters and adds the pieces
// to `outgoing` until a round's worth; false when every run is sent.
bool ExternalSort::State::fill_round(std::size_t& run, std::size_t& chunk,
                                     const std::vector<std::size_t>& splitters,
                                     std::vector<std::vector<std::byte>>& outgoing) {
  const auto ranks = static_cast<std::size_t>(comm->size());
  const std::uint64_t round = std::max<std::uint64_t>(
      2 * chunk_bytes, std::min<std::uint64_t>(options.exchange_round_bytes, budget / (8 * ranks)));
  std::vector<std::size_t> columns(plan.key_columns.size());
  std::iota(columns.begin(), columns.end(), std::size_t{0});
  const RowOrder sample_order(samples, columns, plan.keys);
  Table block(schema);
  std::uint64_t queued = 0;
  std::uint64_t position = 0;
  for (std::size_t idx = 0; idx < chunk; ++idx) position += runs[run].chunks[idx].rows;
  while (run < runs.size() && queued < round) {
    const ChunkRef& ref = runs[run].chunks[chunk];
    run_file->read(ref.at, bytes);
    read_back += ref.at.size;
    block.clear();
    table::decode_rows(bytes.data(), bytes.data() + bytes.size(), block);
    const RowOrder block_order(block, plan.key_columns, plan.keys);
    const std::size_t rows_in = block.num_rows();
    if (identity.size() < rows_in) {
      identity.resize(rows_in);
      std::iota(identity.begin(), identity.end(), 0u);
    }
    std::size_t begin = 0;
    for (std::size_t dest = 0; dest < ranks; ++dest) {
      std::size_t end = rows_in;
      if (dest < splitters.size())
        end = static_cast<std::size_t>(
            std::partition_point(identity.begin() + static_cast<std::ptrdiff_t>(begin),
                                 identity.begin() + static_cast<std::ptrdiff_t>(rows_in),
                                 [&](std::uint32_t row) {
                                   return compare_to_sample(block_order, row, comm->rank(),
                                                            run_row(run, position + row),
                                                            sample_order, samples, columns.size(),
                                                            splitters[dest]) <= 0;
                                 }) -
            identity.begin());
      if (end > begin) {
        const std::uint64_t size = table::encoded_size(block, identity.data() + begin, end - begin);
        const PieceHeader header{static_cast<std::uint32_t>(run),
                                 static_cast<std::uint32_t>(end - begin), size};
        std::vector<std::byte>& out = outgoing[dest];
        const std::size_t at = out.size();
        out.resize(at + sizeof header + static_cast<std::size_t>(size));
        std::memcpy(out.data() + at, &header, sizeof header);
        table::encode_rows(block, identity.data() + begin, end - begin,
                           out.data() + at + sizeof header);
        queued += sizeof header + size;
      }
      begin = end;
    }
    position += rows_in;
    if (++chunk == runs[run].chunks.size()) {
      ++run;
      chunk = 0;
      position = 0;
    }
  }
  return run < runs.size();
}

void ExternalSort::State::receive_round(
    const comm::ExchangeBuffer& recv,
    std::map<std::pair<std::size_t, std::uint32_t>, Stream>& received) {
  SpillFile& file = *files.front();
  for (std::size_t source = 0; source < recv.counts.size(); ++source) {
    const std::byte* cursor = recv.data.data() + recv.displs[source];
    const std::byte* end = cursor + recv.counts[source];
    while (cursor < end) {
      PieceHeader header;
      std::memcpy(&header, cursor, sizeof header);
      cursor += sizeof header;
      Stream& stream = received[{source, header.run}];
      stream.file = &file;
      stream.chunks.push_back(
          {file.append(cursor, static_cast<std::size_t>(header.bytes)), header.rows});
      spilled += header.bytes;
      cursor += header.bytes;
    }
  }
}

// Every run's pieces to their ranks, in rounds; what arrives becomes this rank's streams.
void ExternalSort::State::send_runs(const std::vector<std::size_t>& splitters) {
  const auto ranks = static_cast<std::size_t>(comm->size());
  files.push_back(std::make_unique<SpillFile>(*options.scratch, "sort-received", chunk_bytes));
  std::map<std::pair<std::size_t, std::uint32_t>, Stream> received;
  std::vector<std::vector<std::byte>> outgoing(ranks);
  std::vector<std::byte> send;
  std::vector<std::uint64_t> counts(ranks, 0);
  comm::ExchangeBuffer recv;
  std::size_t run = 0;
  std::size_t chunk = 0;
  for (;;) {
    int more = 0;
    comm::run_phase(*comm, "sort: sending runs", [&] {
      for (auto& out : outgoing) out.clear();
      more = fill_round(run, chunk, splitters, outgoing) ? 1 : 0;
      send.clear();
      for (std::size_t dest = 0; dest < ranks; ++dest) {
        counts[dest] = outgoing[dest].size();
        send.insert(send.end(), outgoing[dest].begin(), outgoing[dest].end());
      }
    });
    comm::exchange_bytes(*comm, send.data(), counts, recv, options.exchange_round_bytes);
    comm::run_phase(*comm, "sort: receiving runs", [&] { receive_round(recv, received); });
    if (comm->allreduce(more, comm::ReduceOp::kMax) == 0) break;
  }
  run_file.reset();  // every run sent: its file goes
  runs.clear();
  for (auto& entry : received) streams.push_back(std::move(entry.second));
}

bool ExternalSort::State::load(Cursor& cursor) {
  while (cursor.next < cursor.stream->chunks.size()) {
    const ChunkRef& ref = cursor.stream->chunks[cursor.next++];
    cursor.stream->file->read(ref.at, cursor.bytes);
    read_back += ref.at.size;
    cursor.block.clear();
    table::decode_rows(cursor.bytes.data(), cursor.bytes.data() + cursor.bytes.size(),
                       cursor.block);
    cursor.row = 0;
    cursor.order.emplace(cursor.block, plan.key_columns, plan.keys);
    if (cursor.block.num_rows() > 0) return true;
  }
  return false;
}

// Merges `inputs` (ties: the earlier input first) into blocks for `emit`; false when emit
// asked to stop.
bool ExternalSort::State::merge(const std::vector<Stream>& inputs,
                                const std::function<bool(Table&)>& emit) {
  std::vector<Cursor> cursors(inputs.size());
  std::vector<std::size_t> heap;
  std::uint64_t total_rows = 0;
  std::uint64_t chunks = 0;
  for (std::size_t idx = 0; idx < inputs.size(); ++idx) {
    cursors[idx].stream = &inputs[idx];
    cursors[idx].block = Table(schema);
    for (const ChunkRef& ref : inputs[idx].chunks) total_rows += ref.rows, ++chunks;
    if (load(cursors[idx])) heap.push_back(idx);
  }
  const auto before = [&](std::size_t left, std::size_t right) {
    const int order = RowOrder::compare(*cursors[left].order, cursors[left].row,
                                        *cursors[right].order, cursors[right].row);
    return order < 0 || (order == 0 && left < right);
  };
  const auto after = [&](std::size_t left, std::size_t right) { return before(right, left); };
  std::make_heap(heap.begin(), heap.end(), after);
  const std::size_t out_rows = std::max<std::size_t>(
      1, std::min<std::size_t>(options.output_block_rows,
                               static_cast<std::size_t>(chunks == 0 ? 1 : total_rows / chunks)));
  Table out(schema);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), after);
    const std::size_t top = heap.back();
    heap.pop_back();
    Cursor& cursor = cursors[top];
    const std::size_t begin = cursor.row;
    do {
      ++cursor.row;
    } while (cursor.row < cursor.block.num_rows() && (heap.empty() || before(top, heap.front())));
    out.append_rows(cursor.block, begin, cursor.row - begin);
    if (out.num_rows() >= out_rows) {
      if (!emit(out)) return false;
      out.clear();
    }
    if (cursor.row == cursor.block.num_rows() && !load(cursor)) continue;
    heap.push_back(top);
    std::push_heap(heap.begin(), heap.end(), after);
  }
  return out.num_rows() == 0 || emit(out);
}

// Fewer streams than fit in memory at once: groups of consecutive streams merged into one
// (consecutive, so that ties keep their order).
void ExternalSort::State::merge_passes() {
  const std::uint64_t fan_in = std::max<std::uint64_t>(2, budget / 2 / (2 * chunk_bytes));
  for (int pass = 1; streams.size() > fan_in; ++pass) {
    auto file = std::make_unique<SpillFile>(
        *options.scratch, "sort-merge-" + std::to_string(pass), chunk_bytes);
    std::vector<Stream> merged;
    for (std::size_t first = 0; first < streams.size(); first += fan_in) {
      const std::vector<Stream> group(
          streams.begin() + static_cast<std::ptrdiff_t>(first),
          streams.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(streams.size(), first + fan_in)));
      Stream stream;
      stream.file = file.get();
      merge(group, [&](Table& block) {
        if (identity.size() < block.num_rows()) {
          identity.resize(block.num_rows());
          std::iota(identity.begin(), identity.end(), 0u);
        }
        append_chunk(*file, stream, block, identity.data(), block.num_rows());
        return true;
      });
      merged.push_back(std::move(stream));
    }
    streams.swap(merged);
    files.erase(files.begin(), files.end());  // the pass before is merged: its files go
    files.push_back(std::move(file));
  }
}

void ExternalSort::State::log_spill() {
  std::uint64_t final_reads = 0;
  for (const Stream& stream : streams) final_reads += stream.bytes();
  std::uint64_t totals[2] = {spilled, read_back + final_reads};
  comm->allreduce_inplace(totals, 2, comm::ReduceOp::kSum);
  const std::uint64_t most = comm->allreduce(spilled, comm::ReduceOp::kMax);
  log::info("sort: spilled {} to {} (at most {} on one rank) and reads {} back",
            format_bytes(totals[0]), options.scratch->folder(), format_bytes(most),
            format_bytes(totals[1]));
}

ExternalSort::ExternalSort(const comm::Communicator& comm, const table::Schema& schema,
                           std::vector<SortKey> keys, SortOptions options)
    : state_(std::make_unique<State>()) {
  State& state = *state_;
  state.comm = &comm;
  state.schema = schema;
  state.plan = plan_sort(schema, keys);
  state.options = std::move(options);
  state.rows = Table(schema);
  if (state.options.scratch) state.budget = state.options.memory.bytes_per_rank;
  state.chunk_bytes = static_cast<std::size_t>(std::max<std::uint64_t>(
      4096, std::min<std::uint64_t>(state.options.spill_block_bytes, state.budget / 16)));
  Table probe(schema);
  state.samples = sample_schema_table(probe, state.plan);
}

ExternalSort::~ExternalSort() = default;

void ExternalSort::consume(const Table& block) {
  State& state = *state_;
  if (state.finished) throw DataError("internal: ExternalSort::consume after finish");
  state.rows.append_rows(block, 0, block.num_rows());
  if (state.budget != 0 && state.rows.memory_bytes() >= state.budget / 4) state.spill_run();
}

void ExternalSort::consume(Table&& block) {
  State& state = *state_;
  if (state.rows.num_rows() != 0 || state.finished) return consume(static_cast<const Table&>(block));
  state.rows = std::move(block);
  if (state.budget != 0 && state.rows.memory_bytes() >= state.budget / 4) state.spill_run();
}

void ExternalSort::finish() {
  State& state = *state_;
  if (state.finished) throw DataError("internal: ExternalSort::finish called twice");
  state.finished = true;
  const int spilled_here = state.runs.empty() ? 0 : 1;
  state.external = state.comm->allreduce(spilled_here, comm::ReduceOp::kMax) != 0;
  if (!state.external) {
    state.result = sort(*state.comm, std::move(state.rows), state.plan.keys, state.options);
    return;
  }
  comm::run_phase(*state.comm, "sort: spilling the last run", [&] { state.spill_run(); });
  const std::vector<std::size_t> splitters = state.splitters();
  state.send_runs(splitters);
  comm::run_phase(*state.comm, "sort: merging runs", [&] { state.merge_passes(); });
  state.log_spill();
}

bool ExternalSort::spilled() const noexcept { return state_->external; }

void ExternalSort::produce(const std::function<bool(Table&)>& emit) {
  State& state = *state_;
  if (!state.finished) throw DataError("internal: ExternalSort::produce before finish");
  if (!state.external) {
    if (state.result) {
      Table out = std::move(*state.result);
      state.result.reset();
      emit(out);
    }
    return;
  }
  state.merge(state.streams, emit);
  state.streams.clear();
  state.files.clear();
}

Table ExternalSort::collect() {
  State& state = *state_;
  if (!state.external && state.result) {
    Table out = std::move(*state.result);
    state.result.reset();
    return out;
  }
  Table all(state.schema);
  produce([&](Table& block) {
    all.append_rows(block, 0, block.num_rows());
    return true;
  });
  return all;
}

std::uint64_t ExternalSort::bytes_spilled() const noexcept { return state_->spilled; }
std::uint64_t ExternalSort::bytes_read_back() const noexcept { return state_->read_back; }

}  // namespace rankflow::ops
