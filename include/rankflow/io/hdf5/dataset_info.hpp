// What a job config needs to know about an HDF5 dataset: shape, element type, layout,
// chunking, filters and attributes. Used to plan reads, to check a config against the data
// before any data is read, and by `rankflow inspect`.
//
// read_dataset_info and dataset_names read metadata only and are local (every rank may call
// them; with the MPI-IO driver every rank must, in the same order, as HDF5 requires for
// opening objects). inspect_file opens the file by itself with the sec2 driver: no MPI.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rankflow/core/dtype.hpp"
#include "rankflow/io/hdf5/file.hpp"

namespace rankflow::io::hdf5 {

struct AttributeInfo {
  std::string name;
  std::string type;   // describe_type: "string (variable, UTF-8)", "int64", ...
  std::string value;  // printable: a string, a number, "[1, 2, 3]" or "(1000 values)"
};

struct DatasetInfo {
  std::string name;                       // "/group/temperature"
  std::vector<std::uint64_t> dims;        // empty for a scalar dataset
  std::optional<DType> dtype;             // nullopt: not int8..uint64/float32/float64
  bool big_endian = false;                // stored big-endian (read as native)
  std::string type;                       // describe_type
  std::string layout;                     // "contiguous", "chunked", "compact", "virtual"
  std::vector<std::uint64_t> chunk_dims;  // empty unless chunked
  std::vector<std::string> filters;       // "deflate (level 4)", "shuffle", ...
  std::uint64_t storage_bytes = 0;        // bytes allocated in the file
  std::vector<AttributeInfo> attributes;

  std::size_t rank() const noexcept { return dims.size(); }
  std::uint64_t rows() const noexcept { return dims.empty() ? 1 : dims[0]; }
  // Elements in one row (the product of dims[1..]); 1 for rank-1 datasets.
  std::uint64_t row_elements() const noexcept;
  std::uint64_t elements() const noexcept;
  std::uint64_t chunk_rows() const noexcept { return chunk_dims.empty() ? 0 : chunk_dims[0]; }
  bool filtered() const noexcept { return !filters.empty(); }
  std::string shape_text() const;  // "(33554432, 16)", "()" for a scalar
};

// Metadata of dataset `name` in `file`. Throws DataError when there is no such dataset
// (the message lists the datasets that exist) or it cannot be read.
DatasetInfo read_dataset_info(const ParallelFile& file, const std::string& name);

// The same, opening `path` read-only by itself (sec2 driver): local, no MPI. For checks on
// one rank before every rank opens the file.
DatasetInfo read_dataset_info(const std::string& path, const std::string& name);

// Every dataset in the file (full paths, sorted).
std::vector<std::string> dataset_names(const ParallelFile& file);

struct FileSummary {
  std::string path;
  std::vector<AttributeInfo> attributes;  // of the root group
  std::vector<DatasetInfo> datasets;      // every dataset, sorted by name
};

// Opens `path` read-only with the sec2 driver and describes every dataset. Not collective.
FileSummary inspect_file(const std::string& path);

// `rankflow inspect` output: one block per dataset (shape, type, chunking, compression,
// attributes) and a hint of the [input] keys that read it.
std::string format_summary(const FileSummary& summary);

}  // namespace rankflow::io::hdf5
