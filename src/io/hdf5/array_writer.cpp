#include "rankflow/io/hdf5/array_writer.hpp"

#include "rankflow/io/hdf5/handle.hpp"
#include "rankflow/io/hdf5/types.hpp"

namespace rankflow::io::hdf5 {

struct ArrayWriter::Impl {
  ParallelFile* file = nullptr;
  std::string name;
  std::vector<std::uint64_t> dims;
  DType dtype = DType::kFloat64;
  std::uint64_t row_elements = 1;
  DatasetHandle dataset;
  DataspaceHandle file_space;
  PropListHandle transfer;

  PropListHandle creation_list(const WriterOptions& options) const;
};

PropListHandle ArrayWriter::Impl::creation_list(const WriterOptions& options) const {
  const std::string what = "creating dataset " + name;
  PropListHandle dcpl(check_id(H5Pcreate(H5P_DATASET_CREATE), what));
  check(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER), what);
  if (options.chunk_dims.empty() || dims.empty()) {
    check(H5Pset_layout(dcpl.get(), H5D_CONTIGUOUS), what);
    check(H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY), what);
    return dcpl;
  }
  if (options.chunk_dims.size() != dims.size())
    throw DataError("{}: chunk shape has {} axes, the dataset {}", what, options.chunk_dims.size(),
                    dims.size());
  std::vector<hsize_t> chunk(options.chunk_dims.begin(), options.chunk_dims.end());
  for (std::size_t axis = 0; axis < chunk.size(); ++axis)
    if (chunk[axis] == 0 || (dims[axis] > 0 && chunk[axis] > dims[axis]))
      chunk[axis] = std::max<hsize_t>(1, dims[axis]);
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

ArrayWriter::ArrayWriter(ParallelFile& file, const std::string& name,
                         std::vector<std::uint64_t> dims, DType dtype, const WriterOptions& options)
    : impl_(std::make_unique<Impl>()) {
  SilenceErrors quiet;
  Impl& self = *impl_;
  self.file = &file;
  self.name = !name.empty() && name.front() == '/' ? name : "/" + name;
  self.dims = std::move(dims);
  self.dtype = dtype;
  for (std::size_t axis = 1; axis < self.dims.size(); ++axis) self.row_elements *= self.dims[axis];
  const std::string what = "creating dataset " + self.name + " in '" + file.path() + "'";
  std::vector<hsize_t> extent(self.dims.begin(), self.dims.end());
  self.file_space = DataspaceHandle(check_id(
      extent.empty() ? H5Screate(H5S_SCALAR)
                     : H5Screate_simple(static_cast<int>(extent.size()), extent.data(), nullptr),
      what));
  PropListHandle links(check_id(H5Pcreate(H5P_LINK_CREATE), what));
  check(H5Pset_create_intermediate_group(links.get(), 1), what);
  PropListHandle dcpl = self.creation_list(options);
  self.dataset =
      DatasetHandle(check_id(H5Dcreate2(static_cast<hid_t>(file.id()), self.name.c_str(),
                                        file_type(dtype, options.big_endian), self.file_space.get(),
                                        links.get(), dcpl.get(), H5P_DEFAULT),
                             what));
  self.transfer = PropListHandle(check_id(H5Pcreate(H5P_DATASET_XFER), what));
  const bool collective = options.collective || options.gzip_level > 0;
  check(H5Pset_dxpl_mpio(self.transfer.get(),
                         collective ? H5FD_MPIO_COLLECTIVE : H5FD_MPIO_INDEPENDENT),
        what);
}

ArrayWriter::~ArrayWriter() = default;
ArrayWriter::ArrayWriter(ArrayWriter&&) noexcept = default;

const std::string& ArrayWriter::name() const noexcept { return impl_->name; }
const std::vector<std::uint64_t>& ArrayWriter::dims() const noexcept { return impl_->dims; }
DType ArrayWriter::dtype() const noexcept { return impl_->dtype; }

void ArrayWriter::write(std::uint64_t first_row, std::uint64_t rows, const void* data) {
  SilenceErrors quiet;
  Impl& self = *impl_;
  const std::string what = "writing rows " + std::to_string(first_row) + ".." +
                           std::to_string(first_row + rows) + " of " + self.name + " in '" +
                           self.file->path() + "'";
  const bool scalar = self.dims.empty();
  const std::uint64_t total_rows = scalar ? 1 : self.dims[0];
  if (first_row + rows > total_rows)
    throw DataError("{}: the dataset has {} rows", what, total_rows);
  // Memory space of the same shape as the file selection (HDF5's fast path, see the reader).
  std::vector<hsize_t> shape(self.dims.begin(), self.dims.end());
  if (shape.empty()) shape.push_back(1);
  shape[0] = std::max<hsize_t>(1, rows);
  DataspaceHandle memory(
      check_id(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr), what));
  if (rows == 0) {
    check(H5Sselect_none(self.file_space.get()), what);
    check(H5Sselect_none(memory.get()), what);
  } else if (scalar) {
    check(H5Sselect_all(self.file_space.get()), what);
  } else {
    std::vector<hsize_t> start(self.dims.size(), 0);
    std::vector<hsize_t> count(self.dims.begin(), self.dims.end());
    start[0] = first_row;
    count[0] = rows;
    check(H5Sselect_hyperslab(self.file_space.get(), H5S_SELECT_SET, start.data(), nullptr,
                              count.data(), nullptr),
          what);
  }
  static const std::uint64_t kNothing = 0;  // HDF5 wants a buffer even for an empty selection
  check(H5Dwrite(self.dataset.get(), native_type(self.dtype), memory.get(), self.file_space.get(),
                 self.transfer.get(), data != nullptr ? data : &kNothing),
        what);
}

void ArrayWriter::close() {
  SilenceErrors quiet;
  impl_->transfer.reset();
  impl_->file_space.reset();
  impl_->dataset.close();
}

}  // namespace rankflow::io::hdf5
