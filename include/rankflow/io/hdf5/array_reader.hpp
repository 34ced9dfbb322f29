// ArrayReader: every rank reads its own contiguous part of an N-D dataset's leading axis,
// block by block, into one buffer allocated once and reused.
//
//   rows     0 ................................................ N
//   ranks    | rank 0         | rank 1         | rank 2         |   balanced; on chunk
//   blocks   | b0 | b1 | b2   | b0 | b1 | b2   | b0 | b1 |  -   |   boundaries when chunked
//
// Each rank's rows are a balanced share of the dataset's chunks (whole chunks, so no chunk is
// read or decompressed by two ranks), or of its rows when it is contiguous. A block holds
// block_rows whole rows: whole chunks when a chunk fits in the block size, and always whole
// chunks for filtered (compressed) datasets, which HDF5 can only decompress whole.
//
// Collective contract: the constructor and next() are collective over the communicator. next()
// returns true exactly steps() times on every rank, then false; a rank whose rows are
// exhausted (or that has none: more ranks than chunks) gets blocks with rows == 0 and still
// joins every collective H5Dread with an empty selection (H5Sselect_none).
//
// Errors: the constructor throws DataError (dataset not numeric, scalar, missing). A failed
// H5Dread throws on the rank that saw it; in collective mode the other ranks may then be
// inside MPI-IO, so such an error is not agreed (the CLI ends the job with MPI_Abort). Errors
// in the caller's per-block work should be latched (comm/failure_latch.hpp), not thrown.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/core/dtype.hpp"
#include "rankflow/io/hdf5/dataset_info.hpp"
#include "rankflow/io/hdf5/file.hpp"

namespace rankflow::io::hdf5 {

inline constexpr std::uint64_t kDefaultBlockBytes = std::uint64_t{4} << 20;

struct RowRange {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  std::uint64_t size() const noexcept { return end - begin; }
  bool operator==(const RowRange& other) const { return begin == other.begin && end == other.end; }
};

// The rows of `rank` among `ranks`: contiguous, balanced, and made of whole chunks when
// chunk_rows > 0 (ranks differ by at most one chunk; the last chunk may be partial).
RowRange partition_rows(std::uint64_t rows, std::uint64_t chunk_rows, int ranks, int rank);

struct BlockPlan {
  std::uint64_t row_bytes = 0;   // bytes of one row in memory
  std::uint64_t chunk_rows = 0;  // 0 when not chunked
  bool filtered = false;
  std::uint64_t block_bytes = kDefaultBlockBytes;
  std::uint64_t block_rows = 0;  // > 0: asked for explicitly (overrides block_bytes)
};

// Rows per block for `plan` (at least 1); see the header comment for the chunk rules.
std::uint64_t plan_block_rows(const BlockPlan& plan);

struct ReaderOptions {
  std::string path;
  std::string dataset;
  IoMode io = IoMode::kCollective;
  std::uint64_t block_bytes = kDefaultBlockBytes;
  std::uint64_t block_rows = 0;  // > 0 overrides block_bytes
};

// One block of this rank's rows, in C order, as the dataset's native element type.
struct ArrayBlock {
  DType dtype = DType::kFloat64;
  std::uint64_t first_row = 0;     // global index of the block's first row
  std::uint64_t rows = 0;          // 0: this rank has no rows in this step
  std::uint64_t row_elements = 0;  // elements per row
  const void* data = nullptr;      // valid until the next call to next()

  std::uint64_t elements() const noexcept { return rows * row_elements; }
  template <typename T>
  const T* values() const noexcept {
    return static_cast<const T*>(data);
  }
};

class ArrayReader {
 public:
  // Collective: opens the file and dataset, plans the rows and allocates the block buffer.
  ArrayReader(const comm::Communicator& comm, const ReaderOptions& options);
  ~ArrayReader();
  ArrayReader(ArrayReader&&) noexcept;
  ArrayReader& operator=(ArrayReader&&) = delete;

  const DatasetInfo& info() const noexcept;
  DType dtype() const noexcept;    // *info().dtype
  RowRange rows() const noexcept;  // this rank's rows
  std::uint64_t block_rows() const noexcept;
  std::uint64_t steps() const noexcept;  // calls of next() that return true (every rank)

  // Collective: reads this rank's next block into the reused buffer.
  bool next(ArrayBlock& block);
  // Local: the next call of next() starts again from this rank's first row.
  void restart() noexcept;
  std::uint64_t bytes_read() const noexcept;  // by this rank, since construction

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rankflow::io::hdf5
