// Serial reference implementations for table operators, written the obvious way (std::map,
// std::stable_sort over typed values) and independent of the code under test: distributed
// results are compared with these on the whole input.
//
// Also test helpers to split a table across ranks and gather a distributed one back.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/ops/groupby.hpp"
#include "rankflow/ops/join.hpp"
#include "rankflow/ops/sort.hpp"
#include "rankflow/table/table.hpp"

namespace rankflow::oracle {

// One cell, typed. Ordering: null first, then by value; doubles in the total order (NaN above
// +inf, -0.0 == 0.0), strings bytewise.
struct Value {
  bool null = true;
  table::ColumnType type = table::ColumnType::kInt64;
  std::int64_t i = 0;
  double d = 0;
  std::string s;

  static Value of(const table::Column& column, std::size_t row);
  std::string text() const;
};
int compare(const Value& left, const Value& right);
inline bool operator<(const Value& left, const Value& right) { return compare(left, right) < 0; }
inline bool operator==(const Value& left, const Value& right) { return compare(left, right) == 0; }

using Row = std::vector<Value>;
Row row_of(const table::Table& table, std::size_t row);

// Group-by: key tuple -> one Value per aggregate.
using GroupResult = std::map<Row, Row>;
GroupResult group_by(const table::Table& input, const ops::GroupByOptions& options);
// The same shape from an operator's output table (keys first, then aggregates).
GroupResult result_map(const table::Table& output, std::size_t key_count);

// Rows of `input` in std::stable_sort order of the keys.
std::vector<Row> stable_sort(const table::Table& input, const std::vector<ops::SortKey>& keys);
std::vector<Row> rows_of(const table::Table& input);

// Values equal, floats within a relative tolerance (NaN equals NaN). Returns "" when equal,
// else a description of the first difference.
std::string diff(const GroupResult& expected, const GroupResult& actual, double tolerance);

// Join by nested loops over typed values: null keys never match; NaN matches NaN and -0.0
// matches 0.0 (the key encoder's normalization). Rows in no particular order, columns as the
// operator gives them (left's with same-named keys merged, then right's); `names` (optional)
// receives the output column names, worked out independently of the operator.
std::vector<Row> join(const table::Table& left, const table::Table& right,
                      const ops::JoinOptions& options, std::vector<std::string>* names = nullptr);
// The rows of `rows` sorted (multiset comparison of results in no particular order).
std::vector<Row> sorted(std::vector<Row> rows);
// "" when equal, else the first difference (row index and both rows).
std::string diff_rows(const std::vector<Row>& expected, const std::vector<Row>& actual);

// The first row (input order) of each distinct value of `columns` (all when empty), in input
// order. Keys compare as Values: null equals null, NaN equals NaN.
std::vector<Row> distinct(const table::Table& input, const std::vector<std::string>& columns);
// Per group of `per` (the whole table when empty): the first k rows of std::stable_sort by
// `by`, the groups in order of first appearance.
std::vector<std::vector<Row>> top_k(const table::Table& input, const std::vector<ops::SortKey>& by,
                                    std::uint64_t k, const std::vector<std::string>& per);

// Rows [begin, end) of `table`.
table::Table slice(const table::Table& table, std::size_t begin, std::size_t end);
// Every rank's `local`, in rank order, on every rank (collective).
table::Table gather_all(const comm::Communicator& comm, const table::Table& local);

// A random table: for each field a column of that type; `null_rate` of values null;
// `distinct` bounds the distinct values of each column (keys collide); floats include -0.0 and,
// with `nans`, NaN; strings include "" and multi-byte UTF-8.
// `input` with an int64 column "id" appended: the row number, so that tests can tell equal
// keys apart and check stability.
table::Table with_ids(table::Table input);

table::Table random_table(const table::Schema& schema, std::size_t rows, std::uint64_t seed,
                          double null_rate, std::int64_t distinct, bool nans = true);

}  // namespace rankflow::oracle
