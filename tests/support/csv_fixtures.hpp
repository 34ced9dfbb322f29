// Fixtures for the CSV tests: random CSV inputs that hit every hard case of the format, and
// the canonical text of a table's rows (csv_oracle::canonical_row) for comparisons.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "oracle/csv_oracle.hpp"
#include "rankflow/comm/communicator.hpp"
#include "rankflow/io/csv/csv_options.hpp"
#include "rankflow/table/table.hpp"

namespace rankflow::test {

struct CsvGenOptions {
  std::size_t files = 1;
  std::size_t max_rows = 30;
  char delimiter = ',';
  char quote = '"';
  bool header = true;
  double bad_row_rate = 0.0;  // ragged rows, values that do not fit, stray quotes
};

struct GeneratedCsv {
  std::vector<csv_oracle::InputFile> files;  // names relative to the folder they go to
  std::vector<table::ColumnType> types;      // the types the values were drawn from
};

// Quoted fields holding delimiters, quotes, CR and LF; escaped quotes; multi-byte UTF-8; LF
// and CRLF line ends; byte order marks; blank lines; files without a final newline; empty and
// header-only files; nulls. Deterministic for a seed.
GeneratedCsv generate_csv(std::uint64_t seed, const CsvGenOptions& options);

// Writes the files into `folder` (rank 0) and returns the files named with their full paths
// (what the reader puts in its messages). Collective (a barrier at the end).
std::vector<csv_oracle::InputFile> write_csv_files(const comm::Communicator& comm,
                                                   const std::string& folder,
                                                   const std::vector<csv_oracle::InputFile>& files);

// Canonical rows of a block, appended to `out`.
void canonical_rows(const table::Table& block, std::vector<std::string>* out);

struct DistributedRead {
  table::Schema schema;
  std::vector<std::string> rows;  // every rank's rows, in rank order
  std::uint64_t skipped = 0;      // summed over ranks
  std::uint64_t max_block_rows = 0;
  std::string error;  // the agreed error, empty when none
};

// Collective: opens the source, reads every block on every rank (agreeing on errors), and
// gathers the rows. `read`: passed to select_columns when not empty.
DistributedRead read_distributed(const comm::Communicator& comm, const io::CsvOptions& options,
                                 const std::vector<bool>& read = {});

}  // namespace rankflow::test
