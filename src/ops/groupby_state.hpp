// GroupBy::State: the group-by's local table, its aggregators and its spill, shared by
// groupby.cpp (plan, consume, exchange, merge) and groupby_spill.cpp (the path through
// scratch past the budget). Private to ops.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aggregators.hpp"
#include "group_table.hpp"
#include "key_encoder.hpp"
#include "partition_spill.hpp"
#include "rankflow/ops/groupby.hpp"

namespace rankflow::ops {

inline constexpr std::size_t kNoColumn = static_cast<std::size_t>(-1);

struct GroupBy::State {
  State(const comm::Communicator& communicator, const table::Schema& input_schema,
        GroupByOptions group_options)
      : comm(&communicator),
        options(std::move(group_options)),
        input(input_schema),
        groups(true, 0) {}

  void validate_and_plan();
  void claim_name(const std::string& name, const std::string& what);
  void count_fused_uses(std::vector<int>& uses, std::vector<bool>& extremes,
                        std::vector<std::string>& sum_name) const;
  void plan_aggregates();
  std::size_t row_major_part(std::size_t column) const;
  std::size_t row_major_state();
  bool row_major_applies(const std::vector<RowMajorColumn>& columns, std::size_t stride) const;
  void find_groups(const table::Table& block);
  void find_groups_direct(const table::Column& key, std::size_t rows);
  void find_groups_strings(const table::Column& key, std::size_t rows);
  void serialize(std::vector<std::byte>& send, std::vector<std::uint64_t>& counts);
  void merge_begin();
  void merge_records(const std::byte* in, const std::byte* end);
  void merge_end();
  std::size_t used_bytes() const;
  void spill_generation();
  bool exchange_through_scratch(std::vector<std::byte>& send, std::vector<std::uint64_t>& counts);
  std::size_t merge_partitions(std::uint64_t owned_bytes) const;
  void log_spill();
  table::Table finalize();

  const comm::Communicator* comm;
  GroupByOptions options;
  table::Schema input;
  table::Schema output;
  std::vector<std::size_t> key_columns;
  std::vector<table::ColumnType> key_types;
  // One aggregator per state (several outputs may share a fused one).
  std::vector<std::unique_ptr<Aggregator>> aggregators;
  std::vector<std::size_t> aggregate_columns;  // per aggregator; kNoColumn for count()
  struct Output {
    std::size_t aggregator;
    AggregateFunction function;
    std::size_t part = 0;  // the column of a state that serves several (row-major)
  };
  std::vector<Output> outputs;  // per output column after the keys
  KeyEncoder encoder;
  GroupTable groups;
  DirectIndex direct;  // consume() only: the merge goes through `groups`
  StringGroupCache strings;  // consume() only, one string key
  std::vector<std::uint8_t> string_key;  // a normalized string key (a cache miss)
  std::vector<std::uint32_t> gids;
  // use_row_major: the columns folded from whole rows, and their one state.
  std::vector<RowMajorColumn> row_major;
  std::size_t row_major_stride = 0;
  std::size_t row_major_aggregator = kNoColumn;
  GroupByStats stats;
  bool finished = false;
  // spill_to: the budget's share of the local table, and the spilled partial states.
  std::uint64_t spill_at = 0;
  std::unique_ptr<PartitionSpill> spill;
  std::vector<std::byte> spill_send;  // reused by every generation
  std::vector<std::uint64_t> spill_counts;
  // The most table bytes (used_bytes) per serialized byte of any table this rank serialized:
  // what the owner's merge will hold per byte it receives.
  double table_per_state_byte = 0;
  // After exchange(): the result in memory, or (through_scratch) partitions still to merge.
  bool through_scratch = false;
  table::Table result;
};

}  // namespace rankflow::ops
