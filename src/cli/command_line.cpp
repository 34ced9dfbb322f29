#include "command_line.hpp"

#include <cstdlib>
#include <iostream>

#include "malloc_tuning.hpp"

namespace rankflow::cli {

namespace po = boost::program_options;

bool parse_command_line(const Args& args, const std::string& command,
                        const po::options_description& options,
                        const po::options_description& hidden,
                        const po::positional_options_description& positional,
                        po::variables_map& vars) {
  po::options_description all;
  all.add(options).add(hidden);
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vars);
    po::notify(vars);
  } catch (const po::error& error) {
    std::cerr << "rankflow " << command << ": " << error.what() << "\n" << options;
    return false;
  }
  return true;
}

namespace {

std::string& command_path() {
  static std::string path;
  return path;
}

}  // namespace

void take_command_path() {
  if (const char* path = std::getenv(kCommandPathVariable)) {
    command_path() = path;
    unsetenv(kCommandPathVariable);
  }
}

std::string executable_path(std::error_code& error) {
  error.clear();
  if (!command_path().empty()) return command_path();
  return program_path(error);
}

}  // namespace rankflow::cli
