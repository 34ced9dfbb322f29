// fuzz_ini: the job config reader (src/cli/ini.cpp), `--set section.key=value` overrides and
// the validation of the config that results (job/runner.hpp validate_job, which reads no data).
// The input is an INI text, then after a NUL byte one override per line.
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "rankflow/core/error.hpp"
#include "rankflow/job/config.hpp"
#include "rankflow/job/runner.hpp"

namespace rankflow::cli {
job::RawConfig parse_ini(const std::string& text, const std::string& source);
}

namespace rankflow::fuzz::ini {

int fuzz_one(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string text = input.substr(0, nul);
  std::vector<std::string> sets;
  if (nul != std::string::npos) {
    FuzzInput rest(data + nul + 1, size - nul - 1);
    while (!rest.done()) sets.push_back(rest.line());
  }
  try {
    job::RawConfig config = cli::parse_ini(text, "fuzz.ini");
    for (const std::string& assignment : sets) config.set_override(assignment);
    job::validate_job(config);
  } catch (const Error& error) {
    fuzz_check(!std::string(error.what()).empty(), "an error says what is wrong");
  }
  return 0;
}

}  // namespace rankflow::fuzz::ini
