// The table operators as pipeline stages (exec/stage.hpp), so that table jobs and api::Frame
// run them through the one runner. Each adapter holds its operator by reference: whoever binds
// the job owns the operators; the stage only drives them.
//
//   group-by, distinct, top, limit, sort: breakers (consume each block locally, then a
//   collective finish gives this rank's part of the result);
//   join build, join probe: sources that agree on their own errors (the probe streams the
//   other side's blocks and emits the joined ones).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "rankflow/exec/stage.hpp"
#include "rankflow/ops/distinct.hpp"
#include "rankflow/ops/external_sort.hpp"
#include "rankflow/ops/groupby.hpp"
#include "rankflow/ops/join.hpp"
#include "rankflow/ops/limit.hpp"
#include "rankflow/ops/sort.hpp"
#include "rankflow/ops/top_k.hpp"

namespace rankflow::ops {

// The group-by: consume folds blocks into the local table, finish() exchanges the partial
// states. Alone (api::Frame), finish() gives this rank's groups as one table; `streamed`, with a
// GroupByOutputStage after it, finish() gives nothing and that stage emits the groups in blocks
// (one per merged partition when the states went through scratch).
class GroupByStage final : public exec::Stage {
 public:
  GroupByStage(GroupBy& group_by, std::string explain, bool streamed = false)
      : Stage("group-by", "reading the input"), group_by_(&group_by), streamed_(streamed),
        explain_(std::move(explain)) {}
  exec::Flow consume(exec::Block& block) override;
  bool breaks() const override { return true; }
  std::optional<table::Table> finish() override;
  std::string explain() const override { return explain_; }

 private:
  GroupBy* group_by_;
  bool streamed_ = false;
  std::string explain_;
};

// The groups of a streamed GroupByStage, block by block (a source).
class GroupByOutputStage final : public exec::Stage {
 public:
  // `phase`: the phase of the stage after it, which runs in this pass.
  GroupByOutputStage(GroupBy& group_by, std::string phase, std::string explain)
      : Stage("group-by: output", std::move(phase)), group_by_(&group_by),
        explain_(std::move(explain)) {}
  bool is_source() const override { return true; }
  void produce(const exec::Emit& emit) override;
  std::string explain() const override { return explain_; }

 private:
  GroupBy* group_by_;
  std::string explain_;
};

// Top (and others): the operator's consume and finish (`phase` names the phase where
// their blocks come as one table from the step before).
template <typename Operator>
class RowsStage final : public exec::Stage {
 public:
  RowsStage(Operator& op, std::string name, std::string phase, std::string explain)
      : Stage(std::move(name), std::move(phase)), op_(&op), explain_(std::move(explain)) {}
  exec::Flow consume(exec::Block& block) override {
    op_->consume(*block.table);
    return exec::Flow::kKeep;
  }
  bool breaks() const override { return true; }
  std::optional<table::Table> finish() override { return op_->finish(); }
  std::string explain() const override { return explain_; }

 private:
  Operator* op_;
  std::string explain_;
};

// Distinct: alone (api::Frame), finish() gives this rank's rows as one table; `streamed`, with
// a DistinctOutputStage after it, finish() exchanges and that stage emits the rows in blocks
// (one per partition when they went through scratch).
class DistinctStage final : public exec::Stage {
 public:
  DistinctStage(Distinct& distinct, std::string phase, std::string explain, bool streamed = false)
      : Stage("distinct", std::move(phase)), distinct_(&distinct), streamed_(streamed),
        explain_(std::move(explain)) {}
  exec::Flow consume(exec::Block& block) override {
    distinct_->consume(*block.table);
    return exec::Flow::kKeep;
  }
  bool breaks() const override { return true; }
  std::optional<table::Table> finish() override;
  std::string explain() const override { return explain_; }

