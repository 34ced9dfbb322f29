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

// The rankflow command's path, for `rankflow submit` to put in batch scripts: the entry
// program (entry.cpp) that started this program, else the program itself (/proc/self/exe);
// empty with `error` set when neither is known.
std::string executable_path(std::error_code& error);

// Takes the entry program's path from the environment (and removes it, so that child
// processes do not inherit it). First thing in main.
void take_command_path();

}  // namespace rankflow::cli
