#include "rankflow/io/hdf5/array_reader.hpp"

#include <algorithm>

#include "rankflow/core/buffer.hpp"
#include "rankflow/io/hdf5/handle.hpp"
#include "rankflow/io/hdf5/types.hpp"

namespace rankflow::io::hdf5 {

RowRange partition_rows(std::uint64_t rows, std::uint64_t chunk_rows, int ranks, int rank) {
  const auto parts = static_cast<std::uint64_t>(ranks);
  const auto part = static_cast<std::uint64_t>(rank);
  const std::uint64_t unit = chunk_rows > 0 ? chunk_rows : 1;
  const std::uint64_t units = (rows + unit - 1) / unit;  // whole chunks (last may be partial)
  // Balanced: the first (units % parts) ranks get one unit more.
  const std::uint64_t base = units / parts;
  const std::uint64_t extra = units % parts;
  const std::uint64_t first_unit = part * base + std::min(part, extra);
  const std::uint64_t unit_count = base + (part < extra ? 1 : 0);
  RowRange range;
  range.begin = std::min(rows, first_unit * unit);
  range.end = std::min(rows, (first_unit + unit_count) * unit);
  return range;
}

std::uint64_t plan_block_rows(const BlockPlan& plan) {
  std::uint64_t rows = plan.block_rows > 0
                           ? plan.block_rows
                           : std::max<std::uint64_t>(
                                 1, plan.block_bytes / std::max<std::uint64_t>(1, plan.row_bytes));
  if (plan.chunk_rows == 0) return rows;
  if (plan.filtered || rows >= plan.chunk_rows) {
    // Whole chunks: a compressed chunk is decompressed whole, and reading it once per block
    // (instead of once per partial read) needs the block to hold all of it.
    rows = std::max<std::uint64_t>(1, rows / plan.chunk_rows) * plan.chunk_rows;
  } else {
    // A block smaller than a chunk: a divisor of the chunk rows, so that blocks never straddle
    // a chunk boundary (each read touches one chunk row).
    while (plan.chunk_rows % rows != 0) --rows;
  }
  return rows;
}

struct ArrayReader::Impl {
  const comm::Communicator* comm = nullptr;
  ParallelFile file;
  DatasetHandle dataset;
  DataspaceHandle file_space;
  DataspaceHandle memory_space;
  PropListHandle transfer;
  DatasetInfo info;
  DType dtype = DType::kFloat64;
  RowRange rows;
  std::uint64_t block_rows = 1;
  std::uint64_t steps = 0;
  std::uint64_t step = 0;
  std::uint64_t bytes_read = 0;
  ByteBuffer buffer;

