// ArrayWriter: a new N-D dataset that every rank fills with its own rows, collectively.
//
//   ParallelFile out = ParallelFile::create(comm, temp_path);        // collective
//   ArrayWriter writer(out, "/anomaly", {rows, 16}, DType::kFloat64); // collective
//   for each step (the same number on every rank):
//     writer.write(first_row, row_count, data);                      // collective; 0 rows ok
//   writer.close(); out.set_attribute(...); out.close();              // collective
//
// The dataset is contiguous unless chunk dims are given (optionally gzip-compressed, which
// HDF5 supports in parallel only with collective writes: rankflow always writes collectively).
// Fill values are never written: every element is written by some rank, and writing fills
// first would double the I/O. Intermediate groups of `name` are created. Parallel HDF5 cannot
// compress data that needs a conversion, so gzip with big-endian storage is refused.
//
// Collective contract: constructor, write() and close() are called by every rank, in the same
// order; write() the same number of times on every rank (rows == 0 where a rank has nothing).
// With independent transfers (WriterOptions::collective = false) write() is local.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rankflow/core/dtype.hpp"
#include "rankflow/io/hdf5/file.hpp"

namespace rankflow::io::hdf5 {

struct WriterOptions {
  std::vector<std::uint64_t> chunk_dims;  // empty: contiguous
  int gzip_level = 0;                     // 1..9 with chunk_dims: deflate; 0: none
  bool big_endian = false;                // store big-endian (tests, fixtures)
  // Collective MPI-IO transfers (required for gzip), or independent ones: every rank writes
  // its own contiguous rows, so collective buffering only adds a copy and a synchronization.
  bool collective = true;
};

class ArrayWriter {
 public:
  // Collective. `dims` empty makes a scalar dataset (write one "row" of one element).
  ArrayWriter(ParallelFile& file, const std::string& name, std::vector<std::uint64_t> dims,
              DType dtype, const WriterOptions& options = {});
  ~ArrayWriter();  // closes the dataset (collective); never throws
  ArrayWriter(ArrayWriter&&) noexcept;
  ArrayWriter& operator=(ArrayWriter&&) = delete;

  const std::string& name() const noexcept;
  const std::vector<std::uint64_t>& dims() const noexcept;
  DType dtype() const noexcept;

  // Collective: writes `rows` whole rows at global row `first_row` from `data` (C order,
  // native type of dtype()).
  void write(std::uint64_t first_row, std::uint64_t rows, const void* data);
  // Collective: closes the dataset now, reporting errors.
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rankflow::io::hdf5
