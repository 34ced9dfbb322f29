#include "rankflow/api/frame.hpp"

#include <numeric>

#include "rankflow/comm/exchange.hpp"
#include "rankflow/comm/phase.hpp"
#include "rankflow/exec/pipeline.hpp"
#include "rankflow/exec/stages.hpp"
#include "rankflow/expr/evaluator.hpp"
#include "rankflow/ops/distinct.hpp"
#include "rankflow/ops/groupby.hpp"
#include "rankflow/ops/limit.hpp"
#include "rankflow/ops/sort.hpp"
#include "rankflow/ops/stages.hpp"
#include "rankflow/ops/top_k.hpp"
#include "rankflow/table/row_codec.hpp"

namespace rankflow::api {
namespace {

// Every operation of a Frame is a pipeline (exec/pipeline.hpp): the Frame's rows as the source,
// then the operation's stages; the last one's table is the new Frame's.
table::Table run_on(const comm::Communicator& comm, const table::Table& rows,
                    std::vector<std::unique_ptr<exec::Stage>> stages) {
  exec::Pipeline pipeline(comm);
  pipeline.add(std::make_unique<exec::TableInput>(rows));
  for (auto& stage : stages) pipeline.add(std::move(stage));
  if (!pipeline.stages().back()->breaks())
    pipeline.add(std::make_unique<exec::Collect>(rows.schema()));
  std::optional<table::Table> out = pipeline.run();
  return out ? std::move(*out) : table::Table(rows.schema());
}

template <typename... Stages>
table::Table run_on(const comm::Communicator& comm, const table::Table& rows,
                    std::unique_ptr<Stages>... stages) {
  std::vector<std::unique_ptr<exec::Stage>> list;
  (list.push_back(std::move(stages)), ...);
  return run_on(comm, rows, std::move(list));
}

// A table's rows in blocks, for the join's build and probe sides.
ops::BlockSource blocks_of(const table::Table& rows, std::size_t block_rows) {
  return [&rows, block_rows, cursor = std::size_t{0}](table::Table& block) mutable {
    block = table::Table(rows.schema());
    if (cursor >= rows.num_rows()) return false;
    const std::size_t count = std::min(block_rows, rows.num_rows() - cursor);
    block.append_rows(rows, cursor, count);
    cursor += count;
    return true;
  };
}

}  // namespace

ops::JoinOptions on(std::vector<std::string> keys, ops::JoinHow how) {
  ops::JoinOptions options;
  options.on = std::move(keys);
  options.how = how;
  return options;
}

ops::JoinOptions on(std::vector<std::string> left_keys, std::vector<std::string> right_keys,
                    ops::JoinHow how) {
  ops::JoinOptions options;
  options.left_on = std::move(left_keys);
  options.right_on = std::move(right_keys);
  options.how = how;
  return options;
}

Frame::Frame(const comm::Communicator& comm, table::Table local)
    : comm_(&comm), local_(std::move(local)) {}

Frame Frame::with(table::Table local) const {
  Frame out(*comm_, std::move(local));
  out.memory_ = memory_;
  return out;
}

Frame Frame::read(const comm::Communicator& comm, const std::string& path,
                  const job::Settings& settings) {
  std::unique_ptr<io::TableSource> source = job::open_table_source(comm, path, settings);
  exec::Pipeline pipeline(comm);
  pipeline.add(job::read_stage(*source, "reading " + path));
  pipeline.add(std::make_unique<exec::Collect>(source->schema()));
  return Frame(comm, std::move(*pipeline.run()));
}

Frame Frame::read_csv(const comm::Communicator& comm, const std::string& path,
                      job::Settings settings) {
  settings.emplace_back("format", "csv");
  return read(comm, path, settings);
}

void Frame::write(const std::string& path, const job::Settings& settings) const {
  std::unique_ptr<io::TableSink> sink =
      job::open_table_sink(*comm_, path, local_.schema(), settings);
  run_on(*comm_, local_, job::write_stage(*sink, local_.schema(), "writing " + path));
}

void Frame::write_csv(const std::string& path, job::Settings settings) const {
  settings.emplace_back("format", "csv");
  write(path, settings);
}

std::uint64_t Frame::num_rows() const {
  return comm_->allreduce<std::uint64_t>(local_.num_rows(), comm::ReduceOp::kSum);
}

Frame Frame::filter(const std::string& where) const {
  auto predicate = std::make_shared<std::optional<expr::Evaluator>>();
  comm::run_phase(*comm_, "filter", [&] {
    predicate->emplace(expr::parse(where), local_.schema(), expr::Use::kPredicate);
  });
  return with(run_on(*comm_, local_,
                     std::make_unique<exec::MapStage>(
                         "filter", "filter", [predicate](const table::Table& rows) {
                           std::vector<std::uint8_t> selection;
                           (*predicate)->select(rows, selection);
                           return rows.filter(selection);
                         })));
}

Frame Frame::derive(const std::string& name, const std::string& expression) const {
  auto evaluator = std::make_shared<std::optional<expr::Evaluator>>();
  comm::run_phase(*comm_, "derive", [&] {
    if (local_.schema().find(name))
      throw ConfigError("derive: a column named '{}' exists already", name);
    evaluator->emplace(expr::parse(expression), local_.schema(), expr::Use::kColumn);
  });
  return with(run_on(*comm_, local_,
                     std::make_unique<exec::MapStage>(
                         "derive", "derive", [evaluator, name](const table::Table& rows) {
                           table::Column column((*evaluator)->column_type());
                           (*evaluator)->evaluate(rows, column);
                           table::Table out = rows;
                           out.add_column(name, std::move(column));
                           return out;
                         })));
}

Frame Frame::join(const Frame& right, const ops::JoinOptions& options) const {
  ops::JoinOptions with_budget = options;
  with_budget.memory = memory_;
  if (with_budget.build_side == ops::JoinSide::kAuto) {  // the smaller side, by total bytes
    std::uint64_t sizes[2] = {local_.memory_bytes(), right.local_.memory_bytes()};
    comm_->allreduce_inplace(sizes, 2, comm::ReduceOp::kSum);
    with_budget.build_side = sizes[0] < sizes[1] ? ops::JoinSide::kLeft : ops::JoinSide::kRight;
  }
  const bool build_left = with_budget.build_side == ops::JoinSide::kLeft;
  ops::HashJoin join = comm::run_phase(*comm_, "join: planning", [&] {
    return ops::HashJoin(*comm_, local_.schema(), right.local_.schema(), with_budget);
  });
  const std::size_t block_rows = std::max<std::size_t>(with_budget.output_block_rows, 1);
  exec::Pipeline pipeline(*comm_);
  pipeline.add(std::make_unique<ops::JoinBuildStage>(
      join, blocks_of(build_left ? local_ : right.local_, block_rows), "join: build"));
  pipeline.add(std::make_unique<ops::JoinProbeStage>(
      join, blocks_of(build_left ? right.local_ : local_, block_rows), "join: probe"));
  pipeline.add(std::make_unique<exec::Collect>(join.output_schema(), "join: collect"));
  return with(std::move(*pipeline.run()));
}

Frame Frame::groupby(const std::vector<std::string>& keys, const std::string& aggregates) const {
  ops::GroupByOptions options;
  options.keys = keys;
  ops::GroupBy group_by = comm::run_phase(*comm_, "group-by: planning", [&] {
    options.aggregates = ops::parse_aggregates(aggregates);
    return ops::GroupBy(*comm_, local_.schema(), options);
  });
  return with(run_on(*comm_, local_, std::make_unique<ops::GroupByStage>(group_by, "group-by")));
}

Frame Frame::sort(const std::string& by) const {
  ops::SortOptions options;
  options.memory = memory_;
  const std::vector<ops::SortKey> keys =
      comm::run_phase(*comm_, "sort: planning", [&] { return ops::parse_sort_keys(by); });
  return with(run_on(*comm_, local_,
                     std::make_unique<ops::SortStage>(*comm_, local_.schema(), keys, options,
                                                      "sort: reading", "sort")));
}

Frame Frame::distinct(const std::vector<std::string>& columns) const {
  ops::DistinctOptions options;
  options.columns = columns;
  options.memory = memory_;
  ops::Distinct op = comm::run_phase(*comm_, "distinct: planning",
                                     [&] { return ops::Distinct(*comm_, local_.schema(), options); });
  return with(run_on(*comm_, local_,
                     std::make_unique<ops::DistinctStage>(op, "distinct: reading", "distinct")));
}

Frame Frame::top(const std::string& by, std::uint64_t k,
                 const std::vector<std::string>& per) const {
  ops::TopKOptions options;
  options.k = k;
  options.per = per;
  ops::TopK op = comm::run_phase(*comm_, "top: planning", [&] {
    options.by = ops::parse_sort_keys(by);
    return ops::TopK(*comm_, local_.schema(), options);
  });
  return with(
      run_on(*comm_, local_, std::make_unique<ops::TopStage>(op, "top", "top: reading", "top")));
}

Frame Frame::limit(std::uint64_t n) const {
  ops::Limit op(*comm_, local_.schema(), n);
  return with(run_on(*comm_, local_,
                     std::make_unique<ops::LimitStage>(op, "limit: reading", "limit")));
}

table::Table Frame::collect(int root) const {
  std::vector<std::byte> send;
  std::vector<std::uint64_t> counts(static_cast<std::size_t>(comm_->size()), 0);
  comm::run_phase(*comm_, "collecting", [&] {
    if (root < 0 || root >= comm_->size())
      throw ConfigError("collect: root {} is not a rank (0 to {})", root, comm_->size() - 1);
    std::vector<std::uint32_t> rows(local_.num_rows());
    std::iota(rows.begin(), rows.end(), 0u);
    send.resize(table::encoded_size(local_, rows.data(), rows.size()));
    table::encode_rows(local_, rows.data(), rows.size(), send.data());
    counts[static_cast<std::size_t>(root)] = send.size();
  });
  comm::ExchangeBuffer recv;
  comm::exchange_bytes(*comm_, send.data(), counts, recv);
  return comm::run_phase(*comm_, "collecting", [&] {
    table::Table all(local_.schema());
    table::decode_all(recv.data.data(), recv.data.data() + recv.data.size(), all);
    return all;
  });
}

}  // namespace rankflow::api
