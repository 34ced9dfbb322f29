// Options of the partitioned CSV reader and of the CSV writer.
//
// Plain values, no I/O: the job layer builds them from a config section
// (job/csv_config.hpp), a C++ user fills them directly. Every rank must pass the same options
// to the collective open functions. docs/csv.md explains each one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rankflow/core/error.hpp"
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
  // How far a rank's buffer may grow to hold one record (row) larger than block_size: a guard
  // against a quote left open. At least block_size (records up to block_size always fit).
  std::uint64_t max_record_size = std::uint64_t{64} << 20;
  // Tests only: global byte offsets where ranks 1..P-1 begin (empty: the total split evenly).
  std::vector<std::uint64_t> split_points;
};

struct CsvWriteOptions {
  char delimiter = ',';
  char quote = '"';
  bool header = true;
  std::uint64_t buffer_size = std::uint64_t{1} << 20;  // bytes formatted before each write
};

// A problem with one option. `key` is the option's name, as in a job config's [input] section
// (quote, block_size, schema, ...), so that the job layer can name the file and the key.
struct CsvOptionProblem {
  std::string key;
  std::string problem;
};

// The first problem of `options` (delimiter equal to the quote, a newline as delimiter, a size
// out of range, ...), if any. Local.
std::optional<CsvOptionProblem> find_csv_option_problem(const CsvOptions& options);

// Throws the ConfigError of find_csv_option_problem, if any. Local.
void check_csv_options(const CsvOptions& options);

// The ConfigError for a problem with one option: "CSV option KEY: PROBLEM". open_csv_source
// throws these too (schema naming a column the header lacks); csv_option_problem_of() gives
// the key and problem back from such an error's message (nullopt for other messages).
Error csv_option_error(const std::string& key, const std::string& problem);
std::optional<CsvOptionProblem> csv_option_problem_of(const std::string& message);

}  // namespace rankflow::io
