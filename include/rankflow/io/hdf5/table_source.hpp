// The HDF5 table source: columns of one HDF5 file as a distributed table (io::TableSource).
//
// Each dataset named in TableSourceOptions::datasets gives columns, and all of them must have
// the same number of rows (their first axis):
//
//   1-D numeric or string dataset   one column, named after the dataset's last path component
//                                   (/grid/station -> station)
//   2-D numeric dataset (N, K)      K columns, named by the dataset's string-array attribute
//                                   `columns` (K names) when it has one, else c0 .. c{K-1}
//   1-D compound dataset            one column per field, named after the field
//
// Types: every integer type (int8..int64, uint8..uint64, either byte order) becomes int64; a
// uint64 value above INT64_MAX is an error naming the value, row and dataset (rankflow has no
// unsigned column). float32/float64 become float64. Fixed-length strings (padding removed) and
// variable-length strings become string; a variable-length string that is a null pointer is
// null. Anything else (enum, array, nested compound, 3+ axes, scalar) is refused by name.
//
// Rows: every rank reads a balanced, contiguous range of rows made of whole "units", where a
// unit is the chunk rows of the datasets (their least common multiple when they differ, so no
// chunk is read by two ranks), then reads it in blocks of whole rows (block_bytes over the
// bytes of one row of all datasets, rounded as io/hdf5/array_reader.hpp plans blocks). Each
// dataset's block is read into a buffer allocated once and decoded into the block's columns,
// whose storage is reused from block to block.
//
// Collective contract: open_table_source is collective over `comm` (the file is opened with
// the MPI-IO driver or, with IoMode::kPosix, by every rank itself) and throws the same Error on
// every rank. next() is LOCAL (independent or POSIX reads, never collective), so only
// IoMode::kIndependent and IoMode::kPosix are accepted. Destroying the source closes the file,
// which is collective for MPI-IO: every rank destroys it (a rank with zero rows too).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/io/hdf5/array_reader.hpp"
#include "rankflow/io/hdf5/file.hpp"
#include "rankflow/io/table_io.hpp"

namespace rankflow::io::hdf5 {

// The attribute of a 2-D dataset that names its columns (a 1-D array of strings).
inline constexpr const char* kColumnsAttribute = "columns";

struct TableSourceOptions {
  std::string path;
  std::vector<std::string> datasets;  // "/station", "/temperature" (leading '/' optional)
  IoMode io = IoMode::kIndependent;   // kIndependent or kPosix (next() is local)
  std::uint64_t block_bytes = kDefaultBlockBytes;
  std::uint64_t block_rows = 0;  // > 0 overrides block_bytes
};

// Collective. Throws DataError (exit 1) for a missing file or dataset (naming both), datasets of
// unequal length, unsupported types (naming the dataset and the type), a `columns` attribute of
// the wrong size, or two datasets giving the same column name; ConfigError (exit 2) for options
// that cannot work (no datasets, collective I/O).
std::unique_ptr<TableSource> open_table_source(const comm::Communicator& comm,
                                               const TableSourceOptions& options);

}  // namespace rankflow::io::hdf5
