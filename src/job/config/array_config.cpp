#include "array_config.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <vector>

#include "rankflow/io/hdf5/array_reader.hpp"

namespace rankflow::job {
namespace {

std::string extension(const std::string& path) {
  const auto slash = path.find_last_of('/');
  const auto dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  return lower(path.substr(dot));
}

std::optional<OutputFormat> format_of_path(const std::string& path) {
  const std::string ext = extension(path);
  if (ext == ".csv") return OutputFormat::kCsv;
  if (ext == ".h5" || ext == ".hdf5" || ext == ".he5" || ext == ".hdf") return OutputFormat::kHdf5;
  return std::nullopt;
}

// "0", "-1" or "all"; the range is checked against the dataset later (check_axes).
std::optional<int> parse_axis(const Section& section) {
  const std::string text = lower(section.get_or("axis", "0"));
  if (text == "all") return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE || value < -64 || value > 64)
    throw section.error("axis", "expected an axis number (0, 1, ..., or -1 for the last) or 'all'");
  return static_cast<int>(value);
}

array::NanPolicy parse_nan(const Section& section) {
  return section.get_choice("nan", "skip", {"skip", "propagate"}) == "skip"
             ? array::NanPolicy::kSkip
             : array::NanPolicy::kPropagate;
}

// Edit distance that counts swapping two neighbours as one edit ("sdt" is one from "std").
std::size_t swap_distance(const std::string& left, const std::string& right) {
  std::vector<std::vector<std::size_t>> cost(left.size() + 1,
                                             std::vector<std::size_t>(right.size() + 1));
  for (std::size_t row = 0; row <= left.size(); ++row) cost[row][0] = row;
  for (std::size_t col = 0; col <= right.size(); ++col) cost[0][col] = col;
  for (std::size_t row = 1; row <= left.size(); ++row) {
    for (std::size_t col = 1; col <= right.size(); ++col) {
      const std::size_t same = left[row - 1] == right[col - 1] ? 0 : 1;
      cost[row][col] =
          std::min({cost[row - 1][col] + 1, cost[row][col - 1] + 1, cost[row - 1][col - 1] + same});
      if (row > 1 && col > 1 && left[row - 1] == right[col - 2] && left[row - 2] == right[col - 1])
        cost[row][col] = std::min(cost[row][col], cost[row - 2][col - 2] + 1);
    }
  }
  return cost[left.size()][right.size()];
}

std::string suggestion(const std::string& word) {
  std::string best;
  std::size_t best_distance = 3;
  for (const std::string& name : split_list(array::reduce_function_list())) {
    const std::size_t distance = swap_distance(word, name);
    if (distance < best_distance) {
      best_distance = distance;
      best = name;
    }
  }
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

array::ReduceOptions parse_reduce(const Section& section) {
  array::ReduceOptions options;
  if (section.get_list("functions").empty()) section.require("functions");
  for (const std::string& name : section.get_list("functions")) {
    const auto function = array::parse_reduce_function(lower(name));
    if (!function)
      throw section.error("functions", "unknown function '" + name + "'" + suggestion(lower(name)) +
                                           "; functions are: " + array::reduce_function_list());
    if (std::find(options.functions.begin(), options.functions.end(), *function) !=
        options.functions.end())
      throw section.error("functions", "'" + name + "' is listed twice");
    options.functions.push_back(*function);
  }
  options.axis = parse_axis(section);
  options.ddof = static_cast<int>(section.get_int("ddof", 0, 0, 1000000));
  options.nan = parse_nan(section);
  return options;
}

std::map<array::ReduceFunction, std::string> parse_datasets(const Section& section) {
  std::map<array::ReduceFunction, std::string> names;
  for (const std::string& item : section.get_list("datasets")) {
    const auto colon = item.find(':');
    const auto function = colon == std::string::npos
                              ? std::nullopt
                              : array::parse_reduce_function(trim(item.substr(0, colon)));
    const std::string name = colon == std::string::npos ? "" : trim(item.substr(colon + 1));
    if (!function || name.empty())
      throw section.error("datasets",
                          "expected function:dataset items, e.g. mean:/stats/mean, "
                          "std:/stats/std; functions are: " +
                              array::reduce_function_list());
    names[*function] = name.front() == '/' ? name : "/" + name;
  }
  return names;
}

ArrayOutputConfig parse_output(const Section& section) {
  ArrayOutputConfig output;
  output.path = section.require("path");
  const std::string format = section.get_choice("format", "auto", {"auto", "csv", "hdf5"});
  if (format == "csv") {
    output.format = OutputFormat::kCsv;
  } else if (format == "hdf5") {
    output.format = OutputFormat::kHdf5;
  } else if (auto detected = format_of_path(output.path)) {
    output.format = *detected;
  } else {
    throw section.error("path",
                        "cannot tell the format from the extension: use .csv, .h5 or "
                        ".hdf5, or set [output] format = csv or hdf5");
  }
  output.datasets = parse_datasets(section);
  const std::string table = section.get_choice("table", "auto", {"auto", "on", "off"});
  output.table = table == "on"    ? TableMode::kOn
                 : table == "off" ? TableMode::kOff
                                  : TableMode::kAuto;
  return output;
}

CenterConfig parse_center(const Section& section, const ArrayOutputConfig& output) {
  CenterConfig center;
  const std::string kind = section.get_choice("kind", "center", {"center", "zscore"});
  center.options.kind = *array::parse_center_kind(kind);
  center.options.axis = parse_axis(section);
  center.options.ddof = static_cast<int>(section.get_int("ddof", 0, 0, 1000000));
  center.options.nan = parse_nan(section);
  center.dataset = section.get_or("dataset", "/" + kind);
  if (center.dataset.empty() || center.dataset == "/")
    throw section.error("dataset", "expected a dataset name such as /anomaly");
  if (center.dataset.front() != '/') center.dataset = "/" + center.dataset;
  const bool hdf5_output = !output.path.empty() && output.format == OutputFormat::kHdf5;
  center.path = section.get_or("path", hdf5_output ? output.path : "");
  if (center.path.empty())
    throw section.error("path", output.path.empty()
                                    ? "the centered array is written to an HDF5 file: set "
                                      "[center] path (or [output] path)"
                                    : "the centered array is written to an HDF5 file: set "
                                      "[center] path (the [output] path is not HDF5)");
  if (format_of_path(center.path) == OutputFormat::kCsv)
    throw section.error("path", "the centered array is written to an HDF5 file (.h5, .hdf5)");
  return center;
}

}  // namespace

bool is_array_config(const RawConfig& config) {
  return config.has_section("reduce") || config.has_section("center");
}

ArrayJobConfig parse_array_job(const RawConfig& config) {
  ArrayJobConfig job;
  const Section input(config, "input");
  job.input.path = input.require("path");
  job.input.dataset = input.require("dataset");
  job.input.io = *io::hdf5::parse_io_mode(
      input.get_choice("io", "independent", {"independent", "collective", "posix"}));
  job.input.block_bytes = input.get_bytes("block_size", io::hdf5::kDefaultBlockBytes);
  job.input.block_rows = static_cast<std::uint64_t>(input.get_int("block_rows", 0, 1, INT64_MAX));
  // [output] path is where a reduction goes. A job that only centers writes its own dataset
  // ([center] path, or [output] path when that is HDF5) and needs none.
  const Section output(config, "output");
  if (config.has_section("reduce") || !output.get_or("path", "").empty())
    job.output = parse_output(output);
  // [output] io governs every HDF5 row write of the job, the centered array's included.
  job.output.collective_writes =
      output.get_choice("io", "collective", {"collective", "independent"}) == "collective";
  if (config.has_section("reduce")) job.reduce = parse_reduce(Section(config, "reduce"));
  if (config.has_section("center")) {
    job.center = parse_center(Section(config, "center"), job.output);
    if (job.reduce && job.output.format == OutputFormat::kHdf5 &&
        job.center->path == job.output.path)
      for (array::ReduceFunction function : job.reduce->functions)
        if (output_dataset(job.output, function) == job.center->dataset)
          throw Section(config, "center")
              .error("dataset", "the reduction's " +
                                    std::string(array::reduce_function_name(function)) +
                                    " is written to the same dataset of the same file");
  }
  return job;
}

void check_axes(const RawConfig& config, const ArrayJobConfig& job, std::size_t rank,
                const std::string& dataset) {
  auto check = [&](const char* section_name, std::optional<int> axis) {
    if (!axis || array::normalize_axis(*axis, rank)) return;
    throw Section(config, section_name)
        .error("axis", fmt::format("{} has {} ax{}: expected 0..{}, -{}..-1 or all", dataset, rank,
                                   rank == 1 ? "is" : "es", rank - 1, rank));
  };
  if (job.reduce) check("reduce", job.reduce->axis);
  if (job.center) check("center", job.center->options.axis);
}

std::string output_dataset(const ArrayOutputConfig& output, array::ReduceFunction function) {
  const auto found = output.datasets.find(function);
  if (found != output.datasets.end()) return found->second;
  return "/" + std::string(array::reduce_function_name(function));
}

std::string axis_column_name(std::size_t axis) {
  if (axis == 0) return "row";
  if (axis == 1) return "col";
  return "axis" + std::to_string(axis);
}

}  // namespace rankflow::job
