#include "hdf5_table_config.hpp"

#include <cstdint>

namespace rankflow::job {

io::hdf5::TableSourceOptions hdf5_source_options_from(const Section& section) {
  io::hdf5::TableSourceOptions options;
  options.path = section.require("path");
  if (section.has("datasets")) {
    if (section.has("dataset"))
      throw section.error("dataset", "give either datasets (a list) or dataset (one), not both");
    options.datasets = section.get_list("datasets");
    if (options.datasets.empty())
      throw section.error("datasets", "expected one or more dataset names, e.g. /station, "
                                      "/temperature");
  } else if (section.has("dataset")) {
    options.datasets = {section.require("dataset")};
  } else {
    throw section.error("datasets",
                        "an HDF5 table input needs the datasets that hold its columns, e.g. "
                        "datasets = /station, /temperature (`rankflow inspect FILE` lists them)");
  }
  for (std::size_t idx = 0; idx < options.datasets.size(); ++idx)
    for (std::size_t other = 0; other < idx; ++other)
      if (options.datasets[idx] == options.datasets[other])
        throw section.error("datasets", "the dataset " + options.datasets[idx] + " is given twice");
  const std::string io =
      section.get_choice("io", "independent", {"independent", "collective", "posix"});
  if (io == "collective")
    throw section.error("io", "a table input reads its rows locally on each rank, so its io is "
                              "independent or posix (collective is for array jobs)");
  options.io = *io::hdf5::parse_io_mode(io);
  options.block_bytes = section.get_bytes("block_size", io::hdf5::kDefaultBlockBytes);
  options.block_rows =
      static_cast<std::uint64_t>(section.get_int("block_rows", 0, 1, INT64_MAX));
  return options;
}

io::hdf5::TableSinkOptions hdf5_sink_options_from(const Section& section) {
  io::hdf5::TableSinkOptions options;
  options.layout = section.get_choice("layout", "columns", {"columns", "compound"}) == "compound"
                       ? io::hdf5::TableLayout::kCompound
                       : io::hdf5::TableLayout::kColumns;
  options.group = section.get_or("group", "/");
  options.dataset = section.get_or("dataset", "/table");
  if (options.group.empty())
    throw section.error("group", "expected a group path, e.g. / or /results");
  if (options.dataset.empty() || options.dataset.back() == '/')
    throw section.error("dataset", "expected a dataset path, e.g. /table");
  if (section.has("group") && options.layout == io::hdf5::TableLayout::kCompound)
    throw section.error("group", "group is for layout = columns; with layout = compound the "
                                 "rows go to dataset (e.g. /results/table)");
  if (section.has("dataset") && options.layout == io::hdf5::TableLayout::kColumns)
    throw section.error("dataset", "dataset is for layout = compound; with layout = columns "
                                   "each column is a dataset in group");
  return options;
}

}  // namespace rankflow::job
