#include "rankflow/api/frame.hpp"

#include <numeric>

#include "rankflow/comm/exchange.hpp"
#include "rankflow/comm/phase.hpp"
#include "rankflow/expr/evaluator.hpp"
#include "rankflow/ops/distinct.hpp"
#include "rankflow/ops/groupby.hpp"
#include "rankflow/ops/limit.hpp"
#include "rankflow/ops/sort.hpp"
#include "rankflow/ops/top_k.hpp"
#include "rankflow/table/row_codec.hpp"

namespace rankflow::api {

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
  table::Table local(source->schema());
  comm::run_phase(comm, "reading " + path, [&] {
    table::Table block;
    while (source->next(block)) local.append_rows(block, 0, block.num_rows());
  });
  return Frame(comm, std::move(local));
}

Frame Frame::read_csv(const comm::Communicator& comm, const std::string& path,
                      job::Settings settings) {
  settings.emplace_back("format", "csv");
  return read(comm, path, settings);
}

void Frame::write(const std::string& path, const job::Settings& settings) const {
  std::unique_ptr<io::TableSink> sink =
      job::open_table_sink(*comm_, path, local_.schema(), settings);
  comm::run_phase(*comm_, "writing " + path, [&] { sink->write(local_); });
  sink->finish();
}

void Frame::write_csv(const std::string& path, job::Settings settings) const {
  settings.emplace_back("format", "csv");
  write(path, settings);
}

std::uint64_t Frame::num_rows() const {
  return comm_->allreduce<std::uint64_t>(local_.num_rows(), comm::ReduceOp::kSum);
}

Frame Frame::filter(const std::string& where) const {
  return with(comm::run_phase(*comm_, "filter", [&] {
    expr::Evaluator predicate(expr::parse(where), local_.schema(), expr::Use::kPredicate);
    std::vector<std::uint8_t> selection;
    predicate.select(local_, selection);
    return local_.filter(selection);
  }));
}

Frame Frame::derive(const std::string& name, const std::string& expression) const {
  return with(comm::run_phase(*comm_, "derive", [&] {
    if (local_.schema().find(name))
      throw ConfigError("derive: a column named '{}' exists already", name);
    expr::Evaluator evaluator(expr::parse(expression), local_.schema(), expr::Use::kColumn);
    table::Column column(evaluator.column_type());
    evaluator.evaluate(local_, column);
    table::Table out = local_;
    out.add_column(name, std::move(column));
    return out;
  }));
}

Frame Frame::join(const Frame& right, const ops::JoinOptions& options) const {
  ops::JoinOptions with_budget = options;
  with_budget.memory = memory_;
  return with(ops::join(*comm_, local_, right.local_, with_budget));
}

Frame Frame::groupby(const std::vector<std::string>& keys, const std::string& aggregates) const {
  ops::GroupByOptions options;
  options.keys = keys;
  ops::GroupBy group_by = comm::run_phase(*comm_, "group-by: planning", [&] {
    options.aggregates = ops::parse_aggregates(aggregates);
    return ops::GroupBy(*comm_, local_.schema(), options);
  });
  comm::run_phase(*comm_, "group-by: reading", [&] { group_by.consume(local_); });
  return with(group_by.finish());
}

Frame Frame::sort(const std::string& by) const {
  ops::SortOptions options;
  options.memory = memory_;
  const std::vector<ops::SortKey> keys =
      comm::run_phase(*comm_, "sort: planning", [&] { return ops::parse_sort_keys(by); });
  return with(ops::sort(*comm_, local_, keys, options));
}

Frame Frame::distinct(const std::vector<std::string>& columns) const {
  ops::DistinctOptions options;
  options.columns = columns;
  options.memory = memory_;
  return with(ops::distinct(*comm_, local_, options));
}

Frame Frame::top(const std::string& by, std::uint64_t k,
                 const std::vector<std::string>& per) const {
  ops::TopKOptions options;
  options.k = k;
  options.per = per;
  options.by = comm::run_phase(*comm_, "top: planning", [&] { return ops::parse_sort_keys(by); });
  return with(ops::top_k(*comm_, local_, options));
}

Frame Frame::limit(std::uint64_t n) const { return with(ops::limit(*comm_, local_, n)); }

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
