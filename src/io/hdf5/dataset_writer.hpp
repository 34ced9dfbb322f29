// DatasetWriter: a new dataset of any HDF5 type that every rank fills with its own rows,
// collectively. Internal to io/hdf5 (includes <hdf5.h>); ArrayWriter (numeric arrays) and the
// table sink (columns, fixed-length strings, compound rows) are built on it.
//
// Layout, fill and transfer rules are ArrayWriter's (array_writer.hpp): contiguous unless chunk
// dims are given, fill values never written, intermediate groups created, collective transfers
// (required for gzip) unless WriterOptions::collective is false.
//
// Collective contract: constructor, write() and close() are called by every rank, in the same
// order; write() the same number of times on every rank (rows == 0 where a rank has nothing).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rankflow/io/hdf5/array_writer.hpp"
#include "handle.hpp"

namespace rankflow::io::hdf5 {

class DatasetWriter {
 public:
  // Collective. `file_type` is how values are stored; `dims` empty makes a scalar dataset.
  DatasetWriter(ParallelFile& file, const std::string& name, std::vector<std::uint64_t> dims,
                hid_t file_type, const WriterOptions& options = {});

  const std::string& name() const noexcept { return name_; }
  const std::vector<std::uint64_t>& dims() const noexcept { return dims_; }

  // Collective: writes `rows` whole rows at global row `first_row` from `data`, whose elements
  // are of `memory_type` (C order).
  void write(std::uint64_t first_row, std::uint64_t rows, hid_t memory_type, const void* data);
  // Collective: closes the dataset now, reporting errors.
  void close();

 private:
  PropListHandle creation_list(const WriterOptions& options) const;

  ParallelFile* file_;
  std::string name_;
  std::vector<std::uint64_t> dims_;
  DatasetHandle dataset_;
  DataspaceHandle file_space_;
  PropListHandle transfer_;
};

}  // namespace rankflow::io::hdf5
