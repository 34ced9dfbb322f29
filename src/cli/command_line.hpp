// The argument parsing every command shares: its visible options plus hidden positional ones,
// and one way of reporting a usage error. Private to cli/.
#pragma once

#include <boost/program_options.hpp>
#include <string>

#include "commands.hpp"

namespace rankflow::cli {

// Parses `args` into `vars`. On a usage error prints "rankflow COMMAND: what" and `options`
// to stderr and returns false (the command then exits with 2).
bool parse_command_line(const Args& args, const std::string& command,
                        const boost::program_options::options_description& options,
                        const boost::program_options::options_description& hidden,
                        const boost::program_options::positional_options_description& positional,
                        boost::program_options::variables_map& vars);

}  // namespace rankflow::cli
