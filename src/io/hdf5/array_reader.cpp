#include "rankflow/io/hdf5/array_reader.hpp"

#include <algorithm>
#include <optional>

#include "rankflow/core/buffer.hpp"
#include "handle.hpp"
#include "row_slab.hpp"
#include "types.hpp"

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
  std::optional<RowSlab> slab;
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
  slab.emplace(file, info, block_rows);
  buffer.reserve(std::max<std::uint64_t>(64, block_rows * row_bytes));
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
  self.slab->read(first, row_count, native_type(self.dtype), self.buffer.data());
  self.bytes_read += row_count * block.row_elements * dtype_size(self.dtype);
  return true;
}

}  // namespace rankflow::io::hdf5
