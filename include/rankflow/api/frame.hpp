// Frame: a distributed table for users who write their own job in C++, with the operations of
// a job config as methods (pandas / Dask DataFrame style):
//
//   comm::MpiEnvironment mpi(&argc, &argv);
//   comm::Communicator comm(MPI_COMM_WORLD);
//   api::Frame sales = api::Frame::read_csv(comm, "data/sales.csv");
//   api::Frame dim = api::Frame::read_csv(comm, "data/dim.csv");
//   api::Frame result = sales.join(dim, api::on({"key"}))
//                           .derive("vw", "value * weight")
//                           .groupby({"region"}, "sum(vw) as total")
//                           .sort("region");
//   result.write_csv("out/by_region.csv");
//
// (examples/sales_by_region.cpp is this program, built and tested.)
//
// A Frame holds this rank's part of the table, in order: every row of rank r comes before the
// rows of rank r + 1 (a read gives each rank a consecutive part of the input; sort and limit
// keep that meaning). Frames are values: every operation returns a new Frame and leaves its
// operand as it was.
//
// Collective contract: every method that takes or returns a Frame, and every read and write,
// is collective over the Frame's communicator: every rank calls it, in the same order, with the
// same arguments, also ranks that hold no rows. Each one agrees on errors (comm::run_phase): a
// bad expression, an unknown column or one rank's bad row throws the same rankflow::Error on
// every rank (ErrorKind::kConfig for mistakes in the arguments, kRuntime for data and I/O), so
// a caller may catch it on every rank and go on. Semantics are those of the job config's
// sections (docs/pipeline.md, docs/groupby-and-sort.md, docs/joins.md).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/job/table_files.hpp"
#include "rankflow/ops/join.hpp"
#include "rankflow/ops/memory_budget.hpp"
#include "rankflow/table/table.hpp"

namespace rankflow::api {

// Join options for `on` keys / different key names, as shorthands.
ops::JoinOptions on(std::vector<std::string> keys, ops::JoinHow how = ops::JoinHow::kInner);
ops::JoinOptions on(std::vector<std::string> left_keys, std::vector<std::string> right_keys,
                    ops::JoinHow how = ops::JoinHow::kInner);

class Frame {
 public:
  // This rank's part of a table (collective only in that every rank must make its Frame with
  // the same schema; checked by the first operation).
  Frame(const comm::Communicator& comm, table::Table local);

  // Reads a table: every rank its own part (a CSV byte range, ...), in order. `settings` are
  // the keys of a job's [input] section (docs/csv.md: delimiter, schema, null_values, ...);
  // the format follows the path's extension or the "format" setting. read_csv sets
  // format = csv. Collective; the whole part is held in memory.
  static Frame read(const comm::Communicator& comm, const std::string& path,
                    const job::Settings& settings = {});
  static Frame read_csv(const comm::Communicator& comm, const std::string& path,
                        job::Settings settings = {});
  // Writes the table, ranks' parts in rank order, atomically (under a temporary name, renamed
  // when every rank is done). `settings`: the keys of a job's [output] section (delimiter,
  // quote, header); write_csv sets format = csv. Collective.
  void write(const std::string& path, const job::Settings& settings = {}) const;
  void write_csv(const std::string& path, job::Settings settings = {}) const;

  const comm::Communicator& comm() const noexcept { return *comm_; }
  const table::Schema& schema() const noexcept { return local_.schema(); }
  // This rank's rows.
  const table::Table& local() const noexcept { return local_; }
  // Collective: the rows of all ranks.
  std::uint64_t num_rows() const;

  // [filter] where: the rows where the predicate is true (null counts as false).
  Frame filter(const std::string& where) const;
  // [derive] name = expression: a new column after the others.
  Frame derive(const std::string& name, const std::string& expression) const;
  // [join]: this Frame is the left side.
  Frame join(const Frame& right, const ops::JoinOptions& options) const;
  // [groupby]: `aggregates` as in the config ("sum(x), count(), quantile(v, 0.9) as p90").
  Frame groupby(const std::vector<std::string>& keys, const std::string& aggregates) const;
  // [sort] by = "value desc, key": globally ordered across ranks, stable.
  Frame sort(const std::string& by) const;
  // [distinct] columns: the first row of each distinct key (all columns when empty).
  Frame distinct(const std::vector<std::string>& columns = {}) const;
  // [top] by/k/per: the first k rows of the order `by` (per group of `per`).
  Frame top(const std::string& by, std::uint64_t k, const std::vector<std::string>& per = {}) const;
  // [limit] n: the first n rows in the current order.
  Frame limit(std::uint64_t n) const;

  // A function of a table, returning a table: map_partitions and groupby_apply call it.
  using TableFunction = std::function<table::Table(const table::Table&)>;
  // fn(this rank's rows) on every rank (also ranks with no rows); the result is each rank's
  // output, in rank order (Dask's map_partitions). Every rank's output must have the same
  // columns. An exception thrown by fn on any rank is thrown, agreed, on every rank.
  Frame map_partitions(const TableFunction& fn) const;
  // Rows shuffled by `keys` so that each group is whole on one rank (ops/group_rows.hpp: the
  // key owners of group-by and join), then fn(the group's rows, keys included, in input order)
  // for each group; the result is the concatenation of fn's outputs: on each rank its groups
  // in key order (not globally ordered: sort afterwards). Null keys form groups of their own,
  // as in [groupby] (filter them out first to drop them). Outputs must have the same columns;
  // when there is no group at all, fn is called once on an empty table (the input's columns)
  // to learn them. Exceptions are agreed as for map_partitions. fn must not call collectives.
  Frame groupby_apply(const std::vector<std::string>& keys, const TableFunction& fn) const;

  // Every rank's rows, in order, on `root` (an empty table elsewhere): for small results.
  table::Table collect(int root = 0) const;

  // The memory budget that join and sort check (default: none).
  Frame& set_memory_budget(ops::MemoryBudget budget) {
    memory_ = std::move(budget);
    return *this;
  }

 private:
  Frame with(table::Table local) const;

  const comm::Communicator* comm_;
  table::Table local_;
  ops::MemoryBudget memory_;
};

}  // namespace rankflow::api
