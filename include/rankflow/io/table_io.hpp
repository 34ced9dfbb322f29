// TableSource and TableSink: how the table pipeline reads and writes, whatever the format.
//
// A source is one rank's part of a distributed input (a CSV byte range, an HDF5 row block);
// a sink is one rank's part of a distributed output, written in rank order into one file.
//
//   auto source = open_csv_source(comm, options);        // collective (planning, schema)
//   while (source->next(block)) pipeline.consume(block); // LOCAL: no collective inside
//   ...collective finish (shuffle)...
//   auto sink = open_csv_sink(comm, path, schema);       // collective
//   sink->write(result_block); ...                       // local
//   sink->finish();                                      // collective: ordered, atomic
//
// next() and write() are never collective, so that an error on one rank mid-stream is carried
// to the agreement at the end of the phase (comm::run_phase) instead of leaving other ranks
// waiting inside a collective read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "rankflow/table/table.hpp"

namespace rankflow::io {

struct SourceStats {
  std::uint64_t rows = 0;          // rows produced by this rank
  std::uint64_t bytes = 0;         // input bytes this rank read
  std::uint64_t skipped_rows = 0;  // bad rows skipped (on_bad_rows = skip)
};

class TableSource {
 public:
  virtual ~TableSource() = default;
  virtual const table::Schema& schema() const = 0;
  // Clears `block` and fills it with this rank's next rows; false when this rank is done
  // (then `block` is empty). Local: never collective.
  virtual bool next(table::Table& block) = 0;
  // A hint, before the first next(): columns with read[i] == false are not used, so a source
  // may skip parsing them and fill them with placeholder values instead (zeros, or for HDF5
  // numeric columns whatever an earlier block left: nothing reads them). A bad
  // value in such a column then goes unnoticed, as with DuckDB's or Polars' projection
  // pushdown. Local. Sources that cannot skip ignore it.
  virtual void select_columns(const std::vector<bool>& read) { (void)read; }

  // Float64 columns [first, first + width), never null, that the source also holds as the rows
  // it read (a 2-D HDF5 dataset's rows): column first + k of row r is at rows[r * width + k].
  // A consumer that folds whole rows (a group-by's sums and means over many columns) reads them
  // there, and the source need not copy each value into its column first.
  struct RowMajorRange {
    std::size_t first = 0;
    std::size_t width = 0;
  };
  virtual std::vector<RowMajorRange> row_major_ranges() const { return {}; }
  // Before the first next(): the rows of the range starting at column `first` are read even
  // when select_columns() marks all its columns unread; such unread columns then hold
  // unspecified values (of the block's length).
  virtual void keep_row_major(std::size_t first) { (void)first; }
  // The rows of that range in the block the last next() returned (valid until the next call).
  virtual const double* row_major(std::size_t first) const {
    (void)first;
    return nullptr;
  }
  virtual SourceStats stats() const = 0;
  // The first bad rows this rank skipped (on_bad_rows = skip), in its reading order, each as
  // "file: line N: what is wrong" (at most a few: for the warning that names them). Local.
  virtual std::vector<std::string> skipped_examples() const { return {}; }
  virtual std::string describe() const = 0;  // "CSV data/sales-*.csv (3 files, 1.2 GB)"
  // The bytes of the whole input, over all ranks (what stats().bytes adds up to): for progress.
  // 0 when unknown.
  virtual std::uint64_t total_bytes() const { return 0; }
};

class TableSink {
 public:
  virtual ~TableSink() = default;
  // Appends rows of this rank's part. Local: never collective.
  virtual void write(const table::Table& block) = 0;
  // Collective: the parts of all ranks, in rank order, become the output file (atomically).
  virtual void finish() = 0;
};

}  // namespace rankflow::io
