#include "command_line.hpp"

#include <filesystem>
#include <iostream>

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

std::string executable_path(std::error_code& error) {
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::string() : self.string();
}

}  // namespace rankflow::cli
