// A serial table job for end-to-end tests: the whole input in one Table, the filter and the
// derived columns computed row by row with the expression oracle (expr_oracle.hpp), then the
// group-by and sort oracles (table_oracle.hpp). Also the way back from a job's CSV output to a
// Table, and CSV text for inputs. Slow and obvious on purpose.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "oracle/table_oracle.hpp"
#include "rankflow/table/table.hpp"

namespace rankflow::oracle {

struct JobSpec {
  std::string where;                                        // "" for no filter
  std::vector<std::pair<std::string, std::string>> derive;  // name, expression
};

// The rows the filter keeps, with the derived columns appended, in input order.
table::Table filter_and_derive(const table::Table& input, const JobSpec& spec);

// CSV text of `table` (header, RFC 4180 quoting, empty field for null, ISO dates), as a user's
// file would hold it.
std::string to_csv(const table::Table& table, std::size_t begin, std::size_t end);

// Reads a job's CSV output (header included) into a Table of `schema`'s types, with the serial
// CSV oracle. Throws std::runtime_error when the file does not parse or its header differs.
table::Table read_csv_output(const std::string& text, const table::Schema& schema);

// "" when the two tables hold the same rows in the same order (floats within a relative
// `tolerance`), else the first difference.
std::string diff_rows(const table::Table& expected, const table::Table& actual, double tolerance);

}  // namespace rankflow::oracle
