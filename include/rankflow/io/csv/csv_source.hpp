// The partitioned CSV reader: one rank's part of a CSV input as a TableSource.
//
// The input (a file or a glob of files) is seen as one byte stream of all files in name order;
// its total size is split evenly across ranks, so one big file and many small ones balance alike
// and a rank's range may cover the end of one file and the start of the next. A rank reads the
// records whose first byte lies in its range, and reads past the range end to finish the last.
//
// Where a record starts is decided exactly, also when a boundary falls inside a quoted field
// holding delimiters, quotes or newlines: opening counts the quote bytes and newlines of every
// rank's range in one pass, and an exclusive scan over the ranks gives each range the quote
// parity (inside or outside quotes) and the line number where it begins. See docs/csv.md.
//
//   auto source = open_csv_source(comm, options);   // collective: files, headers, scan, types
//   table::Table block;
//   while (source->next(block)) consume(block);       // local; blocks of ~block_size bytes
//
// open_csv_source is collective over `comm` and runs its own phases (comm/phase.hpp): call it
// outside run_phase. It throws the same agreed Error on every rank: ConfigError for options and
// a schema that names missing columns; DataError for missing files, headers that differ between
// files, I/O errors. next() is local; a bad value throws a DataError naming the file, the line
// (1-based, physical lines of that file, header = line 1) and the column.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/io/csv/csv_options.hpp"
#include "rankflow/io/table_io.hpp"

namespace rankflow::io {

std::unique_ptr<TableSource> open_csv_source(const comm::Communicator& comm,
                                             const CsvOptions& options);

// The files a CSV input `path` (a file or a glob) names, sorted as the reader reads them. Local.
// Throws DataError as open_csv_source does (no match, a missing file, a folder).
std::vector<std::string> csv_input_paths(const std::string& path);

}  // namespace rankflow::io
