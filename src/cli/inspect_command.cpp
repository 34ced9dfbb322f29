// `rankflow inspect FILE`: what a job config needs to know about an HDF5 file. Serial: no MPI.
#include <boost/program_options.hpp>
#include <iostream>

#include "command_line.hpp"
#include "commands.hpp"
#include "rankflow/io/hdf5/dataset_info.hpp"

namespace po = boost::program_options;

namespace rankflow::cli {

int inspect_command(const Args& args) {
  po::options_description options(
      "rankflow inspect FILE\n\nLists every dataset of an HDF5 file: shape, element type (and "
      "byte order), layout and chunks, compression, attributes, and the [input] keys that read it");
  options.add_options()("help,h", "show this help");
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::string>());
  po::positional_options_description positional;
  positional.add("file", 1);
  po::variables_map vars;
  if (!parse_command_line(args, "inspect", options, hidden, positional, vars)) return 2;
  if (vars.count("help")) {
    std::cout << options;
    return 0;
  }
  if (!vars.count("file")) {
    std::cerr << "rankflow inspect: missing the HDF5 file\n" << options;
    return 2;
  }
  const io::hdf5::FileSummary summary = io::hdf5::inspect_file(vars["file"].as<std::string>());
  std::cout << io::hdf5::format_summary(summary);
  return 0;
}

}  // namespace rankflow::cli
