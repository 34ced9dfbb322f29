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

exec::Flow LimitStage::consume(exec::Block& block) {
  if (!limit_->full()) limit_->consume(*block.table);
  return limit_->full() ? exec::Flow::kStop : exec::Flow::kKeep;
}

SortStage::SortStage(const comm::Communicator& comm, const table::Schema& schema,
                     std::vector<SortKey> keys, SortOptions options, std::string phase,
                     std::string explain)
    : Stage("sort", std::move(phase)), comm_(&comm), rows_(schema), keys_(std::move(keys)),
      options_(std::move(options)), explain_(std::move(explain)) {}

exec::Flow SortStage::consume(exec::Block& block) {
  if (rows_.num_rows() == 0 && block.movable)
    rows_ = std::move(*block.owned);  // the step before's whole result: no copy
  else
    append_rows(*block.table, nullptr, rows_);
  return exec::Flow::kKeep;
}

std::optional<table::Table> SortStage::finish() {
  return sort(*comm_, std::move(rows_), keys_, options_);
}

void JoinBuildStage::produce(const exec::Emit& emit) {
  (void)emit;
  join_->build(next_);
  stats().rows_in = join_->stats().build_rows;
}

void JoinProbeStage::produce(const exec::Emit& emit) {
  join_->probe(next_, [&](table::Table& joined) {
    exec::Block block;
    block.table = &joined;
    block.owned = &joined;  // the join refills it
    emit(block);
  });
  stats().rows_in = join_->stats().probe_rows;
}

}  // namespace rankflow::ops
