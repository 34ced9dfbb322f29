// The HDF5 table sink: a distributed result table written in parallel into one HDF5 file
// (io::TableSink), atomically.
//
//   layout = columns (default)              layout = compound
//     <group>/<column>   one 1-D dataset      <dataset>       one 1-D dataset of compound
//                        per column                           rows, a field per column
//     <group>/nulls/<column>  uint8 mask, 1 = null, only for columns that hold a null
//                        (for the compound layout, in the group of <dataset>)
//
// Types: int64 -> int64; float64 -> float64 (a null is also NaN there); bool -> uint8 (0/1);
// date -> int64 days since 1970-01-01, timestamp -> int64 microseconds since
// 1970-01-01T00:00:00Z; string -> fixed-length UTF-8, null-padded, as wide as the longest value
// of the column over all ranks (at least 1 byte). Fixed rather than variable length because
// parallel HDF5 (1.10) cannot write variable-length data, and fixed strings are read by h5py
// as bytes, by pandas and by every HDF5 tool. Every column dataset (and the compound dataset)
// carries an attribute `rankflow_type` (int64, float64, bool, string, date, timestamp), and
// the file's root and every dataset the given attributes (the job's provenance).
//
// Rows: each rank's rows follow the previous rank's (an exclusive scan of the row counts), in
// the order they were written. The file is written under AtomicOutput's temporary name and
// renamed only when every rank has finished: a failed job leaves nothing behind.
//
// Collective contract: open_table_sink and finish() are collective over `comm`; write() is
// local and keeps the rows in memory until finish() (the output of a table job is a result,
// usually small; a streamed filter job's output is held whole on its rank).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/io/table_io.hpp"

namespace rankflow::io::hdf5 {

enum class TableLayout { kColumns, kCompound };

struct TableSinkOptions {
  TableLayout layout = TableLayout::kColumns;
  std::string group = "/";         // kColumns: the datasets are <group>/<column>
  std::string dataset = "/table";  // kCompound: the dataset of rows
  // (name, value) string attributes of the root group and of every dataset written.
  std::vector<std::pair<std::string, std::string>> attributes;
  std::uint64_t block_rows = std::uint64_t{1} << 20;  // rows per rank and collective write
};

// Collective; throws an agreed Error: the output folder is missing or not writable (DataError),
// a column name cannot be a dataset name ('/', '.', empty: ConfigError).
std::unique_ptr<TableSink> open_table_sink(const comm::Communicator& comm,
                                           const std::string& path, const table::Schema& schema,
                                           const TableSinkOptions& options = {});

}  // namespace rankflow::io::hdf5
