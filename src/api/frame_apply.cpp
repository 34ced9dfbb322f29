// Frame::map_partitions and Frame::groupby_apply: a user's function over this rank's rows, or
// over each group after ops::group_rows has made every group whole on one rank. The function
// runs inside comm::run_phase, so its exception on one rank is every rank's error; then the
// ranks agree on the result's columns (every rank's outputs must have the same). Like every
// Frame operation they run through the pipeline runner (exec/pipeline.hpp), as one source
// stage that computes its table (it has collectives and phases of its own) and a collect.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rankflow/api/frame.hpp"
#include "rankflow/comm/phase.hpp"
#include "rankflow/core/error.hpp"
#include "rankflow/exec/pipeline.hpp"
#include "rankflow/exec/stages.hpp"
#include "rankflow/ops/group_rows.hpp"

namespace rankflow::api {
namespace {

constexpr const char* kApplyPhase = "applying the function";

// fn(input), with its exception turned into a rankflow::Error whose message says where.
table::Table call(const Frame::TableFunction& fn, const table::Table& input,
                  const std::string& where) {
  try {
    return fn(input);
  } catch (const Error& error) {
    throw Error(error.kind(), where + ": " + error.what());
  } catch (const std::exception& error) {
    throw DataError("{}: {}", where, error.what());
  } catch (...) {
    throw DataError("{}: an exception that is not a std::exception", where);
  }
}

// A schema as text, and back: "S" then per column <name length>:<name><type name>;
std::string encode_schema(const table::Schema& schema) {
  std::string text = "S";
  for (const table::Field& field : schema.fields())
    text += std::to_string(field.name.size()) + ":" + field.name +
            std::string(table::column_type_name(field.type)) + ";";
  return text;
}

table::Schema decode_schema(const std::string& text) {
  table::Schema schema;
  std::size_t pos = 1;
  while (pos < text.size()) {
    const std::size_t colon = text.find(':', pos);
    const std::size_t length = std::stoul(text.substr(pos, colon - pos));
    std::string name = text.substr(colon + 1, length);
    const std::size_t type_at = colon + 1 + length;
    const std::size_t end = text.find(';', type_at);
    table::ColumnType type{};
    if (end == std::string::npos ||
        !table::column_type_from_name(std::string_view(text).substr(type_at, end - type_at), &type))
      throw DataError("internal: a result schema arrived damaged");
    schema.add({std::move(name), type});
    pos = end + 1;
  }
  return schema;
}

// Collective: the columns of the result, those of the lowest rank that has a result (`mine`
// is nullopt on a rank that has none); nullopt when no rank has one. Every rank's result must
// have these columns, or every rank throws the same error.
std::optional<table::Schema> agree_schema(const comm::Communicator& comm,
                                          const std::optional<table::Schema>& mine,
                                          const std::string& what) {
  const std::vector<std::string> all = comm.allgather_strings(mine ? encode_schema(*mine) : "");
  return comm::run_phase(comm, "checking the function's columns", [&] {
    std::optional<table::Schema> first;
    std::size_t first_rank = 0;
    for (std::size_t rank = 0; rank < all.size(); ++rank) {
      if (all[rank].empty()) continue;
      if (!first) {
        first = decode_schema(all[rank]);
        first_rank = rank;
      } else if (all[rank] != all[first_rank]) {
        throw DataError("{}: the function returned the columns [{}] on rank {} but [{}] on rank {}",
                        what, first->describe(), first_rank, decode_schema(all[rank]).describe(),
                        rank);
      }
    }
    return first;
  });
}

// fn of every group, in order, outputs appended; nullopt when this rank has no group.
std::optional<table::Table> apply_groups(const ops::GroupedRows& grouped,
                                         const Frame::TableFunction& fn) {
  std::optional<table::Table> result;
  std::size_t first_group = 0;
  for (std::size_t group = 0; group < grouped.groups(); ++group) {
    table::Table output =
        call(fn, grouped.group(group),
             "groupby_apply: the function threw on the group " + grouped.describe_group(group));
    if (!result) {
      result.emplace(std::move(output));
      first_group = group;
    } else if (!(output.schema() == result->schema())) {
      throw DataError(
          "groupby_apply: the function returned the columns [{}] for the group {} but [{}] for "
          "the group {}",
          result->schema().describe(), grouped.describe_group(first_group),
          output.schema().describe(), grouped.describe_group(group));
    } else {
      result->append_rows(output, 0, output.num_rows());
    }
  }
  return result;
}

// A source whose one block `body` computes from this rank's rows (`input`, counted as the
// stage's rows in). The body is collective and agrees on its own errors.
class ComputedInput final : public exec::Stage {
 public:
  ComputedInput(std::string name, const table::Table& input, std::function<table::Table()> body,
                std::string explain)
      : Stage(std::move(name), kApplyPhase),
        input_(&input),
        body_(std::move(body)),
        explain_(std::move(explain)) {}
  bool is_source() const override { return true; }
  bool agrees_itself() const override { return true; }
  void produce(const exec::Emit& emit) override {
    stats().rows_in = input_->num_rows();
    table::Table out = body_();
    exec::Block block;
    block.table = &out;
    block.owned = &out;
    block.movable = true;
    emit(block);
  }
  std::string explain() const override { return explain_; }

