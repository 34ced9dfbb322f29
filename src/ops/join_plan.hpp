// JoinPlan: a join's keys and output columns, worked out from both schemas before any data is
// read (every mistake in the config is a ConfigError here). Nothing here is collective.
#pragma once

#include <cstddef>
#include <vector>

#include "rankflow/ops/join.hpp"
#include "rankflow/table/table.hpp"

namespace rankflow::ops {

struct JoinOutputColumn {
  enum class From { kLeft, kRight, kKey };  // kKey: one column for a key named alike on both
  From from = From::kLeft;
  std::size_t left_column = 0;   // kLeft, kKey
  std::size_t right_column = 0;  // kRight, kKey
};

struct JoinPlan {
  JoinHow how = JoinHow::kInner;
  table::Schema left;
  table::Schema right;
  std::vector<std::size_t> left_keys;  // in key order
  std::vector<std::size_t> right_keys;
  std::vector<table::ColumnType> key_types;
  table::Schema output;
  std::vector<JoinOutputColumn> columns;  // one per output column

  // Which rows without a partner appear in the output (with the other side's columns null).
  bool keeps_unmatched_left() const {
    return how == JoinHow::kLeft || how == JoinHow::kFull || how == JoinHow::kAnti;
  }
  bool keeps_unmatched_right() const { return how == JoinHow::kRight || how == JoinHow::kFull; }
  bool left_only() const { return how == JoinHow::kSemi || how == JoinHow::kAnti; }
};

JoinPlan plan_join(const table::Schema& left, const table::Schema& right,
                   const JoinOptions& options);

}  // namespace rankflow::ops
