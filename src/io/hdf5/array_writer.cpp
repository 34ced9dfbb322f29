#include "rankflow/io/hdf5/array_writer.hpp"

#include <optional>

#include "dataset_writer.hpp"
#include "handle.hpp"
#include "types.hpp"

namespace rankflow::io::hdf5 {

struct ArrayWriter::Impl {
  std::optional<DatasetWriter> writer;
  DType dtype = DType::kFloat64;
};

ArrayWriter::ArrayWriter(ParallelFile& file, const std::string& name,
                         std::vector<std::uint64_t> dims, DType dtype, const WriterOptions& options)
    : impl_(std::make_unique<Impl>()) {
  impl_->dtype = dtype;
  impl_->writer.emplace(file, name, std::move(dims), file_type(dtype, options.big_endian),
                        options);
}

ArrayWriter::~ArrayWriter() = default;
ArrayWriter::ArrayWriter(ArrayWriter&&) noexcept = default;

const std::string& ArrayWriter::name() const noexcept { return impl_->writer->name(); }
const std::vector<std::uint64_t>& ArrayWriter::dims() const noexcept {
  return impl_->writer->dims();
}
DType ArrayWriter::dtype() const noexcept { return impl_->dtype; }

void ArrayWriter::write(std::uint64_t first_row, std::uint64_t rows, const void* data) {
  impl_->writer->write(first_row, rows, native_type(impl_->dtype), data);
}

void ArrayWriter::close() { impl_->writer->close(); }

}  // namespace rankflow::io::hdf5
