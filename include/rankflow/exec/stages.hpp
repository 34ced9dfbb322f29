// Stages that need nothing but tables and functions: a table as a source, a breaker that
// gathers the blocks it is given, a function of each block, and a task (a collective step of
// its own, such as an array job's pass over an HDF5 dataset in step).
#pragma once

#include "rankflow/exec/stage.hpp"

namespace rankflow::exec {

// A source: this rank's part of a table as one block (api::Frame's operations start here).
class TableInput final : public Stage {
 public:
  TableInput(const table::Table& table, std::string name = "input")
      : Stage(std::move(name), "reading the input"), table_(&table) {}
  bool is_source() const override { return true; }
  void produce(const Emit& emit) override;
  std::string explain() const override;

 private:
  const table::Table* table_;
};

// A breaker: appends every block it is given; its result is the rows, in order, with the
// blocks' schema (`schema` when no block came).
class Collect final : public Stage {
 public:
  explicit Collect(const table::Schema& schema, std::string name = "collect")
      : Stage(std::move(name), "reading the input"), rows_(schema) {}
  Flow consume(Block& block) override;
  bool breaks() const override { return true; }
  std::optional<table::Table> finish() override { return std::move(rows_); }

 private:
  table::Table rows_;
  bool seen_ = false;
};

// A local function of each block (a filter, a derived column, a user's function of a rank's
// rows): its result goes on to the next stage.
class MapStage final : public Stage {
 public:
  using Function = std::function<table::Table(const table::Table&)>;
  MapStage(std::string name, std::string phase, Function function)
      : Stage(std::move(name), std::move(phase)), function_(std::move(function)) {}
  Flow consume(Block& block) override;

 private:
  Function function_;
  table::Table out_;
};

// A source that emits nothing: `body` does the stage's whole work (an array job's reduction,
// which reads its dataset in collective steps and agrees on errors with comm::FailureLatch).
// `account`, if given, adds what the body read to the stage's statistics afterwards.
class TaskStage final : public Stage {
 public:
  TaskStage(std::string name, std::string phase, std::function<void()> body,
            std::string explain, std::function<void(StageStats&)> account = {})
      : Stage(std::move(name), std::move(phase)), body_(std::move(body)),
        account_(std::move(account)), explain_(std::move(explain)) {}
  bool is_source() const override { return true; }
  bool agrees_itself() const override { return true; }
  void produce(const Emit& emit) override;
  std::string explain() const override { return explain_; }

 private:
  std::function<void()> body_;
  std::function<void(StageStats&)> account_;
  std::string explain_;
};

}  // namespace rankflow::exec
