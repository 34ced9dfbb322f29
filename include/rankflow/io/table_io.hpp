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
  // may skip parsing them and fill them with zero values (Column::append_zeros) instead. A bad
  // value in such a column then goes unnoticed, as with DuckDB's or Polars' projection
  // pushdown. Local. Sources that cannot skip ignore it.
  virtual void select_columns(const std::vector<bool>& read) { (void)read; }
  virtual SourceStats stats() const = 0;
  virtual std::string describe() const = 0;  // "CSV data/sales-*.csv (3 files, 1.2 GB)"
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
