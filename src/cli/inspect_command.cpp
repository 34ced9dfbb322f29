// `rankflow inspect FILE`: what a job config needs to know about an HDF5 file (serial, no MPI)
// or a CSV file (the CSV source on one rank: MPI as a singleton).
#include <boost/program_options.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mpi.h>

#include "command_line.hpp"
#include "commands.hpp"
#include "rankflow/comm/environment.hpp"
#include "rankflow/io/hdf5/dataset_info.hpp"
#include "rankflow/job/csv_inspect.hpp"

namespace po = boost::program_options;

namespace rankflow::cli {
namespace {

// HDF5's signature opens the file (at offset 0: rankflow writes no user block); anything else
// not named as HDF5 is read as CSV.
bool is_hdf5(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[8] = {};
  in.read(head, sizeof head);
  return in.gcount() == 8 && std::string(head, 8) == "\x89HDF\r\n\x1a\n";
}

int inspect_csv_file(const std::string& path, int* argc, char*** argv) {
  comm::MpiEnvironment environment(argc, argv);
  comm::Communicator comm(MPI_COMM_WORLD);
  std::cout << job::inspect_csv(comm, path);
  return 0;
}

}  // namespace

int inspect_command(const Args& args, int* argc, char*** argv) {
  po::options_description options(
      "rankflow inspect FILE\n\nLists every dataset of an HDF5 file: shape, element type (and "
      "byte order), layout and chunks, compression, attributes, and the [input] keys that read it;\n"
      "for a CSV file (or a glob of them): the columns with their inferred types, a row estimate\n"
      "and the first rows, read as a table job reads it");
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
    std::cerr << "rankflow inspect: missing the HDF5 or CSV file\n" << options;
    return 2;
  }
  const std::string path = vars["file"].as<std::string>();
  const std::string extension = std::filesystem::path(path).extension().string();
  const bool named_hdf5 = extension == ".h5" || extension == ".hdf5" || extension == ".he5";
  if (!is_hdf5(path) && !named_hdf5) return inspect_csv_file(path, argc, argv);
  const io::hdf5::FileSummary summary = io::hdf5::inspect_file(path);
  std::cout << io::hdf5::format_summary(summary);
  return 0;
}

}  // namespace rankflow::cli
