// The CLI's commands. Each returns the process exit code: 0 success, 1 runtime or data error,
// 2 usage or config error. Only cli/ uses Boost.Program_options.
#pragma once

#include <string>
#include <vector>

#include "rankflow/job/config.hpp"

namespace rankflow::cli {

using Args = std::vector<std::string>;  // the arguments after the command name

int run_command(const Args& args, int* argc, char*** argv);
int keys_command(const Args& args);
int submit_command(const Args& args);  // no MPI: runs on a login node
int inspect_command(const Args& args, int* argc, char*** argv);
int generate_command(const Args& args, int* argc, char*** argv);

// Parses INI text (Boost.Program_options' config file syntax: [section], key = value, '#'
// comments) into a RawConfig. `source` names the file in error messages.
job::RawConfig parse_ini(const std::string& text, const std::string& source);
// Reads `path` and applies `--set` overrides. Throws ConfigError.
job::RawConfig load_job_config(const std::string& path, const std::vector<std::string>& sets);

}  // namespace rankflow::cli
