// A serial reference CSV reader for tests: the whole input in memory, one byte at a time, in
// the most direct way, so that the distributed reader can be compared with it.
//
// Same rules as docs/csv.md: every quote byte toggles "inside quotes"; a record ends at a '\n'
// outside quotes; a CR before it is dropped; blank lines are skipped; a UTF-8 BOM is skipped;
// lines are physical lines of each file (header = line 1).
//
// Rows come out as canonical text (csv_oracle::canonical_row), the same text the tests build
// from the reader's Table blocks, so results compare as strings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rankflow/table/column.hpp"

namespace rankflow::test::csv_oracle {

struct Options {
  char delimiter = ',';
  int quote = '"';  // -1: none
  bool header = true;
  std::vector<std::string> null_values;
  bool skip_bad_rows = false;
  // Types by column; empty: inferred from every value (the reader samples everything when the
  // input is smaller than its sample size, which tests keep).
  std::vector<table::ColumnType> types;
};

struct InputFile {
  std::string name;  // as the reader reports it (the path)
  std::string text;
};

struct Result {
  std::vector<std::string> names;
  std::vector<table::ColumnType> types;
  std::vector<std::string> rows;  // canonical rows, in input order
  std::uint64_t skipped = 0;
  std::string error;              // the first error, empty when none
};

Result read(const std::vector<InputFile>& files, const Options& options);

// Canonical cell texts: "\\N" for null; int64, date (days) and timestamp (microseconds) as
// integers; float64 as the shortest round-trip text; bool true/false; strings as they are.
std::string null_cell();
std::string int_cell(std::int64_t value);
std::string float_cell(double value);
std::string bool_cell(bool value);
// Cells joined with '\x1f'.
std::string canonical_row(const std::vector<std::string>& cells);

}  // namespace rankflow::test::csv_oracle