  explicit Impl(ParallelFile opened) : file(std::move(opened)) {}
  void open(const ReaderOptions& options);
  void select(std::uint64_t first_row, std::uint64_t row_count);
};

void ArrayReader::Impl::open(const ReaderOptions& options) {
  info = read_dataset_info(file, options.dataset);
  if (!info.dtype)
    throw DataError(
        "dataset {} in '{}' has type {}; arrays must be int8..int64, uint8..uint64, "
        "float32 or float64",
        info.name, options.path, info.type);
  if (info.dims.empty())
    throw DataError("dataset {} in '{}' is a scalar; arrays need at least one axis", info.name,
                    options.path);
  dtype = *info.dtype;
  const std::uint64_t row_bytes = info.row_elements() * dtype_size(dtype);
  block_rows = plan_block_rows(
      {row_bytes, info.chunk_rows(), info.filtered(), options.block_bytes, options.block_rows});
  rows = partition_rows(info.rows(), info.chunk_rows(), comm->size(), comm->rank());
  const std::uint64_t my_steps = (rows.size() + block_rows - 1) / block_rows;
  steps = comm->allreduce(my_steps, comm::ReduceOp::kMax);

  PropListHandle access(check_id(H5Pcreate(H5P_DATASET_ACCESS), "dataset access list"));
  if (!info.filtered()) {
    // Unfiltered chunks are read straight into the block buffer; a chunk cache would only
    // add a copy.
    check(H5Pset_chunk_cache(access.get(), 0, 0, H5D_CHUNK_CACHE_W0_DEFAULT), "chunk cache");
  }
  dataset = DatasetHandle(
      check_id(H5Dopen2(file.id(), info.name.c_str(), access.get()), "opening " + info.name));
  file_space = DataspaceHandle(check_id(H5Dget_space(dataset.get()), "dataset space"));
  // The memory space has the dataset's rank and inner dims: HDF5 maps a block to chunks
  // with a fast path only when memory and file selections have the same shape (a 1-D memory
  // space makes it map element by element, ~10x slower).
  std::vector<hsize_t> capacity(info.dims.begin(), info.dims.end());
  capacity[0] = std::max<hsize_t>(1, block_rows);
  memory_space = DataspaceHandle(
      check_id(H5Screate_simple(static_cast<int>(capacity.size()), capacity.data(), nullptr),
               "memory space"));
  transfer = PropListHandle(check_id(H5Pcreate(H5P_DATASET_XFER), "transfer list"));
  if (file.mode() != IoMode::kPosix) {
    const H5FD_mpio_xfer_t mode =
        file.mode() == IoMode::kCollective ? H5FD_MPIO_COLLECTIVE : H5FD_MPIO_INDEPENDENT;
    check(H5Pset_dxpl_mpio(transfer.get(), mode), "MPI-IO transfer mode");
  }
  buffer.reserve(std::max<std::uint64_t>(64, block_rows * row_bytes));
}

void ArrayReader::Impl::select(std::uint64_t first_row, std::uint64_t row_count) {
  if (row_count == 0) {
    check(H5Sselect_none(file_space.get()), "selecting no rows");
    check(H5Sselect_none(memory_space.get()), "selecting no rows");
    return;
  }
  std::vector<hsize_t> start(info.dims.size(), 0);
  std::vector<hsize_t> count(info.dims.begin(), info.dims.end());
  start[0] = first_row;
  count[0] = row_count;
  check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                            nullptr),
        "selecting rows");
  start[0] = 0;
  check(H5Sselect_hyperslab(memory_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                            nullptr),
        "selecting the block buffer");
}

ArrayReader::ArrayReader(const comm::Communicator& comm, const ReaderOptions& options) {
  ParallelFile file = ParallelFile::open_read(comm, options.path, options.io);
  SilenceErrors quiet;
  impl_ = std::make_unique<Impl>(std::move(file));
  impl_->comm = &comm;
  impl_->open(options);
}

ArrayReader::~ArrayReader() = default;
ArrayReader::ArrayReader(ArrayReader&&) noexcept = default;

const DatasetInfo& ArrayReader::info() const noexcept { return impl_->info; }
DType ArrayReader::dtype() const noexcept { return impl_->dtype; }
RowRange ArrayReader::rows() const noexcept { return impl_->rows; }
std::uint64_t ArrayReader::block_rows() const noexcept { return impl_->block_rows; }
std::uint64_t ArrayReader::steps() const noexcept { return impl_->steps; }
std::uint64_t ArrayReader::bytes_read() const noexcept { return impl_->bytes_read; }
void ArrayReader::restart() noexcept { impl_->step = 0; }

bool ArrayReader::next(ArrayBlock& block) {
  Impl& self = *impl_;
  if (self.step >= self.steps) return false;
  const std::uint64_t first = self.rows.begin + self.step * self.block_rows;
  const std::uint64_t row_count =
      first >= self.rows.end ? 0 : std::min(self.block_rows, self.rows.end - first);
  ++self.step;
  block.dtype = self.dtype;
  block.first_row = std::min(first, self.rows.end);
  block.rows = row_count;
  block.row_elements = self.info.row_elements();
  block.data = self.buffer.data();
  // Independent and POSIX reads need no call for an empty block; collective ones do.
  if (row_count == 0 && self.file.mode() != IoMode::kCollective) return true;
  SilenceErrors quiet;
  self.select(first, row_count);
  check(H5Dread(self.dataset.get(), native_type(self.dtype), self.memory_space.get(),
                self.file_space.get(), self.transfer.get(), self.buffer.data()),
        "reading rows " + std::to_string(first) + ".." + std::to_string(first + row_count) +
            " of " + self.info.name + " in '" + self.file.path() + "'");
  self.bytes_read += row_count * block.row_elements * dtype_size(self.dtype);
  return true;
}

}  // namespace rankflow::io::hdf5
