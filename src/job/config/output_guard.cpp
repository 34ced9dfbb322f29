#include "output_guard.hpp"

#include "rankflow/comm/phase.hpp"
#include "rankflow/io/csv/csv_source.hpp"
#include "rankflow/io/output_file.hpp"

namespace rankflow::job {
namespace {

// The files of one input: a CSV glob's matches, or the path itself.
std::vector<std::string> files_of(const JobFile& input) {
  if (!input.csv_glob) return {input.path};
  try {
    return io::csv_input_paths(input.path);
  } catch (const Error&) {
    return {};  // opening the input names the problem
  }
}

void check(const RawConfig& config, const std::vector<JobFile>& inputs,
           const std::vector<JobFile>& outputs) {
  for (const JobFile& input : inputs) {
    const std::vector<std::string> files = files_of(input);
    for (const JobFile& output : outputs) {
      if (output.path.empty()) continue;
      if (const auto same = io::input_at(output.path, files))
        throw ConfigError(
            "{}: {} '{}' is the input file '{}' ({} '{}'): writing it would destroy the input; "
            "choose another output path",
            config.source(), output.key, output.path, *same, input.key, input.path);
    }
  }
}

}  // namespace

void refuse_outputs_over_inputs(const comm::Communicator& comm, const RawConfig& config,
                                const std::vector<JobFile>& inputs,
                                const std::vector<JobFile>& outputs) {
  comm::run_phase(comm, "checking the outputs", [&] {
    if (comm.rank() == 0) check(config, inputs, outputs);
  });
}

}  // namespace rankflow::job
