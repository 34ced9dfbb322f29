#include "rankflow/ops/stages.hpp"

#include "rankflow/ops/filter.hpp"

namespace rankflow::ops {

exec::Flow GroupByStage::consume(exec::Block& block) {
  if (block.row_major != nullptr)
    group_by_->consume(*block.table, block.row_major);
  else
    group_by_->consume(*block.table);
  return exec::Flow::kKeep;
}

std::optional<table::Table> GroupByStage::finish() {
  if (streamed_) {
    group_by_->exchange();
    stats().bytes_spilled = group_by_->stats().bytes_spilled;
    stats().bytes_read_back = group_by_->stats().bytes_read_back;
    return std::nullopt;
  }
  std::optional<table::Table> rows = group_by_->finish();
  stats().bytes_spilled = group_by_->stats().bytes_spilled;
  stats().bytes_read_back = group_by_->stats().bytes_read_back;
  return rows;
}

void GroupByOutputStage::produce(const exec::Emit& emit) {
  const std::uint64_t before = group_by_->stats().bytes_read_back;
  group_by_->produce([&](table::Table& groups) {
    exec::Block block;
    block.table = &groups;
    block.owned = &groups;
    block.movable = true;  // a partition's groups, dropped after the emit
    return emit(block);
  });
  stats().bytes_read_back = group_by_->stats().bytes_read_back - before;  // the partitions
}

std::optional<table::Table> DistinctStage::finish() {
  std::optional<table::Table> rows;
  if (streamed_)
    distinct_->exchange();
  else
    rows = distinct_->finish();
  stats().bytes_spilled = distinct_->bytes_spilled();
  stats().bytes_read_back = distinct_->bytes_read_back();
  return rows;
}

void DistinctOutputStage::produce(const exec::Emit& emit) {
  const std::uint64_t before = distinct_->bytes_read_back();
  distinct_->produce([&](table::Table& rows) {
    exec::Block block;
    block.table = &rows;
    block.owned = &rows;
    block.movable = true;  // a partition's rows, dropped after the emit
    return emit(block);
  });
  stats().bytes_read_back = distinct_->bytes_read_back() - before;
}

exec::Flow LimitStage::consume(exec::Block& block) {
  if (!limit_->full()) limit_->consume(*block.table);
  return limit_->full() ? exec::Flow::kStop : exec::Flow::kKeep;
}

SortStage::SortStage(const comm::Communicator& comm, const table::Schema& schema,
                     std::vector<SortKey> keys, SortOptions options, std::string phase,
                     std::string explain)
    : Stage("sort", std::move(phase)),
      sorter_(std::make_shared<ExternalSort>(comm, schema, std::move(keys), std::move(options))),
      explain_(std::move(explain)) {}

exec::Flow SortStage::consume(exec::Block& block) {
  if (block.movable)
    sorter_->consume(std::move(*block.owned));  // the step before's whole result: no copy
  else
    sorter_->consume(*block.table);
  return exec::Flow::kKeep;
}

std::optional<table::Table> SortStage::finish() {
  sorter_->finish();
  stats().bytes_spilled = sorter_->bytes_spilled();
  if (streamed_) return std::nullopt;
  std::optional<table::Table> rows = sorter_->collect();
  stats().bytes_spilled = sorter_->bytes_spilled();
  stats().bytes_read_back = sorter_->bytes_read_back();
  return rows;
}

void SortOutputStage::produce(const exec::Emit& emit) {
  const std::uint64_t before = sorter_->bytes_read_back();
  sorter_->produce([&](table::Table& rows) {
    exec::Block block;
    block.table = &rows;
    block.owned = &rows;  // refilled by the merge
    return emit(block);
  });
  stats().bytes_read_back = sorter_->bytes_read_back() - before;
}

void JoinBuildStage::produce(const exec::Emit& emit) {
  (void)emit;
  join_->build(next_);
  stats().rows_in = join_->stats().build_rows;
  stats().bytes_spilled = join_->stats().build_bytes_spilled;
  stats().bytes_read_back = join_->stats().build_bytes_read_back;
}

void JoinProbeStage::produce(const exec::Emit& emit) {
  join_->probe(next_, [&](table::Table& joined) {
    exec::Block block;
    block.table = &joined;
    block.owned = &joined;  // the join refills it
    emit(block);
  });
  const JoinStats& join_stats = join_->stats();
  stats().rows_in = join_stats.probe_rows;
  stats().bytes_spilled = join_stats.bytes_spilled - join_stats.build_bytes_spilled;
  stats().bytes_read_back = join_stats.bytes_read_back - join_stats.build_bytes_read_back;
}

}  // namespace rankflow::ops
