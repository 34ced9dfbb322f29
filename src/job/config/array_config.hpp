// The array job's config, parsed and checked (private to job/).
//
//   [input]   path, dataset, block_size | block_rows, io
//   [reduce]  functions, axis, ddof, nan
//   [center]  kind, axis, ddof, nan, dataset, path
//   [output]  path, format, datasets, table
//
// parse_array_job() needs no file and no MPI (validate_job runs it on a login node);
// check_axes() needs the dataset's rank and is called once the metadata is known, still
// before any data is read. Both throw ConfigError naming the file, the key and what is allowed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "rankflow/io/hdf5/file.hpp"
#include "rankflow/job/config.hpp"
#include "rankflow/array/center.hpp"
#include "rankflow/array/reduce.hpp"

namespace rankflow::job {

enum class OutputFormat { kCsv, kHdf5 };
enum class TableMode { kAuto, kOn, kOff };

struct ArrayInputConfig {
  std::string path;
  std::string dataset;
  io::hdf5::IoMode io = io::hdf5::IoMode::kIndependent;
  std::uint64_t block_bytes = 0;
  std::uint64_t block_rows = 0;
};

struct ArrayOutputConfig {
  std::string path;
  OutputFormat format = OutputFormat::kCsv;
  std::map<array::ReduceFunction, std::string> datasets;  // HDF5 dataset of each function
  TableMode table = TableMode::kAuto;
  bool collective_writes = true;  // [output] io: HDF5 writes collective or independent
};

struct CenterConfig {
  array::CenterOptions options;
  std::string path;     // HDF5 file of the centered dataset
  std::string dataset;  // its name
};

struct ArrayJobConfig {
  ArrayInputConfig input;
  std::optional<array::ReduceOptions> reduce;
  std::optional<CenterConfig> center;
  ArrayOutputConfig output;  // path empty: no [output] path (a job with only [center])
};

// True when the config has a [reduce] or a [center] section.
bool is_array_config(const RawConfig& config);

ArrayJobConfig parse_array_job(const RawConfig& config);

// Throws ConfigError when [reduce] axis or [center] axis is out of range for `rank` axes.
void check_axes(const RawConfig& config, const ArrayJobConfig& job, std::size_t rank,
                const std::string& dataset);

// Dataset name of `function` in an HDF5 output ("/mean" unless [output] datasets says).
std::string output_dataset(const ArrayOutputConfig& output, array::ReduceFunction function);

// Column name of kept axis `axis` in CSV outputs: row, col, axis2, axis3...
std::string axis_column_name(std::size_t axis);

}  // namespace rankflow::job
