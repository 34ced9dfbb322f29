#include "rankflow/exec/stages.hpp"

#include <fmt/format.h>

namespace rankflow::exec {

void TableInput::produce(const Emit& emit) {
  Block block;
  block.table = table_;  // not owned: a stage that would take its columns copies them
  emit(block);
}

std::string TableInput::explain() const {
  return fmt::format("{}: a table of {} columns held by each rank", name(),
                     table_->schema().size());
}

Flow Collect::consume(Block& block) {
  if (!seen_ && block.movable) {
    rows_ = std::move(*block.owned);  // the step before's whole table: no copy
  } else {
    if (!seen_) rows_ = table::Table(block.table->schema());
    rows_.append_rows(*block.table, 0, block.table->num_rows());
  }
  seen_ = true;
  return Flow::kKeep;
}

Flow MapStage::consume(Block& block) {
  out_ = function_(*block.table);
  block = Block{};
  block.table = &out_;
  block.owned = &out_;
  block.movable = true;  // the stage makes a new table per block
  return Flow::kNext;
}

void TaskStage::produce(const Emit& emit) {
  (void)emit;
  body_();
  if (account_) account_(stats());
}

}  // namespace rankflow::exec
