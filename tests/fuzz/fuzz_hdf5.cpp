// fuzz_hdf5: HDF5 files that may be corrupt, on one rank (MPI_COMM_SELF). The input is written
// to a file, which `rankflow inspect` describes (inspect_file, format_summary) and whose
// datasets a job would plan reads from (read_dataset_info); then the first dataset is opened
// as a `rankflow run` table input (open_table_source: 1-D numeric, string and compound
// datasets, 2-D numeric ones) and its first rows are read, three at a time, which checks the
// global heap of variable-length strings before each H5Dread (vlen_strings.hpp).
#include <algorithm>
#include <string>

#include "fuzz_support.hpp"
#include "rankflow/core/error.hpp"
#include "rankflow/io/hdf5/dataset_info.hpp"
#include "rankflow/io/hdf5/table_source.hpp"

namespace rankflow::fuzz::hdf5 {
namespace {

constexpr std::uint64_t kBlockRows = 3;
constexpr int kMaxBlocks = 4;  // a few rows: the read path, not the file's size, is the point

void read_first_rows(const std::string& path, const io::hdf5::DatasetInfo& dataset) {
  io::hdf5::TableSourceOptions options;
  options.path = path;
  options.datasets = {dataset.name};
  options.io = io::hdf5::IoMode::kIndependent;  // a job's default for HDF5 table inputs
  options.block_rows = kBlockRows;
  auto source = io::hdf5::open_table_source(self_comm(), options);
  fuzz_check(!source->describe().empty(), "a source describes itself");
  // A compressed dataset is read in whole chunks (a chunk is decompressed whole): its blocks
  // hold up to one chunk's rows, more than block_rows (docs/hdf5-tables.md).
  const std::uint64_t most =
      dataset.filtered() ? std::max(kBlockRows, dataset.chunk_rows()) : kBlockRows;
  table::Table block;
  std::uint64_t rows = 0;
  for (int idx = 0; idx < kMaxBlocks && source->next(block); ++idx) {
    fuzz_check(block.num_columns() == source->schema().size(), "block has the schema's columns");
    fuzz_check(block.num_rows() <= most, "a block holds at most block_rows rows (whole chunks)");
    rows += block.num_rows();
  }
  fuzz_check(source->stats().rows == rows, "stats count the rows read");
  fuzz_check(rows <= dataset.rows(), "no more rows than the dataset has");
}

}  // namespace

int fuzz_one(const std::uint8_t* data, std::size_t size) {
  const std::string path =
      write_scratch("input.h5", std::string(reinterpret_cast<const char*>(data), size));
  io::hdf5::FileSummary summary;
  try {
    summary = io::hdf5::inspect_file(path);
    fuzz_check(!io::hdf5::format_summary(summary).empty(), "a summary says something");
    for (const io::hdf5::DatasetInfo& dataset : summary.datasets) {
      const io::hdf5::DatasetInfo info = io::hdf5::read_dataset_info(path, dataset.name);
      fuzz_check(info.dims == dataset.dims, "the same dataset, the same shape");
    }
  } catch (const Error&) {
    return 0;  // not an HDF5 file, or a broken one: a clear error
  }
  if (summary.datasets.empty()) return 0;
  try {
    read_first_rows(path, summary.datasets.front());
  } catch (const Error&) {
    // An unsupported dataset or damaged data: a clear error.
  }
  return 0;
}

}  // namespace rankflow::fuzz::hdf5
