// The CSV writer: a TableSink whose output file holds every rank's rows, in rank order.
//
// Each rank formats its blocks into a bounded buffer and appends them to a part file of its own
// next to the output (hidden, ".NAME.rankflow-tmp-...part-R"), so memory does not grow with the
// output. finish() sizes the parts with an exclusive scan, rank 0 creates the output's temporary
// file at its full size, every rank copies its part to its offset in parallel
// (copy_file_range), and io::AtomicOutput renames it: the file appears whole or not at all.
//
//   auto sink = open_csv_sink(comm, "out/result.csv", schema);  // collective
//   sink->write(block);                                          // local, any number of times
//   sink->finish();                                              // collective
//
// Format: a header row of column names; fields quoted (RFC 4180, quotes doubled) when they
// hold the delimiter, the quote, CR or LF; an empty string as "" and a null as an empty field;
// floats in the shortest text that reads back to the same double, with ".0" when that text has
// no point or exponent (3.0, -0.0: a float column reads back as float64); dates and timestamps
// in ISO 8601. If the sink is destroyed without finish() (an error), parts and temporary file are
// removed and nothing is left behind.
#pragma once

#include <memory>
#include <string>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/io/csv/csv_options.hpp"
#include "rankflow/io/table_io.hpp"

namespace rankflow::io {

// Collective; throws an agreed Error (folder missing or not writable).
std::unique_ptr<TableSink> open_csv_sink(const comm::Communicator& comm, const std::string& path,
                                         const table::Schema& schema,
                                         const CsvWriteOptions& options = {});

}  // namespace rankflow::io
