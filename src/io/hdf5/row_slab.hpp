// RowSlab: reads whole rows [first, first + count) of an open dataset into a caller's buffer.
// Internal to io/hdf5 (includes <hdf5.h>); shared by ArrayReader and the table source, so that
// both read blocks the same way.
//
// The memory space has the dataset's rank and inner dims (capacity block_rows rows): HDF5 maps a
// block to chunks with a fast path only when memory and file selections have the same shape
// (a 1-D memory space makes it map element by element, ~10x slower). Unfiltered chunks are read
// straight into the buffer (no chunk cache: it would only add a copy).
//
// Collective contract: with IoMode::kCollective each read() is collective (every rank calls it
// the same number of times; count 0 selects nothing and still joins H5Dread). With independent
// and POSIX modes read() is local and an empty read makes no HDF5 call.
#pragma once

#include <cstdint>
#include <string>

#include "handle.hpp"
#include "rankflow/io/hdf5/dataset_info.hpp"
#include "rankflow/io/hdf5/file.hpp"

namespace rankflow::io::hdf5 {

class RowSlab {
 public:
  // Opens dataset `info.name` of `file` (which must outlive the slab) for reads of at most
  // `block_rows` rows.
  RowSlab(const ParallelFile& file, const DatasetInfo& info, std::uint64_t block_rows);

  // Reads `count` rows from global row `first` into `buffer` as `memory_type` (C order, every
  // element of a row). Throws DataError naming the rows, the dataset and the file.
  void read(std::uint64_t first, std::uint64_t count, hid_t memory_type, void* buffer);
  // Before a read() of variable-length strings (alone or as compound fields): checks the
  // global heap that rows [first, first + count) point into (vlen_strings.hpp). Throws
  // DataError naming the rows, the dataset and the file when it is damaged. Local or
  // collective as read(); the error is local (the table source reads independently).
  void check_strings(std::uint64_t first, std::uint64_t count);
  // Frees the variable-length data (strings) that the last read() put in `buffer`.
  void reclaim(hid_t memory_type, void* buffer) noexcept;
  hid_t dataset() const noexcept { return dataset_.get(); }

 private:
  void select(std::uint64_t first, std::uint64_t count);
  std::string rows(std::uint64_t first, std::uint64_t count) const;  // "reading rows a..b of ..."

  const ParallelFile* file_;
  std::string name_;
  std::vector<std::uint64_t> dims_;
  DatasetHandle dataset_;
  DataspaceHandle file_space_;
  DataspaceHandle memory_space_;
  PropListHandle transfer_;
  bool selected_ = false;  // the memory space holds the last read's rows
};

}  // namespace rankflow::io::hdf5
