// The CLI's commands. Each returns the process exit code: 0 success, 1 runtime or data error,
// 2 usage or config error. Only cli/ uses Boost.Program_options.
#pragma once

#include <string>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/job/config.hpp"

namespace rankflow::cli {

using Args = std::vector<std::string>;  // the arguments after the command name

// `rankflow run`, or with explain = true `rankflow explain` (the bound plan; no rows read).
int run_command(const Args& args, int* argc, char*** argv, bool explain = false);
int keys_command(const Args& args);
int submit_command(const Args& args);  // no MPI: runs on a login node
int inspect_command(const Args& args, int* argc, char*** argv);
int generate_command(const Args& args, int* argc, char*** argv);

// The end of a job that threw: an agreed error is printed once by rank 0 ("rankflow: error:
// ..."; a stop: "rankflow: stopped by SIGTERM", core/stop.hpp) and gives the exit code; an
// error the ranks did not agree on ends the job with MPI_Abort (temporary files removed).
int finish_with_error(const comm::Communicator& comm, const Error& error);

// Parses INI text (Boost.Program_options' config file syntax: [section], key = value, '#'
// comments) into a RawConfig. `source` names the file in error messages.
job::RawConfig parse_ini(const std::string& text, const std::string& source);
// Reads `path` and applies `--set` overrides. Throws ConfigError.
job::RawConfig load_job_config(const std::string& path, const std::vector<std::string>& sets);

}  // namespace rankflow::cli
