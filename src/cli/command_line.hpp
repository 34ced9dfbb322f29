// The argument parsing every command shares: its visible options plus hidden positional ones,
// and one way of reporting a usage error. Private to cli/.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <system_error>

#include "commands.hpp"

namespace rankflow::cli {

// Parses `args` into `vars`. On a usage error prints "rankflow COMMAND: what" and `options`
// to stderr and returns false (the command then exits with 2).
bool parse_command_line(const Args& args, const std::string& command,
                        const boost::program_options::options_description& options,
                        const boost::program_options::options_description& hidden,
                        const boost::program_options::positional_options_description& positional,
                        boost::program_options::variables_map& vars);

// The running rankflow binary's path (what /proc/self/exe points to); empty with `error` set
// when it cannot be read. `rankflow submit` puts it in batch scripts; `rankflow run` re-executes
// it by this name, which keeps the process named "rankflow" (malloc_tuning.hpp).
std::string executable_path(std::error_code& error);

}  // namespace rankflow::cli