 private:
  const table::Table* input_;
  std::function<table::Table()> body_;
  std::string explain_;
};

table::Table run_computed(const comm::Communicator& comm, const std::string& name,
                          const table::Table& input, std::function<table::Table()> body,
                          const std::string& explain) {
  exec::Pipeline pipeline(comm);
  pipeline.add(std::make_unique<ComputedInput>(name, input, std::move(body), explain));
  pipeline.add(std::make_unique<exec::Collect>(input.schema(), name + ": collect"));
  return std::move(*pipeline.run());
}

table::Table map_partition(const comm::Communicator& comm, const table::Table& local,
                           const Frame::TableFunction& fn) {
  table::Table out = comm::run_phase(
      comm, kApplyPhase, [&] { return call(fn, local, "map_partitions: the function threw"); });
  agree_schema(comm, out.schema(), "map_partitions");
  return out;
}

table::Table apply_per_group(const comm::Communicator& comm, const table::Table& local,
                             const ops::GroupRowsOptions& options, const Frame::TableFunction& fn) {
  std::optional<table::Table> out;
  {
    const ops::GroupedRows grouped = ops::group_rows(comm, local, options);
    out = comm::run_phase(comm, kApplyPhase, [&] { return apply_groups(grouped, fn); });
  }
  std::optional<table::Schema> schema =
      agree_schema(comm, out ? std::optional(out->schema()) : std::nullopt, "groupby_apply");
  if (!schema) {
    // No group on any rank: the function of an empty table names the result's columns.
    const table::Table probe = comm::run_phase(comm, kApplyPhase, [&] {
      return call(fn, table::Table(local.schema()),
                  "groupby_apply: the function threw on an empty table (there is no group)");
    });
    schema = agree_schema(comm, probe.schema(), "groupby_apply");
  }
  return out ? std::move(*out) : table::Table(*schema);
}

}  // namespace

Frame Frame::map_partitions(const TableFunction& fn) const {
  return with(run_computed(
      *comm_, "map_partitions", local_, [&] { return map_partition(*comm_, local_, fn); },
      "map_partitions: a function of each rank's rows"));
}

Frame Frame::groupby_apply(const std::vector<std::string>& keys, const TableFunction& fn) const {
  ops::GroupRowsOptions options;
  options.keys = keys;
  options.what = "groupby_apply";
  options.memory = memory_;
  std::string key_list;
  for (const std::string& key : keys) key_list += (key_list.empty() ? "" : ", ") + key;
  return with(run_computed(
      *comm_, "groupby_apply", local_, [&] { return apply_per_group(*comm_, local_, options, fn); },
      "groupby_apply: rows shuffled by " + key_list + ", then a function of each group"));
}

}  // namespace rankflow::api