 private:
  Distinct* distinct_;
  bool streamed_ = false;
  std::string explain_;
};

class DistinctOutputStage final : public exec::Stage {
 public:
  DistinctOutputStage(Distinct& distinct, std::string phase, std::string explain)
      : Stage("distinct: output", std::move(phase)), distinct_(&distinct),
        explain_(std::move(explain)) {}
  bool is_source() const override { return true; }
  void produce(const exec::Emit& emit) override;
  std::string explain() const override { return explain_; }

 private:
  Distinct* distinct_;
  std::string explain_;
};
using TopStage = RowsStage<TopK>;

// A full limit asks its source to stop: a rank reads no further than its first n rows.
class LimitStage final : public exec::Stage {
 public:
  LimitStage(Limit& limit, std::string phase, std::string explain)
      : Stage("limit", std::move(phase)), limit_(&limit), explain_(std::move(explain)) {}
  exec::Flow consume(exec::Block& block) override;
  bool breaks() const override { return true; }
  std::optional<table::Table> finish() override { return limit_->finish(); }
  std::string explain() const override { return explain_; }

 private:
  Limit* limit_;
  std::string explain_;
};

// The sort (ops/external_sort.hpp): consume buffers this rank's rows, spilling sorted runs to
// scratch past the budget; finish() sorts across ranks. Alone (api::Frame), finish() gives this
// rank's sorted rows as one table; with a SortOutputStage after it (`streamed`), finish() gives
// nothing and that stage emits the rows in blocks, merging the spilled runs as it goes.
class SortStage final : public exec::Stage {
 public:
  SortStage(const comm::Communicator& comm, const table::Schema& schema,
            std::vector<SortKey> keys, SortOptions options, std::string phase,
            std::string explain);
  SortStage(std::shared_ptr<ExternalSort> sorter, bool streamed, std::string phase,
            std::string explain)
      : Stage("sort", std::move(phase)), sorter_(std::move(sorter)), streamed_(streamed),
        explain_(std::move(explain)) {}
  exec::Flow consume(exec::Block& block) override;
  bool breaks() const override { return true; }
  std::optional<table::Table> finish() override;
  std::string explain() const override { return explain_; }

 private:
  std::shared_ptr<ExternalSort> sorter_;
  bool streamed_ = false;
  std::string explain_;
};

// The sorted rows of a streamed SortStage, block by block (a source).
class SortOutputStage final : public exec::Stage {
 public:
  // `phase`: the phase of the stage after it, which runs in this pass.
  SortOutputStage(std::shared_ptr<ExternalSort> sorter, std::string phase, std::string explain)
      : Stage("sort: output", std::move(phase)), sorter_(std::move(sorter)),
        explain_(std::move(explain)) {}
  bool is_source() const override { return true; }
  void produce(const exec::Emit& emit) override;
  std::string explain() const override { return explain_; }

 private:
  std::shared_ptr<ExternalSort> sorter_;
  std::string explain_;
};

// A side of the join as a source that agrees on its own errors (the join exchanges in rounds).
class JoinSideStage : public exec::Stage {
 public:
  bool is_source() const override { return true; }
  bool agrees_itself() const override { return true; }
  std::string explain() const override { return explain_; }

 protected:
  JoinSideStage(std::string name, HashJoin& join, BlockSource next, std::string explain)
      : Stage(std::move(name), "joining"), join_(&join), next_(std::move(next)),
        explain_(std::move(explain)) {}
  HashJoin* join_;
  BlockSource next_;

 private:
  std::string explain_;
};

// The join's build side: pulls every block of `next` into the join's index. Emits nothing.
class JoinBuildStage final : public JoinSideStage {
 public:
  JoinBuildStage(HashJoin& join, BlockSource next, std::string explain)
      : JoinSideStage("join: build", join, std::move(next), std::move(explain)) {}
  void produce(const exec::Emit& emit) override;
};

// The probe side: streams `next` through the join and emits every joined block.
class JoinProbeStage final : public JoinSideStage {
 public:
  JoinProbeStage(HashJoin& join, BlockSource next, std::string explain)
      : JoinSideStage("join: probe", join, std::move(next), std::move(explain)) {}
  void produce(const exec::Emit& emit) override;
};

}  // namespace rankflow::ops
