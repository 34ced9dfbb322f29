#include "row_slab.hpp"

#include <algorithm>
#include <vector>

#include "vlen_strings.hpp"

namespace rankflow::io::hdf5 {

RowSlab::RowSlab(const ParallelFile& file, const DatasetInfo& info, std::uint64_t block_rows)
    : file_(&file), name_(info.name), dims_(info.dims) {
  SilenceErrors quiet;
  PropListHandle access(check_id(H5Pcreate(H5P_DATASET_ACCESS), "dataset access list"));
  if (!info.filtered())
    check(H5Pset_chunk_cache(access.get(), 0, 0, H5D_CHUNK_CACHE_W0_DEFAULT), "chunk cache");
  dataset_ = DatasetHandle(check_id(H5Dopen2(static_cast<hid_t>(file.id()), name_.c_str(),
                                             access.get()),
                                    "opening " + name_));
  file_space_ = DataspaceHandle(check_id(H5Dget_space(dataset_.get()), "dataset space"));
  std::vector<hsize_t> capacity(dims_.begin(), dims_.end());
  capacity[0] = std::max<hsize_t>(1, block_rows);
  memory_space_ = DataspaceHandle(
      check_id(H5Screate_simple(static_cast<int>(capacity.size()), capacity.data(), nullptr),
               "memory space"));
  transfer_ = PropListHandle(check_id(H5Pcreate(H5P_DATASET_XFER), "transfer list"));
  if (file.mode() != IoMode::kPosix) {
    const H5FD_mpio_xfer_t mode =
        file.mode() == IoMode::kCollective ? H5FD_MPIO_COLLECTIVE : H5FD_MPIO_INDEPENDENT;
    check(H5Pset_dxpl_mpio(transfer_.get(), mode), "MPI-IO transfer mode");
  }
}

void RowSlab::select(std::uint64_t first, std::uint64_t count) {
  if (count == 0) {
    check(H5Sselect_none(file_space_.get()), "selecting no rows");
    check(H5Sselect_none(memory_space_.get()), "selecting no rows");
    return;
  }
  std::vector<hsize_t> start(dims_.size(), 0);
  std::vector<hsize_t> extent(dims_.begin(), dims_.end());
  start[0] = first;
  extent[0] = count;
  check(H5Sselect_hyperslab(file_space_.get(), H5S_SELECT_SET, start.data(), nullptr,
                            extent.data(), nullptr),
        "selecting rows");
  start[0] = 0;
  check(H5Sselect_hyperslab(memory_space_.get(), H5S_SELECT_SET, start.data(), nullptr,
                            extent.data(), nullptr),
        "selecting the block buffer");
}

std::string RowSlab::rows(std::uint64_t first, std::uint64_t count) const {
  return "reading rows " + std::to_string(first) + ".." + std::to_string(first + count) + " of " +
         name_ + " in '" + file_->path() + "'";
}

void RowSlab::read(std::uint64_t first, std::uint64_t count, hid_t memory_type, void* buffer) {
  selected_ = false;
  // Independent and POSIX reads need no call for an empty block; collective ones do.
  if (count == 0 && file_->mode() != IoMode::kCollective) return;
  SilenceErrors quiet;
  select(first, count);
  check(H5Dread(dataset_.get(), memory_type, memory_space_.get(), file_space_.get(),
                transfer_.get(), buffer),
        rows(first, count));
  selected_ = count > 0;
}

void RowSlab::check_strings(std::uint64_t first, std::uint64_t count) {
  selected_ = false;  // the selection changes; a reclaim() now would free nothing of ours
  if (count == 0 && file_->mode() != IoMode::kCollective) return;
  SilenceErrors quiet;
  select(first, count);
  std::uint64_t row_elements = 1;
  for (std::size_t axis = 1; axis < dims_.size(); ++axis) row_elements *= dims_[axis];
  DatasetSelection selection;
  selection.memory_space = memory_space_.get();
  selection.file_space = file_space_.get();
  selection.transfer = transfer_.get();
  selection.count = static_cast<std::size_t>(count * row_elements);
  selection.first_element = first * row_elements;
  check_variable_strings(dataset_.get(), selection, rows(first, count));
}

void RowSlab::reclaim(hid_t memory_type, void* buffer) noexcept {
  if (!selected_) return;
  selected_ = false;
  SilenceErrors quiet;
  if (H5Dvlen_reclaim(memory_type, memory_space_.get(), H5P_DEFAULT, buffer) < 0)
    take_error_stack();
}

}  // namespace rankflow::io::hdf5
