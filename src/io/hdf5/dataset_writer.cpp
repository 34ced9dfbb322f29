#include "dataset_writer.hpp"

#include <algorithm>
#include <cerrno>

namespace rankflow::io::hdf5 {

PropListHandle DatasetWriter::creation_list(const WriterOptions& options) const {
  const std::string what = "creating dataset " + name_;
  PropListHandle dcpl(check_id(H5Pcreate(H5P_DATASET_CREATE), what));
  check(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER), what);
  if (options.chunk_dims.empty() || dims_.empty()) {
    check(H5Pset_layout(dcpl.get(), H5D_CONTIGUOUS), what);
    check(H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY), what);
    return dcpl;
  }
  if (options.chunk_dims.size() != dims_.size())
    throw DataError("{}: chunk shape has {} axes, the dataset {}", what, options.chunk_dims.size(),
                    dims_.size());
  std::vector<hsize_t> chunk(options.chunk_dims.begin(), options.chunk_dims.end());
  for (std::size_t axis = 0; axis < chunk.size(); ++axis)
    if (chunk[axis] == 0 || (dims_[axis] > 0 && chunk[axis] > dims_[axis]))
      chunk[axis] = std::max<hsize_t>(1, dims_[axis]);
  check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), what);
  if (options.gzip_level > 0 && options.big_endian)
    throw DataError(
        "{}: parallel HDF5 cannot compress data that needs a type conversion "
        "(big-endian storage); store it little-endian or uncompressed",
        what);
  if (options.gzip_level > 0) {
    check(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(options.gzip_level)), what);
    check(H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_INCR), what);
  } else {
    check(H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY), what);
  }
  return dcpl;
}

DatasetWriter::DatasetWriter(ParallelFile& file, const std::string& name,
                             std::vector<std::uint64_t> dims, hid_t file_type,
                             const WriterOptions& options)
    : file_(&file),
      name_(!name.empty() && name.front() == '/' ? name : "/" + name),
      dims_(std::move(dims)) {
  SilenceErrors quiet;
  const std::string what = "creating dataset " + name_ + " in " + file.name();
  std::vector<hsize_t> extent(dims_.begin(), dims_.end());
  file_space_ = DataspaceHandle(check_id(
      extent.empty() ? H5Screate(H5S_SCALAR)
                     : H5Screate_simple(static_cast<int>(extent.size()), extent.data(), nullptr),
      what));
  PropListHandle links(check_id(H5Pcreate(H5P_LINK_CREATE), what));
  check(H5Pset_create_intermediate_group(links.get(), 1), what);
  PropListHandle dcpl = creation_list(options);
  dataset_ = DatasetHandle(check_id(H5Dcreate2(static_cast<hid_t>(file.id()), name_.c_str(),
                                               file_type, file_space_.get(), links.get(),
                                               dcpl.get(), H5P_DEFAULT),
                                    what));
  transfer_ = PropListHandle(check_id(H5Pcreate(H5P_DATASET_XFER), what));
  const bool collective = options.collective || options.gzip_level > 0;
  check(H5Pset_dxpl_mpio(transfer_.get(),
                         collective ? H5FD_MPIO_COLLECTIVE : H5FD_MPIO_INDEPENDENT),
        what);
}

void DatasetWriter::write(std::uint64_t first_row, std::uint64_t rows, hid_t memory_type,
                          const void* data) {
  SilenceErrors quiet;
  const std::string what = "writing rows " + std::to_string(first_row) + ".." +
                           std::to_string(first_row + rows) + " of " + name_ + " in " +
                           file_->name();
  const bool scalar = dims_.empty();
  const std::uint64_t total_rows = scalar ? 1 : dims_[0];
  if (first_row + rows > total_rows)
    throw DataError("{}: the dataset has {} rows", what, total_rows);
  // Memory space of the same shape as the file selection (HDF5's fast path, see the reader).
  std::vector<hsize_t> shape(dims_.begin(), dims_.end());
  if (shape.empty()) shape.push_back(1);
  shape[0] = std::max<hsize_t>(1, rows);
  DataspaceHandle memory(
      check_id(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr), what));
  if (rows == 0) {
    check(H5Sselect_none(file_space_.get()), what);
    check(H5Sselect_none(memory.get()), what);
  } else if (scalar) {
    check(H5Sselect_all(file_space_.get()), what);
  } else {
    std::vector<hsize_t> start(dims_.size(), 0);
    std::vector<hsize_t> count(dims_.begin(), dims_.end());
    start[0] = first_row;
    count[0] = rows;
    check(H5Sselect_hyperslab(file_space_.get(), H5S_SELECT_SET, start.data(), nullptr,
                              count.data(), nullptr),
          what);
  }
  static const std::uint64_t kNothing = 0;  // HDF5 wants a buffer even for an empty selection
  errno = 0;
  check_write(H5Dwrite(dataset_.get(), memory_type, memory.get(), file_space_.get(),
                       transfer_.get(), data != nullptr ? data : &kNothing),
              what, file_->path());
}

void DatasetWriter::close() {
  SilenceErrors quiet;
  transfer_.reset();
  file_space_.reset();
  dataset_.close();
}

}  // namespace rankflow::io::hdf5
