// fuzz_hdf5: the HDF5 metadata path (dataset_info.hpp) on corrupt files: the input is written
// to a file, which `rankflow inspect` describes (inspect_file, format_summary) and whose
// datasets a job would plan reads from (read_dataset_info).
#include <string>

#include "fuzz_support.hpp"
#include "rankflow/core/error.hpp"
#include "rankflow/io/hdf5/dataset_info.hpp"

namespace rankflow::fuzz::hdf5 {

int fuzz_one(const std::uint8_t* data, std::size_t size) {
  const std::string path =
      write_scratch("input.h5", std::string(reinterpret_cast<const char*>(data), size));
  try {
    const io::hdf5::FileSummary summary = io::hdf5::inspect_file(path);
    fuzz_check(!io::hdf5::format_summary(summary).empty(), "a summary says something");
    for (const io::hdf5::DatasetInfo& dataset : summary.datasets) {
      const io::hdf5::DatasetInfo info = io::hdf5::read_dataset_info(path, dataset.name);
      fuzz_check(info.dims == dataset.dims, "the same dataset, the same shape");
    }
  } catch (const Error&) {
    // Not an HDF5 file, or a broken one: a clear error.
  }
  return 0;
}

}  // namespace rankflow::fuzz::hdf5
