// Options of the partitioned CSV reader and of the CSV writer.
//
// Plain values, no I/O: the job layer builds them from a config section
// (job/csv_config.hpp), a C++ user fills them directly. Every rank must pass the same options
// to the collective open functions. docs/csv.md explains each one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rankflow/table/table.hpp"

namespace rankflow::io {

enum class BadRowPolicy : std::uint8_t {
  kError,  // the first bad row stops the job with its file, line and column
  kSkip,   // bad rows are dropped and counted (SourceStats::skipped_rows)
};

inline constexpr int kNoQuote = -1;

struct CsvOptions {
  std::string path;          // a file, or a glob of files (read in sorted name order)
  char delimiter = ',';
  int quote = '"';           // a byte value, or kNoQuote: quotes are ordinary characters
  bool header = true;        // first line of every file names the columns (all must agree)
  // Unquoted field texts that mean null, besides the empty field ("NA", "NULL", "\N").
  std::vector<std::string> null_values;
  // Explicit column types. With a header: any subset of the columns, by name; the others are
  // inferred. Without a header: every column, in order (names and types).
  std::vector<table::Field> schema;
  BadRowPolicy on_bad_rows = BadRowPolicy::kError;
  std::uint64_t block_size = std::uint64_t{1} << 20;       // bytes per read (and per block)
  std::uint64_t sample_size = std::uint64_t{1} << 20;      // bytes sampled for type inference
  std::uint64_t max_record_size = std::uint64_t{64} << 20; // one record (row) at most
  // Tests only: global byte offsets where ranks 1..P-1 begin (empty: the total split evenly).
  std::vector<std::uint64_t> split_points;
};

struct CsvWriteOptions {
  char delimiter = ',';
  char quote = '"';
  bool header = true;
  std::uint64_t buffer_size = std::uint64_t{1} << 20;  // bytes formatted before each write
};

// Throws ConfigError when options contradict each other (delimiter equal to the quote,
// a newline as delimiter, block_size too small, ...). Local.
void check_csv_options(const CsvOptions& options);

}  // namespace rankflow::io
